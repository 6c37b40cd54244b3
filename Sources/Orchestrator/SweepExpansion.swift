/// One configuration of an experiment: a value on every sweep axis.
public struct SweepPoint: Sendable, Hashable {
    public var lambda: Double
    public var binPolicy: BinPolicy
    public var rateWeight: Double
    public var seed: Int
    public var codec: String
    public var tableLog: Int
    public var lanes: Int
    public var layout: String
    public var portBits: Int
    public var sharing: String

    /// The point's values as `axis=value` text, in axis order — a stable, readable identity.
    public var label: String {
        SweepAxis.allCases.map { "\($0.rawValue)=\(value(of: $0))" }.joined(separator: ",")
    }

    /// The value on `axis`, spelled as in results files.
    public func value(of axis: SweepAxis) -> String {
        switch axis {
        case .lambda: return CanonicalNumber.format(lambda)
        case .binPolicy: return binPolicy.description
        case .rateWeight: return CanonicalNumber.format(rateWeight)
        case .seed: return String(seed)
        case .codec: return codec
        case .tableLog: return String(tableLog)
        case .lanes: return String(lanes)
        case .layout: return layout
        case .portBits: return String(portBits)
        case .sharing: return sharing
        }
    }
}

/// Expands a spec's axes into sweep points: a Cartesian product of the axes, except that the axes of
/// each `zip` group advance together (their i-th values form one combination).
///
/// The order is deterministic — training axes vary slowest, so consecutive points share trained weights:
///
/// ```swift
/// let axes = SweepAxes(lambda: [0, 0.1], lanes: [1, 4])
/// SweepExpansion(axes: axes).points().count // 4
/// ```
public struct SweepExpansion: Sendable {
    public var axes: SweepAxes

    public init(axes: SweepAxes) { self.axes = axes }
    public init(spec: ExperimentSpec) { self.axes = spec.sweep }

    /// The expanded points, training axes outermost.
    public func points() -> [SweepPoint] {
        // Each "dimension" is one free axis or one zip group; its i-th step sets every member axis.
        var dimensions: [[SweepAxis]] = []
        var zipped = Set<SweepAxis>()
        for group in axes.zip { zipped.formUnion(group) }
        for axis in SweepAxis.allCases {
            if let group = axes.zip.first(where: { $0.first == axis }) {
                dimensions.append(group)
            } else if !zipped.contains(axis) {
                dimensions.append([axis])
            }
        }
        // Put dimensions that affect weights first (stable within each class).
        dimensions = dimensions.filter { $0.contains(where: \.affectsWeights) }
            + dimensions.filter { !$0.contains(where: \.affectsWeights) }
        let sizes = dimensions.map { axes.count(of: $0[0]) }
        let total = sizes.reduce(1, *)
        var result: [SweepPoint] = []
        result.reserveCapacity(total)
        var index = [Int](repeating: 0, count: dimensions.count)
        for _ in 0..<total {
            var point = SweepPoint(lambda: axes.lambda[0], binPolicy: axes.binPolicy[0], rateWeight: axes.rateWeight[0],
                                   seed: axes.seed[0], codec: axes.codec[0], tableLog: axes.tableLog[0],
                                   lanes: axes.lanes[0], layout: axes.layout[0], portBits: axes.portBits[0],
                                   sharing: axes.sharing[0])
            for (d, dimension) in dimensions.enumerated() {
                for axis in dimension { set(axis, step: index[d], on: &point) }
            }
            result.append(point)
            // Odometer increment, last dimension fastest.
            var d = dimensions.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < sizes[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return result
    }

    private func set(_ axis: SweepAxis, step i: Int, on point: inout SweepPoint) {
        switch axis {
        case .lambda: point.lambda = axes.lambda[i]
        case .binPolicy: point.binPolicy = axes.binPolicy[i]
        case .rateWeight: point.rateWeight = axes.rateWeight[i]
        case .seed: point.seed = axes.seed[i]
        case .codec: point.codec = axes.codec[i]
        case .tableLog: point.tableLog = axes.tableLog[i]
        case .lanes: point.lanes = axes.lanes[i]
        case .layout: point.layout = axes.layout[i]
        case .portBits: point.portBits = axes.portBits[i]
        case .sharing: point.sharing = axes.sharing[i]
        }
    }
}

/// Spells numbers the same way everywhere (labels, hashes, CSV): shortest round-trip form.
public enum CanonicalNumber {
    /// `0` → "0", `0.03` → "0.03", `1e-05` → "1e-05"; integral values carry no ".0".
    public static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
