import Foundation

/// Points a duplicate-key error at the *repeated* key, with its full path (`sweep.lanes`): the
/// YAML composer reports only the first occurrence and the bare key.
///
/// Block mappings (the way specs are written) are located exactly: the repeat is the next line
/// at the first key's indentation that spells the same key, and the path is read from the
/// less-indented keys above it. In a flow mapping (`{a: 1, a: 2}`) the repeat is searched on the
/// same line. Anything else returns nil and the composer's own message is used.
///
/// ```
/// Experiments/x.yaml:9:3: sweep.lanes: duplicate key (first at line 7). Fix: keep one.
/// ```
/// - Complexity: O(lines of the spec).
enum DuplicateKeyLocator {
    static func locate(_ duplicates: [String], mappingLine: Int, column: Int, in yaml: String, file: String) -> SpecError? {
        guard let key = duplicates.first, mappingLine >= 1 else { return nil }
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        guard mappingLine <= lines.count else { return nil }
        let indent = column - 1
        let path = (parents(of: mappingLine - 1, indent: indent, lines: lines) + [key]).joined(separator: ".")
        // Flow mapping: the repeat on the same line, after the first occurrence; its parents are
        // the line's own key (before the `{`) and the block keys above that.
        let first = lines[mappingLine - 1]
        if let repeatColumn = occurrence(of: key, in: first, after: indent + key.unicodeScalars.count) {
            let lead = first.firstIndex(where: { $0 != " " }) ?? 0
            var names = parents(of: mappingLine - 1, indent: lead, lines: lines)
            if let colon = first[lead...].firstIndex(of: ":"), colon < indent {
                names.append(String(String.UnicodeScalarView(first[lead..<colon])))
            }
            return SpecError(file: file, line: mappingLine, column: repeatColumn + 1, keyPath: (names + [key]).joined(separator: "."),
                             message: "duplicate key (first at column \(column)). Fix: keep one.")
        }
        for index in mappingLine..<lines.count {
            let line = lines[index]
            guard let start = line.firstIndex(where: { $0 != " " }), line[start] != "#" else { continue }
            if start < indent { break }
            if start == indent, spells(key, in: line, at: start) {
                return SpecError(file: file, line: index + 1, column: column, keyPath: path,
                                 message: "duplicate key (first at line \(mappingLine)). Fix: keep one.")
            }
        }
        return nil
    }

    /// The keys of the block mappings enclosing line `index` (outermost first).
    private static func parents(of index: Int, indent: Int, lines: [[Unicode.Scalar]]) -> [String] {
        var names: [String] = []
        var limit = indent
        var i = index - 1
        while i >= 0, limit > 0 {
            let line = lines[i]
            if let start = line.firstIndex(where: { $0 != " " }), line[start] != "#", start < limit,
               let colon = line[start...].firstIndex(of: ":") {
                var name = String(String.UnicodeScalarView(line[start..<colon]))
                if name.hasPrefix("- ") { name = String(name.dropFirst(2)) }
                names.insert(name.trimmingCharacters(in: CharacterSet(charactersIn: "\"' ")), at: 0)
                limit = start
            }
            i -= 1
        }
        return names
    }

    private static func spells(_ key: String, in line: [Unicode.Scalar], at start: Int) -> Bool {
        for quote in ["", "\"", "'"] {
            let candidate = Array((quote + key + quote + ":").unicodeScalars)
            if line.count >= start + candidate.count, Array(line[start..<(start + candidate.count)]) == candidate { return true }
        }
        return false
    }

    /// The column (0-based) of `key:` in a flow mapping after `offset`, preceded by `{`, `,` or a space.
    private static func occurrence(of key: String, in line: [Unicode.Scalar], after offset: Int) -> Int? {
        guard offset < line.count else { return nil }
        for start in offset..<line.count where spells(key, in: line, at: start) {
            let before = start > 0 ? line[start - 1] : " "
            if before == " " || before == "{" || before == "," { return start }
        }
        return nil
    }
}
