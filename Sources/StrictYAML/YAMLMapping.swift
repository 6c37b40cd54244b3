import Yams

/// A YAML mapping read strictly: typed values, unknown keys refused with a did-you-mean, and
/// every problem a ``SpecError`` at the line and column of the key or value it is about.
///
/// Experiment specs and technology files are both read through it, so a misspelt key, a wrong
/// type or an out-of-range value reads the same way in either.
///
/// ```swift
/// let map = try YAMLMapping(try YAMLDocument.compose(yaml: "lanes: 4\n", file: "x.yaml"), path: "", file: "x.yaml")
/// try map.allowOnly(["lanes", "table_log"])
/// let lanes = try map.int("lanes", default: 1, range: 1...64)   // 4
/// ```
/// - Complexity: a lookup is O(keys of the mapping); mappings here hold a few dozen keys.
public struct YAMLMapping {
    /// The dotted key path of this mapping (`sweep`, `studies[2]`); empty at the top level.
    public let path: String
    /// The file as named in errors.
    public let file: String
    /// Where the mapping starts.
    public let mark: Mark?
    /// The keys in file order, each with its location and value.
    public private(set) var entries: [(key: String, keyMark: Mark?, value: Node)] = []

    /// Reads `node` as a mapping of plain keys, refusing anything else and a repeated key.
    public init(_ node: Node, path: String, file: String) throws {
        self.path = path
        self.file = file
        self.mark = node.mark
        guard case .mapping(let mapping) = node else {
            throw SpecError(file: file, line: node.mark?.line, column: node.mark?.column,
                            keyPath: path.isEmpty ? "(top level)" : path,
                            message: "expected a mapping of `key: value` lines, found \(YAMLMapping.kind(of: node)).")
        }
        for (key, value) in mapping {
            guard let name = key.string else {
                throw SpecError(file: file, line: key.mark?.line, column: key.mark?.column, keyPath: path,
                                message: "a key must be a plain name.")
            }
            if entries.contains(where: { $0.key == name }) {
                throw SpecError(file: file, line: key.mark?.line, column: key.mark?.column,
                                keyPath: child(name), message: "duplicate key. Fix: keep one.")
            }
            entries.append((name, key.mark, value))
        }
    }

    /// The key path of `key` inside this mapping.
    public func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Rejects keys outside `allowed`, suggesting the closest allowed one.
    public func allowOnly(_ allowed: [String]) throws {
        for entry in entries where !allowed.contains(entry.key) {
            var message = "unknown key."
            if let guess = DidYouMean.suggestion(for: entry.key, among: allowed) {
                message += " Did you mean '\(guess)'?"
            } else {
                message += " Allowed here: \(allowed.joined(separator: ", "))."
            }
            throw SpecError(file: file, line: entry.keyMark?.line, column: entry.keyMark?.column,
                            keyPath: child(entry.key), message: message)
        }
    }

    /// The value of `key`, if present.
    public func node(_ key: String) -> Node? { entries.first(where: { $0.key == key })?.value }

    /// The error for a required `key` that is absent, placed at the start of the mapping.
    public func missing(_ key: String, hint: String) -> SpecError {
        SpecError(file: file, line: mark?.line, column: mark?.column, keyPath: child(key),
                  message: "required key is missing. Fix: add `\(key): \(hint)`.")
    }

    /// An error about `key`, placed at `node` (its value or one of its elements).
    public func error(_ key: String, _ node: Node, _ message: String) -> SpecError {
        SpecError(file: file, line: node.mark?.line, column: node.mark?.column, keyPath: child(key), message: message)
    }

