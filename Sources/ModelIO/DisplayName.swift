/// Names taken from files (tensor names, keys) as they are shown in messages: backslashes,
/// quotes and control characters escaped as in JSON (`\n`, `\u0000`, …), so a hostile name
/// can never split a one-line error or fake a second line.
///
/// ```swift
/// DisplayName.escaped("fc1\nweight")   // "fc1\\nweight"
/// DisplayName.quoted("fc1\nweight")    // "\"fc1\\nweight\""
/// ```
/// - Complexity: O(n) in the name's length.
public enum DisplayName {
    /// `name` with control characters, `"` and `\` escaped, without surrounding quotes.
    public static func escaped(_ name: String) -> String {
        String(quoted(name).dropFirst().dropLast())
    }

    /// `name` in double quotes, escaped like a JSON string.
    public static func quoted(_ name: String) -> String {
        var out = JSONWriter.quoted(name)
        // JSON allows these raw; a terminal treats them as line breaks.
        out = out.replacingOccurrences(of: "\u{2028}", with: "\\u2028").replacingOccurrences(of: "\u{2029}", with: "\\u2029")
        out = out.replacingOccurrences(of: "\u{85}", with: "\\u0085")
        return out
    }
}
