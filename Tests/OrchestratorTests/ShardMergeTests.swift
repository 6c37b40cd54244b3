import Foundation
import XCTest
import Plotting
@testable import Orchestrator

/// Merges that cannot mix: shard folders written here by hand (results + manifest, as
/// `subbit run --shard` writes them), then every way a set of shards can be wrong.
final class ShardMergeTests: XCTestCase {
    let spec = try! SpecParser.parse(yaml: SpecParserTests.valid, file: "q.yaml", defaultName: "q")

    func testTheFingerprintIgnoresSpellingAndSeesEveryValue() throws {
        let base = SpecFingerprint(spec)
        XCTAssertTrue(base.canonical.contains("sweep.lanes.count=3\nsweep.lanes.0=1\nsweep.lanes.1=4\nsweep.lanes.2=16\n"), base.canonical)
        XCTAssertTrue(base.canonical.contains("source.train.qat.firstLayerBins=15"), base.canonical)
        XCTAssertTrue(base.canonical.contains("sweep.binPolicy.0=learned\nsweep.binPolicy.1.fixed=7"), base.canonical)
        let respelled = SpecParserTests.valid.replacingOccurrences(of: "lanes: [1, 4, 16]", with: "lanes: [1,4,16]   # comment")
            .replacingOccurrences(of: "  epochs: 8\n  lr: 0.05", with: "  lr: 0.050\n  epochs: 8")
        XCTAssertEqual(SpecFingerprint(try SpecParser.parse(yaml: respelled, file: "q.yaml", defaultName: "q")), base)
        for edit in [("lanes: [1, 4, 16]", "lanes: [1, 8, 16]"), ("temperature: 0.3", "temperature: 0.31"),
                     ("first_layer_bins: 15", "first_layer_bins: 13"), ("plots: [frontier, lambda]", "plots: [frontier]")] {
            let edited = try SpecParser.parse(yaml: SpecParserTests.valid.replacingOccurrences(of: edit.0, with: edit.1),
                                              file: "q.yaml", defaultName: "q")
            XCTAssertNotEqual(SpecFingerprint(edited).hex, base.hex, edit.1)
        }
    }