    /// How `node` reads in an error: its text, or what kind of node it is.
    public static func kind(of node: Node) -> String {
        switch node {
        case .scalar(let s): return s.string.isEmpty ? "an empty value" : "'\(s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    // MARK: Scalars

    /// A non-empty name, one of `choices` when given; `value` when the key is absent (required if nil).
    public func string(_ key: String, in choices: [String]? = nil, default value: String? = nil) throws -> String {
        guard let node = node(key) else {
            if let value { return value }
            throw missing(key, hint: choices?.first ?? "…")
        }
        return try YAMLMapping.string(node, key: key, in: choices, mapping: self)
    }

    /// A `true` / `false` flag (any other value is refused with the two choices).
    public func bool(_ key: String, default value: Bool) throws -> Bool {
        try string(key, in: ["true", "false"], default: value ? "true" : "false") == "true"
    }

    /// `node` as a non-empty name, one of `choices` when given; errors name `key` in `mapping`.
    public static func string(_ node: Node, key: String, in choices: [String]?, mapping: YAMLMapping) throws -> String {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            throw mapping.error(key, node, "expected a name, found \(kind(of: node)).")
        }
        let value = scalar.string
        if let choices, !choices.contains(value) {
            var message = "unknown value '\(value)'."
            if let guess = DidYouMean.suggestion(for: value, among: choices) { message += " Did you mean '\(guess)'?" }
            message += " Choose one of: \(choices.joined(separator: ", "))."
            throw mapping.error(key, node, message)
        }
        return value
    }

    /// One of an enum's cases, named by its raw value (the accepted names are the enum's own).
    public func choice<V: CaseIterable & RawRepresentable>(_ key: String, default value: V? = nil) throws -> V where V.RawValue == String {
        guard let node = node(key) else {
            if let value { return value }
            throw missing(key, hint: V.allCases.first?.rawValue ?? "…")
        }
        return try YAMLMapping.choice(node, key: key, mapping: self)
    }

    /// `node` as one of an enum's cases; errors name `key` in `mapping`.
    public static func choice<V: CaseIterable & RawRepresentable>(_ node: Node, key: String, mapping: YAMLMapping) throws -> V where V.RawValue == String {
        let name = try string(node, key: key, in: V.allCases.map(\.rawValue), mapping: mapping)
        return V(rawValue: name)!
    }

    /// A whole number in `range`; `value` when the key is absent (required if nil).
    public func int(_ key: String, default value: Int? = nil, range: ClosedRange<Int>) throws -> Int {
        guard let node = node(key) else { return try absent(key, value, range) }
        return try YAMLMapping.int(node, key: key, range: range, mapping: self)
    }

    /// `node` as a plain whole number in `range`; errors name `key` in `mapping`.
    public static func int(_ node: Node, key: String, range: ClosedRange<Int>, mapping: YAMLMapping) throws -> Int {
        try bounded(node, key: key, range: range, mapping: mapping, expected: "a whole number")
    }

    /// A whole number in `range`, or nil when the key is absent, `null` or `~`.
    public func optionalInt(_ key: String, range: ClosedRange<Int>) throws -> Int? {
        guard let node = node(key) else { return nil }
        if case .scalar(let s) = node, s.string == "null" || s.string == "~" { return nil }
        return try YAMLMapping.int(node, key: key, range: range, mapping: self)
    }

    /// A finite number in `range`; `value` when the key is absent (required if nil).
    public func double(_ key: String, default value: Double? = nil, range: ClosedRange<Double>) throws -> Double {
        guard let node = node(key) else { return try absent(key, value, range) }
        return try YAMLMapping.double(node, key: key, range: range, mapping: self)
    }

    /// `node` as a plain finite number in `range`; errors name `key` in `mapping`.
    public static func double(_ node: Node, key: String, range: ClosedRange<Double>, mapping: YAMLMapping) throws -> Double {
        try bounded(node, key: key, range: range, mapping: mapping, expected: "a number")
    }

    /// The default of an absent key, or the error that it is required.
    private func absent<T>(_ key: String, _ value: T?, _ range: ClosedRange<T>) throws -> T {
        if let value { return value }
        throw missing(key, hint: "\(range.lowerBound)")
    }

    /// A plain scalar that spells a `T` (a finite one, for floating point) inside `range`.
    private static func bounded<T: Comparable & LosslessStringConvertible>(
        _ node: Node, key: String, range: ClosedRange<T>, mapping: YAMLMapping, expected: String
    ) throws -> T {
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = T(scalar.string),
              (value as? Double)?.isFinite ?? true else {
            throw mapping.error(key, node, "expected \(expected), found \(kind(of: node)).")
        }
        guard range.contains(value) else {
            throw mapping.error(key, node, "\(value) is out of range. Fix: use a value from \(range.lowerBound) to \(range.upperBound).")
        }
        return value
    }

    /// The mapping under `key`, if present (anything else under it is refused).
    public func mapping(_ key: String) throws -> YAMLMapping? {
        guard let node = node(key) else { return nil }
        return try YAMLMapping(node, path: child(key), file: file)
    }

    // MARK: Lists (a single scalar counts as a one-element list)

    /// The list under `key`, each element read by `element` (given the element and its key path
    /// `key[i]`); `value` when the key is absent. An empty list is refused.
    public func list<T>(_ key: String, default value: [T], _ element: (Node, String) throws -> T) throws -> [T] {
        guard let node = node(key) else { return value }
        let items: [Node]
        switch node {
        case .sequence(let sequence): items = Array(sequence)
        case .scalar: items = [node]
        default: throw error(key, node, "expected a list like [a, b], found \(YAMLMapping.kind(of: node)).")
        }
        guard !items.isEmpty else {
            throw error(key, node, "the axis is empty. Fix: give at least one value, or remove the key to use the default.")
        }
        var values: [T] = []
        for (i, item) in items.enumerated() {
            values.append(try element(item, "\(key)[\(i)]"))
        }
        return values
    }
}
