import Foundation
import XCTest
import DecoderHardware
import Plotting
@testable import Orchestrator

/// Issue 20: runs.csv names the technology file its decoder columns were costed with and the
/// file's SHA-256, and a changed file or cost model cannot serve a cached point.
final class RunsTechnologyColumnsTests: XCTestCase {
    let spec = try! SpecParser.parse(yaml: SpecParserTests.valid, file: "q.yaml", defaultName: "q")
    static let techFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Experiments/tech")

    func testTheTwoColumnsComeLastInRunsCSV() throws {
        XCTAssertEqual(Array(ResultsSchema.Runs.columns.suffix(2)), ["tech_file", "tech_sha256"])
        let text = "kind: asic\nname: x\n"
        var records = [PointRecord(run: [ResultsSchema.Runs.pointID: "p1"], layers: []),
                       PointRecord(run: [ResultsSchema.Runs.pointID: "p2"], layers: [])]
        ExperimentRun.stampTechnology(&records, file: "Experiments/tech/asic-22nm.yaml", text: text)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("subbit-tech-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let results = folder.appendingPathComponent("results")
        try ExperimentRun.writer.write(records, to: results, pareto: [], paretoColumns: [ResultsSchema.Runs.pointID])
        let csv = try String(contentsOf: results.appendingPathComponent(ResultsSchema.Runs.fileName), encoding: .utf8)
        let lines = csv.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(Array(lines[0].suffix(2)), ["tech_file", "tech_sha256"])
        XCTAssertEqual(lines.count, 3)
        for row in lines.dropFirst() {
            XCTAssertEqual(row.count, lines[0].count)
            XCTAssertEqual(row[row.count - 2], "Experiments/tech/asic-22nm.yaml")
            XCTAssertEqual(row[row.count - 1], SHA256.hex(of: Array(text.utf8)))
            XCTAssertEqual(row[row.count - 1].count, 64)
        }
        // The hash is SHA-256 (FIPS 180-2 test vector "abc").
        XCTAssertEqual(SHA256.hex(of: Array("abc".utf8)),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// A cached finished point is keyed by the technology file's bytes and the cost model's
    /// version: one changed comment in the file, or another file, gives another key.
    func testThePointSaltFollowsTheTechnologyFileAndTheCostModel() throws {
        let url = Self.techFolder.appendingPathComponent("asic-22nm.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        let tech = try Technology.load(contentsOf: url)
        let salt = ExperimentRun.pointSalt(techText: text, technology: tech, spec: spec)
        XCTAssertEqual(salt, ExperimentRun.pointSalt(techText: text, technology: tech, spec: spec))
        XCTAssertTrue(salt.contains("tech=\(SHA256.hex(of: Array(text.utf8)))\n"), salt)
        XCTAssertTrue(salt.contains("decoderModel=\(DecoderCostModel.version)\n"), salt)
        XCTAssertNotEqual(ExperimentRun.pointSalt(techText: text + "# edited\n", technology: tech, spec: spec), salt)
        let other = Self.techFolder.appendingPathComponent("asic-45nm.yaml")
        XCTAssertNotEqual(ExperimentRun.pointSalt(techText: try String(contentsOf: other, encoding: .utf8),
                                                  technology: try Technology.load(contentsOf: other), spec: spec), salt)
    }
}
