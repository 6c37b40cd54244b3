/// Writes RFC 4180 CSV: a header row, then one row per record, quoting a field only when it
/// holds a comma, a quote or a line break.
///
/// ```swift
/// CSVWriter.render(columns: ["a", "b"], rows: [["a": "1", "b": "x,y"]])
/// // "a,b\n1,\"x,y\"\n"
/// ```
public enum CSVWriter {
    /// The CSV text of `rows` in `columns` order; a column a row lacks is an empty cell.
    public static func render(columns: [String], rows: [[String: String]]) -> String {
        var text = columns.map(quote).joined(separator: ",") + "\n"
        for row in rows {
            text += columns.map { quote(row[$0] ?? "") }.joined(separator: ",") + "\n"
        }
        return text
    }

    /// `field`, quoted if it needs to be.
    public static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
