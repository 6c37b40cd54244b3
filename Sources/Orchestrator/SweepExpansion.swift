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
        for axis in SweepAxis.all {
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
            var point = SweepPoint(first: axes)
            for (d, dimension) in dimensions.enumerated() {
                for axis in dimension { axis.assign(&point, axes, index[d]) }
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
}

/// Spells numbers the same way everywhere (labels, hashes, CSV): shortest round-trip form.
public enum CanonicalNumber {
    /// `0` → "0", `0.03` → "0.03", `1e-05` → "1e-05"; integral values carry no ".0".
    public static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
