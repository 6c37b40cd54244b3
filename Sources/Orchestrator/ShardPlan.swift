/// A deterministic split of a sweep into `count` shards for machines that run in parallel
/// (`subbit run --shard i/n`, Slurm job arrays).
///
/// Points that share a ``TrainingKey`` always land in the same shard, so no training is done twice;
/// the trainings are dealt round-robin in sweep order, so shards differ by at most one training.
/// The float baselines are what shards share: `subbit run --baselines-only` trains them first (the
/// first job of `subbit slurm`), and a ``CacheLock`` per baseline keeps shards that start without
/// it from training one twice — the others wait and read it from the cache.
///
/// ```swift
/// let plan = try ShardPlan(parsing: "2/3")
/// let mine = plan.select(points, key: { TrainingKey(spec: spec, point: $0) })
/// ```
public struct ShardPlan: Sendable, Equatable {
    /// Zero-based index of this shard.
    public let index: Int
    /// Number of shards.
    public let count: Int

    /// A plan for shard `index` (0-based) of `count`.
    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw ShardPlanError("the shard count must be at least 1. Fix: use --shard i/n with n ≥ 1.") }
        guard (0..<count).contains(index) else {
            throw ShardPlanError("shard \(index + 1) does not exist in \(count) shards. Fix: use --shard i/n with 1 ≤ i ≤ n.")
        }
        self.index = index
        self.count = count
    }

    /// Parses the 1-based `i/n` form of the command line (`--shard 2/3` is the second of three).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw ShardPlanError("'\(text)' is not a shard. Fix: write it as i/n, e.g. --shard 2/3.")
        }
        try self.init(index: i - 1, count: n)
    }

    /// The points of this shard, in sweep order.
    public func select<Key: Hashable>(_ points: [SweepPoint], key: (SweepPoint) -> Key) -> [SweepPoint] {
        var groupOf: [Key: Int] = [:]
        var selected: [SweepPoint] = []
        for point in points {
            let k = key(point)
            let group: Int
            if let existing = groupOf[k] { group = existing } else {
                group = groupOf.count
                groupOf[k] = group
            }
            if group % count == index { selected.append(point) }
        }
        return selected
    }
}

/// A malformed `--shard` argument.
public struct ShardPlanError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
