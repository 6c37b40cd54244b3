import Foundation
import ModelIO
import Plotting

/// Writes a sweep's results folder — `runs.csv`, `summary.csv` (each configuration over its
/// seeds, ``SeedSummary``), `layers.csv`, `pareto.csv` and `runs.jsonl` — as one unit (a temporary sibling renamed into place), so an interrupted or failed run never leaves a truncated table or a mix of old and new files behind.
///
/// Rows are written in the order given (sweep order), so the same sweep, sharded or not, gives
/// the same files byte for byte.
public struct ResultsWriter: Sendable {
    /// Column order of `runs.csv`; columns a record has beyond these are appended, sorted by name.
    var runColumns: [String]
    /// Column order of `layers.csv`; likewise.
    var layerColumns: [String]

    public init(runColumns: [String], layerColumns: [String]) {
        self.runColumns = runColumns
        self.layerColumns = layerColumns
    }

    /// Writes every file of `records` into `folder` as a unit (`AtomicFolder`, keeping the
    /// folder's other entries such as `shards/`): the files
    /// go to a temporary sibling that then replaces the folder, so the folder holds either the
    /// previous results or all the new ones. Any write failure (a full disk) throws a
    /// ``ResultsError`` naming the path and leaves the previous results intact.
    public func write(_ records: [PointRecord], to folder: URL, pareto: [[String: String]], paretoColumns: [String]) throws {
        let runs = records.map(\.run)
        let layers = records.flatMap(\.layers)
        let runsTable = Self.table(columns: Self.columns(runColumns, runs), rows: runs)
        try AtomicFolder.write(folder, keepingOthers: true) { staging in
            func put(_ name: String, _ body: (URL) throws -> Void) throws {
                let url = staging.appendingPathComponent(name)
                do { try body(url) } catch {
                    throw ResultsError("cannot write \(folder.appendingPathComponent(name).path): \(AtomicFolder.reason(error)). "
                        + "Fix: free space or choose another --results folder; the previous results are intact.")
                }
            }
            try put(ResultsSchema.Runs.fileName) { try runsTable.write(to: $0) }
            try put(ResultsSchema.Summary.fileName) { try SeedSummary.table(runsTable).write(to: $0) }
            try put("layers.csv") { try Self.table(columns: Self.columns(layerColumns, layers), rows: layers).write(to: $0) }
            try put("pareto.csv") { try Self.table(columns: paretoColumns, rows: pareto).write(to: $0) }
            try put("runs.jsonl") { try AtomicFile.write(Array(Self.jsonLines(records).utf8), to: $0) }
        }
    }

    /// One JSON object per line: the point's full run row and its layer rows, keys sorted.
    static func jsonLines(_ records: [PointRecord]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return records.map { String(decoding: try! encoder.encode($0), as: UTF8.self) + "\n" }.joined()
    }

    /// Reads `runs.jsonl` back (for `subbit merge`), with a clear error on a damaged line.
    static func readJSONLines(_ url: URL) throws -> [PointRecord] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ResultsError("cannot read \(url.path). Fix: run the shard first (subbit run SPEC --shard i/n).")
        }
        var records: [PointRecord] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            do { records.append(try JSONDecoder().decode(PointRecord.self, from: Data(line.utf8))) } catch {
                throw ResultsError("\(url.path):\(n + 1): not a result record. Fix: rerun that shard; results files are rewritten whole.")
            }
        }
        return records
    }

    /// Rows as column → value maps laid out in `columns` order; a missing column is an empty cell.
    static func table(columns: [String], rows: [[String: String]]) -> CSVTable {
        CSVTable(header: columns, rows: rows.map { row in columns.map { row[$0] ?? "" } })
    }

    static func columns(_ preferred: [String], _ rows: [[String: String]]) -> [String] {
        var extra = Set<String>()
        for row in rows { extra.formUnion(row.keys) }
        extra.subtract(preferred)
        return preferred + extra.sorted()
    }
}

/// A results folder that cannot be read or merged.
public struct ResultsError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
