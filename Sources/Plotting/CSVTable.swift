import Foundation

/// A CSV file read into memory: a header and rows of string cells (RFC 4180).
///
/// Reading accepts quoted fields with embedded commas, line breaks and doubled quotes, CRLF or
/// LF line ends, a UTF-8 byte-order mark, and a missing final line end. Every row must have as
/// many fields as the header. Column lookups that fail throw
/// ``PlottingError/missingColumn(column:file:)`` naming the column and the file.
///
/// ```swift
/// let table = try CSVTable(text: "a,b\n1,\"x, y\"\n", source: "demo.csv")
/// try table.strings("b")   // ["x, y"]
/// try table.doubles("a")   // [1.0]
/// print(table.csvText)     // "a,b\r\n1,\"x, y\"\r\n"
/// ```
public struct CSVTable: Sendable, Equatable {
    /// Column names, in file order.
    public var header: [String]
    /// Data rows; each has `header.count` cells.
    public var rows: [[String]]
    /// The name used in error messages (usually the file's path).
    public var source: String

    /// A table from already-split cells.
    public init(header: [String], rows: [[String]], source: String = "table") {
        self.header = header
        self.rows = rows
        self.source = source
    }

    /// Reads and parses a CSV file; the file's path names it in errors.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw PlottingError.missingFile(file: url.path, neededBy: "the requested plots")
        }
        try self.init(text: String(decoding: data, as: UTF8.self), source: url.path)
    }

    /// Parses CSV text. `source` names the text in errors.
    public init(text: String, source: String) throws {
        var records = try CSVTable.parse(text, source: source)
        guard !records.isEmpty else {
            throw PlottingError.malformedCSV(file: source, line: 1, reason: "the header row is missing")
        }
        let header = records.removeFirst().fields
        for record in records where record.fields.count != header.count {
            throw PlottingError.malformedCSV(
                file: source, line: record.line,
                reason: "\(record.fields.count) fields where the header has \(header.count)")
        }
        self.init(header: header, rows: records.map(\.fields), source: source)
    }

    /// The position of `column`, or a ``PlottingError/missingColumn(column:file:)`` error.
    public func index(of column: String) throws -> Int {
        guard let i = header.firstIndex(of: column) else {
            throw PlottingError.missingColumn(column: column, file: source)
        }
        return i
    }

    /// Whether the header has `column`.
    public func hasColumn(_ column: String) -> Bool { header.contains(column) }

    /// The cells of `column`, top to bottom.
    public func strings(_ column: String) throws -> [String] {
        let i = try index(of: column)
        return rows.map { $0[i] }
    }

    /// The cells of `column` as numbers; empty cells and `NaN` read as `.nan`.
    public func doubles(_ column: String) throws -> [Double] {
        let i = try index(of: column)
        return try rows.enumerated().map { r, row in
            try CSVTable.number(row[i], column: column, file: source, line: r + 2)
        }
    }

    /// The cells of `column` as booleans (`1`/`0`, `true`/`false`, `yes`/`no`, any other
    /// number: non-zero); empty and `NaN` read as nil.
    func booleans(_ column: String) throws -> [Bool?] {
        let i = try index(of: column)
        return try rows.enumerated().map { r, row in
            let cell = row[i].trimmingCharacters(in: .whitespaces).lowercased()
            switch cell {
            case "", "nan": return nil
            case "1", "true", "yes": return true
            case "0", "false", "no": return false
            default:
                if let v = Double(cell), v.isFinite { return v != 0 }
                throw PlottingError.notANumber(value: row[i], column: column, file: source, line: r + 2)
            }
        }
    }

    /// The table as RFC 4180 text with CRLF line ends; fields holding a comma, quote, line break
    /// or edge whitespace are quoted.
    var csvText: String {
        var out = ""
        func emit(_ fields: [String]) {
            out += fields.map(CSVTable.quoted).joined(separator: ",")
            out += "\r\n"
        }
        emit(header)
        rows.forEach(emit)
        return out
    }

    /// Writes ``csvText`` to `url` through a temporary file and a rename, so a reader never
    /// sees half a file.
    public func write(to url: URL) throws {
        try Data(csvText.utf8).write(to: url, options: .atomic)
    }

    // MARK: - Parsing

    static func number(_ cell: String, column: String, file: String, line: Int) throws -> Double {
        let text = cell.trimmingCharacters(in: .whitespaces)
        if text.isEmpty || text.lowercased() == "nan" { return .nan }
        guard let value = Double(text) else {
            throw PlottingError.notANumber(value: cell, column: column, file: file, line: line)
        }
        return value
    }

    static func quoted(_ field: String) -> String {
        // Unicode scalars, not Characters: "\r\n" is one Character equal to neither "\r" nor "\n".
        let needsQuotes = field.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || field.first?.isWhitespace == true || field.last?.isWhitespace == true
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    struct Record {
        var fields: [String]
        var line: Int
    }

    /// A byte-level state machine over the UTF-8 text: the delimiters are ASCII, so multi-byte
    /// characters pass through untouched inside fields.
    static func parse(_ text: String, source: String) throws -> [Record] {
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""),
            cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1
        var inQuotes = false, wasQuoted = false
        var i = 0
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            wasQuoted = false
        }
        func endRecord() {
            // A blank line (no delimiter, no quotes, no text) is not a record.
            let blank = fields.isEmpty && field.isEmpty && !wasQuoted
            endField()
            if !blank {
                records.append(Record(fields: fields, line: recordLine))
            }
            fields.removeAll(keepingCapacity: true)
        }
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == quote {
                    if i + 1 < bytes.count, bytes[i + 1] == quote {
                        field.append(quote)
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if b == lf { line += 1 }
                    field.append(b)
                }
            } else if b == comma {
                endField()
            } else if b == cr || b == lf {
                if b == cr, i + 1 < bytes.count, bytes[i + 1] == lf { i += 1 }
                endRecord()
                line += 1
                recordLine = line
            } else if b == quote {
                guard field.isEmpty, !wasQuoted else {
                    throw PlottingError.malformedCSV(
                        file: source, line: line,
                        reason: "a quote inside an unquoted field (quote the whole field and double the quote)")
                }
                inQuotes = true
                wasQuoted = true
            } else {
                if wasQuoted {
                    throw PlottingError.malformedCSV(
                        file: source, line: line, reason: "text after the closing quote of a field")
                }
                field.append(b)
            }
            i += 1
        }
        if inQuotes {
            throw PlottingError.malformedCSV(file: source, line: recordLine, reason: "a quoted field is never closed")
        }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
        return records
    }
}
