/// The identity of a parsed spec: a canonical text of every field (one `path=value` line, found by
/// reflection so a field added to ``ExperimentSpec`` is covered without touching this file) and
/// its SHA-256. Comments, key order, spacing and default values spelled out or left implicit do
/// not change it; any edit to a value does. Shards record it so that `subbit merge` never combines
/// shards of different specs.
///
/// ```swift
/// let fingerprint = SpecFingerprint(spec)
/// print(fingerprint.hex.prefix(12))          // e.g. 3f9c0a51b2de
/// print(fingerprint.canonical)               // name=quick\nsource.train.dataset=fashion-mnist\n…
/// ```
public struct SpecFingerprint: Sendable, Equatable {
    /// One `path=value` line per leaf field of the spec, in declaration order.
    let canonical: String
    /// Lower-case hex SHA-256 of `canonical`.
    let hex: String

    public init(_ spec: ExperimentSpec) {
        var lines: [String] = []
        Self.walk(spec, path: "", into: &lines)
        canonical = lines.joined(separator: "\n") + "\n"
        hex = SHA256.hex(of: Array(canonical.utf8))
    }

    /// The first 12 hex digits: enough to tell specs apart in a message.
    public var short: String { String(hex.prefix(12)) }

    private static func walk(_ value: Any, path: String, into lines: inout [String]) {
        func child(_ label: String) -> String { path.isEmpty ? label : "\(path).\(label)" }
        switch value {
        case let x as Double: lines.append("\(path)=\(CanonicalNumber.format(x))"); return
        case let x as String: lines.append("\(path)=\(x.debugDescription)"); return
        case let x as Int: lines.append("\(path)=\(x)"); return
        case let x as Bool: lines.append("\(path)=\(x)"); return
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            if let some = mirror.children.first { walk(some.value, path: path, into: &lines) } else { lines.append("\(path)=nil") }
        case .collection, .set, .dictionary, .tuple:
            // Sets and dictionaries have no order of their own: their elements are sorted by text.
            let unordered = mirror.displayStyle == .set || mirror.displayStyle == .dictionary
            var items: [[String]] = []
            for (index, element) in mirror.children.enumerated() {
                var sub: [String] = []
                walk(element.value, path: child(unordered ? "*" : element.label ?? String(index)), into: &sub)
                items.append(sub)
            }
            if unordered { items.sort { $0.joined(separator: "\n") < $1.joined(separator: "\n") } }
            lines.append("\(path).count=\(items.count)")
            lines += items.joined()
        case .enum where mirror.children.isEmpty:
            lines.append("\(path)=\(value)")
        default:
            // Structs, classes and enum cases with payloads: one level per labelled child.
            let omitted = (value as? FingerprintOmitting)?.fingerprintOmits ?? []
            for (index, element) in mirror.children.enumerated() where !omitted.contains(element.label ?? "") {
                walk(element.value, path: child(element.label ?? String(index)), into: &lines)
            }
        }
    }
}

/// A value with fields the fingerprint leaves out while they hold their defaults, so that the
/// fingerprints made before such a field existed stand (``SweepAxes``: an optional axis).
protocol FingerprintOmitting {
    /// Labels of the stored properties to leave out.
    var fingerprintOmits: Set<String> { get }
}
