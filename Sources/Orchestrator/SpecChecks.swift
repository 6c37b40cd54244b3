import Foundation
import StrictYAML

extension SpecParser {
    /// What spec validation checks beyond the spec's own text: the size limit of a sweep, and
    /// (when `baseDirectory` is set) that every file the spec names exists — all before anything
    /// trains, each failure a ``SpecError`` with `file:line:col`.
    ///
    /// ```swift
    /// let options = SpecParser.Options(baseDirectory: URL(fileURLWithPath: "."), maxPoints: 50_000)
    /// let spec = try SpecParser.parse(contentsOf: url, options: options)
    /// ```
    public struct Options: Sendable, Equatable {
        /// Default bound on a sweep's points (`--max-points`).
        public static let defaultMaxPoints = 10_000
        /// Default bound on a sweep's trainings or calibrations (`--max-trainings`).
        public static let defaultMaxTrainings = 1_000

        /// Folder relative paths (technology file, pretrained checkpoint) resolve from; nil:
        /// referenced files are not checked (parsing text alone).
        public var baseDirectory: URL?
        public var maxPoints: Int
        public var maxTrainings: Int

        public init(baseDirectory: URL? = nil, maxPoints: Int = defaultMaxPoints, maxTrainings: Int = defaultMaxTrainings) {
            self.baseDirectory = baseDirectory
            self.maxPoints = maxPoints
            self.maxTrainings = maxTrainings
        }
    }
}

extension SweepAxes {
    /// Points the sweep expands to (saturating at `Int.max`), without expanding it.
    /// - Complexity: O(axes).
    public var pointCount: Int { product(of: SweepAxis.all) }

    /// Distinct trainings (or calibrations) the sweep needs: the product over the axes that
    /// affect the weights (zip groups counted once).
    /// - Complexity: O(axes).
    var trainingCount: Int { product(of: SweepAxis.all.filter(\.affectsWeights)) }

    private func product(of selected: [SweepAxis]) -> Int {
        var total = 1
        var counted = Set<SweepAxis>()
        for axis in selected where !counted.contains(axis) {
            let group = zip.first { $0.contains(axis) } ?? [axis]
            counted.formUnion(group)
            let (p, overflow) = total.multipliedReportingOverflow(by: count(of: axis))
            total = overflow ? Int.max : p
        }
        return total
    }
}

extension SpecReader {
    /// The sweep's size against the limits, pointing at `sweep:`.
    func checkSize(_ axes: SweepAxes, _ top: YAMLMapping) throws {
        let node = top.node("sweep")!
        if axes.pointCount > options.maxPoints {
            throw top.error("sweep", node, "the sweep expands to \(axes.pointCount) points, over the limit of \(options.maxPoints). "
                + "Fix: sweep fewer values, zip axes, or raise the limit with --max-points \(axes.pointCount).")
        }
        if axes.trainingCount > options.maxTrainings {
            throw top.error("sweep", node, "the sweep needs \(axes.trainingCount) trainings, over the limit of \(options.maxTrainings). "
                + "Fix: sweep fewer λ / bin-policy / seed values, or raise the limit with --max-trainings \(axes.trainingCount).")
        }
    }

    /// The codec/decoder cross-constraint of tANS: a table log R holds `2^R` symbols in the main
    /// table (one of them the escape) and `2^R` in the escape table, so at most `2^(R+1) − 1` bins.
    func checkTableLogs(_ axes: SweepAxes, _ map: YAMLMapping) throws {
        guard axes.codec.contains(.tans), let node = map.node("table_log") else { return }
        let bins = axes.binPolicy.compactMap { policy -> Int? in if case .fixed(let n) = policy { return n } else { return nil } }
        guard let most = bins.max() else { return }
        for r in axes.tableLog where most > (1 << (r + 1)) - 1 {
            let smallest = SpecLimits.tableLogs.first { most <= (1 << ($0 + 1)) - 1 }!
            throw map.error("table_log", node, "R = \(r) cannot hold \(most) bins: a decoder with 2^\(r)-entry tables codes at most \((1 << (r + 1)) - 1) levels (main table plus escape table). "
                + "Fix: use table_log ≥ \(smallest), or at most \((1 << (r + 1)) - 1) bins.")
        }
    }

    /// A file the spec names must exist (resolved from ``SpecParser/Options/baseDirectory``).
    func checkFile(_ path: String, key: String, in map: YAMLMapping, what: String, fix: String) throws {
        guard let base = options.baseDirectory else { return }
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            let node = map.node(key)
            throw SpecError(file: file, line: node?.mark?.line ?? map.mark?.line, column: node?.mark?.column ?? map.mark?.column,
                            keyPath: map.child(key), message: "\(what) '\(path)' does not exist. Fix: \(fix)")
        }
    }
}
