import Foundation

/// A problem with a YAML settings file — an experiment spec or a technology file: where it is
/// (file, line, column, key path), what is wrong, and how to fix it — printed as one line, like a
/// compiler diagnostic.
///
/// ```
/// Experiments/x.yaml:7:3: sweep.tabel_log: unknown key. Did you mean 'table_log'?
/// ```
public struct SpecError: Error, Equatable, LocalizedError, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// Dotted path of the offending key, e.g. `sweep.table_log[2]`; empty for the whole file.
    public var keyPath: String
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let line = line, line > 0, let column { location += ":\(column)" }
        let key = keyPath.isEmpty ? "" : " \(keyPath):"
        return "\(location):\(key) \(message)"
    }

    public var errorDescription: String? { description }
}

/// Suggestions for misspelled names, by edit distance.
public enum DidYouMean {
    /// The candidate closest to `word` if it is close enough to be a plausible typo.
    ///
    /// ```swift
    /// DidYouMean.suggestion(for: "tabel_log", among: ["table_log", "lanes"]) // "table_log"
    /// ```
    public static func suggestion(for word: String, among candidates: some Sequence<String>) -> String? {
        let lowered = word.lowercased()
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let d = editDistance(lowered, candidate.lowercased())
            if best == nil || d < best!.distance { best = (candidate, d) }
        }
        guard let best else { return nil }
        // Allow about one edit per three characters, at least one.
        return best.distance <= max(1, word.count / 3) ? best.name : nil
    }

    /// Damerau–Levenshtein distance (optimal string alignment): a swap of neighbours is one edit.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous2 = [Int](repeating: 0, count: y.count + 1)
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                var d = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    d = min(d, previous2[j - 2] + 1)
                }
                current[j] = d
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[y.count]
    }
}
