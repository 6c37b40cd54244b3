/// Names from a file (tensor names, metadata keys) as they appear in messages: in double
/// quotes, with quotes, backslashes and control characters escaped as in JSON, so a name
/// holding a newline can never split a one-line error.
///
/// ```swift
/// SBWFile.quoted("fc1\nweight")   // "\"fc1\\nweight\""
/// ```
/// - Complexity: O(n) in the name's length.
extension SBWFile {
    static func quoted(_ name: String) -> String {
        var out = "\""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
