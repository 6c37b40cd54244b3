import Foundation
import ModelIO

/// What a shard folder holds, written last (atomically) by `subbit run --shard i/n` as
/// `Results/<exp>/shards/i-of-n/manifest.json`: the spec's ``SpecFingerprint``, the shard's index
/// and count, the sweep's size, the ids of its points and the SHA-256 of its `runs.jsonl`.
/// ``ShardMerge`` trusts a shard only through it, so shards of an edited spec, a copied folder or
/// a shard whose rewrite was interrupted are refused instead of merged.
///
/// ```swift
/// let manifest = try ShardManifest.read(from: layout.shardFolder(plan))
/// print(manifest.shard, manifest.count, manifest.specSHA256.prefix(12), manifest.pointIDs.count)
/// ```
public struct ShardManifest: Codable, Sendable, Equatable {
    /// Bumped when the fields change; merge refuses manifests of another format.
    static let currentFormat = 1
    static let fileName = "manifest.json"

    public var format: Int
    public var experiment: String
    /// The spec file the shard ran (absolute), for the messages that tell how to rerun it.
    public var specPath: String
    /// ``SpecFingerprint/hex`` of the parsed spec.
    var specSHA256: String
    /// 1-based index of the shard.
    public var shard: Int
    /// Number of shards of the split.
    public var count: Int
    /// Points in the whole sweep.
    var pointsTotal: Int
    /// The shard's point ids (``SweepPoint/id(index:total:)``), in sweep order.
    var pointIDs: [String]
    /// SHA-256 of the shard's `runs.jsonl`.
    var runsSHA256: String

    enum CodingKeys: String, CodingKey {
        case format, experiment, shard, count
        case specPath = "spec_path", specSHA256 = "spec_sha256", pointsTotal = "points_total"
        case pointIDs = "point_ids", runsSHA256 = "runs_jsonl_sha256"
    }

    public init(experiment: String, specPath: String, specSHA256: String, shard: Int, count: Int,
                pointsTotal: Int, pointIDs: [String], runsSHA256: String) {
        self.format = Self.currentFormat
        self.experiment = experiment
        self.specPath = specPath
        self.specSHA256 = specSHA256
        self.shard = shard
        self.count = count
        self.pointsTotal = pointsTotal
        self.pointIDs = pointIDs
        self.runsSHA256 = runsSHA256
    }

    /// Writes the manifest into `folder`, atomically (after the shard's results files).
    public func write(to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try AtomicFile.write(Array(try encoder.encode(self)) + [UInt8(ascii: "\n")],
                             to: folder.appendingPathComponent(Self.fileName))
    }

    /// The manifest in `folder`, or nil when there is none; throws when it cannot be read.
    public static func read(from folder: URL) throws -> ShardManifest? {
        let url = folder.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        guard let manifest = try? JSONDecoder().decode(ShardManifest.self, from: data),
              manifest.format == currentFormat else {
            throw ResultsError("\(url.path) is not a shard manifest of this subbit (format \(currentFormat)). Fix: rerun that shard.")
        }
        return manifest
    }
}