    func folder() throws -> ResultsLayout {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("subbit-merge-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return ResultsLayout(folder: url)
    }

    /// Writes shard `i` of `n` holding the points `i-1, i-1+n, …` of `total`, as `subbit run --shard` does.
    func writeShard(_ layout: ResultsLayout, _ i: Int, of n: Int, total: Int = 9, specHash: String? = nil,
                    specPath: String = "/x/q.yaml") throws {
        let ids = stride(from: i - 1, to: total, by: n).map { SweepPoint.id(index: $0, total: total) }
        let records = ids.map { PointRecord(run: [ResultsSchema.Runs.pointID: $0, "lanes": "4"], layers: [[ResultsSchema.Layers.pointID: $0]]) }
        let folder = layout.shardFolder(try ShardPlan(index: i - 1, count: n))
        try ExperimentRun.writer.write(records, to: folder, pareto: [], paretoColumns: ParetoTable.columns)
        try ShardManifest(experiment: "q", specPath: specPath, specSHA256: specHash ?? SpecFingerprint(spec).hex,
                          shard: i, count: n, pointsTotal: total, pointIDs: ids,
                          runsSHA256: SHA256.hex(of: Array(ResultsWriter.jsonLines(records).utf8))).write(to: folder)
    }

    func assertRefused(_ layout: ResultsLayout, spec expected: (SpecFingerprint, String)? = nil, _ fragments: String...,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ShardMerge.records(in: layout, spec: expected), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), "one line: \(text)", file: file, line: line)
            XCTAssertTrue(text.contains("Fix:"), text, file: file, line: line)
            for fragment in fragments { XCTAssertTrue(text.contains(fragment), "'\(fragment)' not in: \(text)", file: file, line: line) }
        }
    }

    func testACompleteSetMergesInSweepOrder() throws {
        let layout = try folder()
        for i in 1...3 { try writeShard(layout, i, of: 3) }
        let ids = try ShardMerge.records(in: layout, spec: (SpecFingerprint(spec), "q.yaml")).map { $0.run[ResultsSchema.Runs.pointID]! }
        XCTAssertEqual(ids, (0..<9).map { "p\($0)" })
    }

    func testAShardOfAnotherSpecIsNamedWithTheFix() throws {
        let layout = try folder()
        try writeShard(layout, 1, of: 3)
        try writeShard(layout, 2, of: 3, specHash: String(repeating: "ab", count: 32), specPath: "/y/edited.yaml")
        try writeShard(layout, 3, of: 3)
        assertRefused(layout, "shard 2-of-3 was made from a different spec (/y/edited.yaml, spec abababababab)",
                      "rerun it with the spec you mean to merge")
        assertRefused(layout, spec: (SpecFingerprint(spec), "Experiments/q.yaml"), "shard 2-of-3", "than Experiments/q.yaml (spec",
                      "`subbit run Experiments/q.yaml --shard 2/3`")
    }

    func testEveryShardOfAnotherSpecThanTheOneGivenIsRefused() throws {
        let layout = try folder()
        for i in 1...2 { try writeShard(layout, i, of: 2, specHash: String(repeating: "cd", count: 32)) }
        // The shards agree with each other, but not with the spec the merge job names.
        XCTAssertNoThrow(try ShardMerge.records(in: layout))
        assertRefused(layout, spec: (SpecFingerprint(spec), "q.yaml"), "shard 1-of-2 was made from a different spec")
    }

    func testMissingManifestMissingShardCopiedFolderTamperedResultsAndDuplicatesAreRefused() throws {
        let layout = try folder()
        for i in 1...3 { try writeShard(layout, i, of: 3) }
        let shard2 = layout.shardFolder(try ShardPlan(index: 1, count: 3))
        let manifest = shard2.appendingPathComponent(ShardManifest.fileName)
        let saved = try Data(contentsOf: manifest)

        try FileManager.default.removeItem(at: manifest)
        assertRefused(layout, "shard 2-of-3 has no manifest.json", "--shard 2/3")
        try saved.write(to: manifest)

        let runs = shard2.appendingPathComponent("runs.jsonl")
        let original = try Data(contentsOf: runs)
        try (original + Data("\n".utf8)).write(to: runs)
        assertRefused(layout, "shard 2-of-3: runs.jsonl does not match its manifest")
        try original.write(to: runs)

        // A copy of shard 1's folder put where shard 3 belongs.
        let shard3 = layout.shardFolder(try ShardPlan(index: 2, count: 3))
        try FileManager.default.removeItem(at: shard3)
        try FileManager.default.copyItem(at: layout.shardFolder(try ShardPlan(index: 0, count: 3)), to: shard3)
        assertRefused(layout, "shard folder 3-of-3 holds shard 1/3")

        try FileManager.default.removeItem(at: shard3)
        assertRefused(layout, "shard 3/3 missing", "`subbit run /x/q.yaml --shard 3/3`")

        // Shard 3 rewritten to claim shard 1's points as well: a duplicated point.
        let layout2 = try folder()
        try writeShard(layout2, 1, of: 2, total: 4)
        let ids = ["p0", "p1"], records = ids.map { PointRecord(run: [ResultsSchema.Runs.pointID: $0], layers: []) }
        let folder2 = layout2.shardFolder(try ShardPlan(index: 1, count: 2))
        try ExperimentRun.writer.write(records, to: folder2, pareto: [], paretoColumns: ParetoTable.columns)
        try ShardManifest(experiment: "q", specPath: "/x/q.yaml", specSHA256: SpecFingerprint(spec).hex, shard: 2, count: 2,
                          pointsTotal: 4, pointIDs: ids, runsSHA256: SHA256.hex(of: Array(ResultsWriter.jsonLines(records).utf8)))
            .write(to: folder2)
        assertRefused(layout2, "point p0 is in both shard 1-of-2 and shard 2-of-2")
    }

    func testShardsOfTwoSplitsAreRefused() throws {
        let layout = try folder()
        try writeShard(layout, 1, of: 2)
        try writeShard(layout, 1, of: 3)
        assertRefused(layout, "shards of different splits (n=2, n=3)")
    }
}
