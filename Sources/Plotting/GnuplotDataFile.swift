/// A gnuplot data file (`.dat`) under construction: a comment header naming the columns, then
/// whitespace-separated rows, strings in double quotes, missing numbers as `NaN`.
///
/// Several data sets share one file as gnuplot *index* blocks, separated by two blank lines;
/// each block starts with a comment naming it, so a reader of the file knows which `index n`
/// the script means.
///
/// ```swift
/// var dat = GnuplotDataFile(title: "frontier", columns: ["bits", "top1", "policy"])
/// dat.beginBlock("bin policy learned")
/// dat.addRow([.number(0.8), .number(91.2), .text("learned")])
/// dat.text   // "# frontier\n# columns: bits top1 policy\n# index 0: bin policy learned\n0.8 91.2 \"learned\"\n"
/// ```
struct GnuplotDataFile: Sendable {
    enum Value: Sendable {
        case number(Double)
        case integer(Int)
        case text(String)
    }

    private(set) var text: String
    /// The number of blocks begun so far (the next block's gnuplot `index`).
    private(set) var blockCount = 0

    init(title: String, columns: [String]) {
        text = "# \(title)\n# columns: \(columns.joined(separator: " "))\n"
    }

    /// Starts the next index block, named by a comment line.
    mutating func beginBlock(_ name: String) {
        if blockCount > 0 { text += "\n\n" }
        text += "# index \(blockCount): \(GnuplotDataFile.oneLine(name))\n"
        blockCount += 1
    }

    mutating func addRow(_ values: [Value]) {
        var first = true
        for value in values {
            if !first { text += " " }
            first = false
            switch value {
            case .number(let x): text += GnuplotDataFile.format(x)
            case .integer(let n): text += String(n)
            case .text(let s): text += GnuplotDataFile.quoted(s)
            }
        }
        text += "\n"
    }

    /// Shortest round-trip decimal (deterministic), `NaN` for anything not finite.
    static func format(_ x: Double) -> String {
        x.isFinite ? "\(x)" : "NaN"
    }

    /// gnuplot has no escapes inside quoted data strings: double quotes become single quotes.
    static func quoted(_ s: String) -> String {
        "\"" + oneLine(s).replacingOccurrences(of: "\"", with: "'") + "\""
    }

    static func oneLine(_ s: String) -> String {
        s.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }
}

/// A string literal for a gnuplot script: double-quoted, with `\` and `"` escaped.
func gnuplotString(_ s: String) -> String {
    let escaped = GnuplotDataFile.oneLine(s)
        .replacingOccurrences(of: "\\", with: "\\\\")
        .replacingOccurrences(of: "\"", with: "\\\"")
    return "\"" + escaped + "\""
}

/// A number for a gnuplot script (always finite: callers pass computed ranges and positions).
func gnuplotNumber(_ x: Double) -> String {
    precondition(x.isFinite, "gnuplot scripts only get finite numbers")
    return "\(x)"
}
