import Foundation
import Plotting

/// Where a sweep's results go, and where each shard of it writes its part.
///
/// ```swift
/// let layout = ResultsLayout(resultsRoot: URL(fileURLWithPath: "Results"), experiment: "quick")
/// layout.folder                        // Results/quick
/// layout.shardFolder(try ShardPlan(parsing: "2/3"))   // Results/quick/shards/2-of-3
/// ```
public struct ResultsLayout: Sendable {
    public let folder: URL

    public init(resultsRoot: URL, experiment: String) {
        folder = resultsRoot.appendingPathComponent(experiment)
    }

    public init(folder: URL) { self.folder = folder }

    public var shardsFolder: URL { folder.appendingPathComponent("shards") }

    public func shardFolder(_ plan: ShardPlan) -> URL {
        shardsFolder.appendingPathComponent("\(plan.index + 1)-of-\(plan.count)")
    }
}

/// Combines the shards of a sweep (`subbit merge`) into the files an unsharded run writes.
///
/// Every shard `1-of-n … n-of-n` must be present and complete; records are ordered by their
/// `point_id` (the point's index in the full sweep), so the merged `runs.csv` equals the
/// unsharded one row for row.
public enum ShardMerge {
    /// The merged records of the shards under `layout`, in sweep order.
    public static func records(in layout: ResultsLayout) throws -> [PointRecord] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: layout.shardsFolder.path), !names.isEmpty else {
            throw ResultsError("no shards under \(layout.shardsFolder.path). Fix: run `subbit run SPEC --shard i/n` for each i first.")
        }
        var counts = Set<Int>()
        var present = Set<Int>()
        for name in names where !name.hasPrefix(".") {
            let parts = name.split(separator: "-")
            guard parts.count == 3, parts[1] == "of", let i = Int(parts[0]), let n = Int(parts[2]), (1...n).contains(i) else {
                throw ResultsError("\(layout.shardsFolder.path)/\(name) is not a shard folder (expected i-of-n). Fix: remove it.")
            }
            counts.insert(n)
            present.insert(i)
        }
        guard counts.count == 1, let n = counts.first else {
            throw ResultsError("shards of different splits (\(counts.sorted().map { "n=\($0)" }.joined(separator: ", "))) under \(layout.shardsFolder.path). Fix: delete the shards of the old split and rerun.")
        }
        let missing = (1...n).filter { !present.contains($0) }
        guard missing.isEmpty else {
            throw ResultsError("shard(s) \(missing.map { "\($0)/\(n)" }.joined(separator: ", ")) missing under \(layout.shardsFolder.path). Fix: run `subbit run SPEC --shard i/\(n)` for them.")
        }
        var records: [PointRecord] = []
        var seen = Set<String>()
        for i in 1...n {
            let file = layout.shardsFolder.appendingPathComponent("\(i)-of-\(n)").appendingPathComponent("runs.jsonl")
            for record in try ResultsWriter.readJSONLines(file) {
                let id = record.run[ResultsSchema.Runs.pointID] ?? ""
                guard seen.insert(id).inserted else {
                    throw ResultsError("point \(id) appears in two shards. Fix: rerun the shards with one split.")
                }
                records.append(record)
            }
        }
        return records.sorted { ($0.run[ResultsSchema.Runs.pointID] ?? "") < ($1.run[ResultsSchema.Runs.pointID] ?? "") }
    }
}

extension SweepPoint {
    /// The id of the point at `index` of a sweep of `total` points: zero-padded, so ids sort in sweep order.
    public static func id(index: Int, total: Int) -> String {
        let width = String(max(total - 1, 0)).count
        let digits = String(index)
        return "p" + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
