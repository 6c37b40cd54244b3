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

    var shardsFolder: URL { folder.appendingPathComponent("shards") }

    func shardFolder(_ plan: ShardPlan) -> URL {
        shardsFolder.appendingPathComponent("\(plan.index + 1)-of-\(plan.count)")
    }
}

/// Combines the shards of a sweep (`subbit merge`) into the files an unsharded run writes.
///
/// Every shard `1-of-n … n-of-n` must be present and complete, each with its ``ShardManifest``;
/// all must come from one spec (the ``SpecFingerprint`` of `spec` when given, else the one most
/// shards were made from), hold what their manifests say, and together cover every point of the
/// sweep exactly once. Records are ordered by their `point_id` (the point's index in the full
/// sweep), so the merged `runs.csv` equals the unsharded one row for row. The first problem found
/// is thrown as one line naming the shard and the fix; nothing is written by this type.
///
/// ```swift
/// let records = try ShardMerge.records(in: layout, spec: (SpecFingerprint(spec), "Experiments/quick.yaml"))
/// ```
public enum ShardMerge {
    /// The merged records of the shards under `layout`, in sweep order. `spec` is the fingerprint
    /// every shard must carry and the spec path the messages name (nil: the shards' majority).
    public static func records(in layout: ResultsLayout,
                               spec: (fingerprint: SpecFingerprint, path: String)? = nil) throws -> [PointRecord] {
        let fm = FileManager.default
        let root = layout.shardsFolder.path
        guard let names = try? fm.contentsOfDirectory(atPath: root), names.contains(where: { !$0.hasPrefix(".") }) else {
            throw ResultsError("no shards under \(root). Fix: run `subbit run SPEC --shard i/n` for each i first.")
        }
        var counts = Set<Int>()
        var present = Set<Int>()
        for name in names where !name.hasPrefix(".") {
            let parts = name.split(separator: "-")
            guard parts.count == 3, parts[1] == "of", let i = Int(parts[0]), let n = Int(parts[2]), (1...n).contains(i) else {
                throw ResultsError("\(root)/\(name) is not a shard folder (expected i-of-n). Fix: remove it.")
            }
            counts.insert(n)
            present.insert(i)
        }
        guard counts.count == 1, let n = counts.first else {
            throw ResultsError("shards of different splits (\(counts.sorted().map { "n=\($0)" }.joined(separator: ", "))) under \(root). Fix: delete the shards of the old split and rerun.")
        }
        // Manifests first: they name the spec, which the messages about missing shards quote.
        var manifests: [Int: ShardManifest] = [:]
        for i in present.sorted() {
            let folder = layout.shardsFolder.appendingPathComponent("\(i)-of-\(n)")
            guard let manifest = try ShardManifest.read(from: folder) else {
                throw ResultsError("shard \(i)-of-\(n) has no \(ShardManifest.fileName): it is still running, was interrupted, or was written by an older subbit. Fix: rerun it with `subbit run \(spec?.path ?? "SPEC") --shard \(i)/\(n)`.")
            }
            guard manifest.shard == i, manifest.count == n else {
                throw ResultsError("shard folder \(i)-of-\(n) holds shard \(manifest.shard)/\(manifest.count) (a copied or duplicated folder). Fix: delete \(folder.path) and rerun `subbit run \(manifest.specPath) --shard \(i)/\(n)`.")
            }
            manifests[i] = manifest
        }
        let specPath = spec?.path ?? manifests.values.first?.specPath ?? "SPEC"
        let missing = (1...n).filter { !present.contains($0) }
        guard missing.isEmpty else {
            throw ResultsError("shard \(missing.map { "\($0)/\(n)" }.joined(separator: ", ")) missing under \(root). Fix: run `subbit run \(specPath) --shard \(missing[0])/\(n)`\(missing.count > 1 ? " (and the others)" : "") first.")
        }
        let reference = spec?.fingerprint.hex ?? majoritySpec(manifests, count: n)
        for i in 1...n where manifests[i]!.specSHA256 != reference {
            let m = manifests[i]!
            let against = spec.map { "\($0.path) (spec \($0.fingerprint.short))" }
                ?? "the other shards (spec \(reference.prefix(12)))"
            throw ResultsError("shard \(i)-of-\(n) was made from a different spec (\(m.specPath), spec \(m.specSHA256.prefix(12))) than \(against). Fix: rerun it with the spec you mean to merge: `subbit run \(spec?.path ?? "SPEC") --shard \(i)/\(n)`.")
        }
        var records: [PointRecord] = []
        var owner: [String: Int] = [:]
        let total = manifests[1]!.pointsTotal
        for i in 1...n {
            let m = manifests[i]!
            let file = layout.shardsFolder.appendingPathComponent("\(i)-of-\(n)").appendingPathComponent("runs.jsonl")
            let bytes = FileManager.default.contents(atPath: file.path).map { [UInt8]($0) }
            guard let bytes, SHA256.hex(of: bytes) == m.runsSHA256 else {
                throw ResultsError("shard \(i)-of-\(n): runs.jsonl does not match its manifest (changed after it was written, or a rerun was interrupted). Fix: rerun it with `subbit run \(specPath) --shard \(i)/\(n)`.")
            }
            let shardRecords = try ResultsWriter.readJSONLines(file)
            let ids = shardRecords.map { $0.run[ResultsSchema.Runs.pointID] ?? "" }
            guard ids == m.pointIDs, m.pointsTotal == total else {
                throw ResultsError("shard \(i)-of-\(n): its points do not match its manifest. Fix: rerun it with `subbit run \(specPath) --shard \(i)/\(n)`.")
            }
            for id in ids {
                if let other = owner[id] {
                    throw ResultsError("point \(id) is in both shard \(other)-of-\(n) and shard \(i)-of-\(n) (a duplicated shard). Fix: delete both and rerun them with `subbit run \(specPath) --shard i/\(n)`.")
                }
                owner[id] = i
            }
            records += shardRecords
        }
        let uncovered = (0..<total).map { SweepPoint.id(index: $0, total: total) }.filter { owner[$0] == nil }
        guard uncovered.isEmpty else {
            throw ResultsError("points \(uncovered.prefix(5).joined(separator: ", "))\(uncovered.count > 5 ? ", …" : "") of \(total) are in no shard. Fix: delete \(root) and rerun every shard with `subbit run \(specPath) --shard i/\(n)`.")
        }
        return records.sorted { ($0.run[ResultsSchema.Runs.pointID] ?? "") < ($1.run[ResultsSchema.Runs.pointID] ?? "") }
    }

    /// The spec hash most shards carry (on a tie, that of the lowest-numbered shard among the tied).
    private static func majoritySpec(_ manifests: [Int: ShardManifest], count n: Int) -> String {
        var votes: [String: Int] = [:]
        for i in 1...n { votes[manifests[i]!.specSHA256, default: 0] += 1 }
        let best = votes.values.max() ?? 0
        return (1...n).map { manifests[$0]!.specSHA256 }.first { votes[$0] == best } ?? ""
    }
}

extension SweepPoint {
    /// The id of the point at `index` of a sweep of `total` points: zero-padded, so ids sort in sweep order.
    static func id(index: Int, total: Int) -> String {
        let width = String(max(total - 1, 0)).count
        let digits = String(index)
        return "p" + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
