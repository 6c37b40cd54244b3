import Foundation
import TestSupport
import XCTest

/// The committed reference runs regenerate byte for byte from their committed CSVs:
/// `Plots/quick/` from `Results/quick/` (`subbit plot`), and `Results/paper/tables.md` with
/// `Plots/paper/` from `Results/paper/<study>/` (`subbit reproduce --tables-only`). So nothing
/// in them is edited by hand, and every number in them is a cell of a committed CSV.
final class ReferenceRegenerationTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Every regular file under `folder` (hidden ones excluded), by relative path.
    func files(under folder: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [.skipsHiddenFiles]) else { return out }
        for case let url as URL in walker where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            out[String(url.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count + 1))] = try Data(contentsOf: url)
        }
        return out
    }

    func assertSameFiles(committed: URL, regenerated: URL, fix: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try files(under: committed), actual = try files(under: regenerated)
        XCTAssertFalse(expected.isEmpty, "\(committed.path) is empty", file: file, line: line)
        for name in expected.keys.sorted() {
            guard let got = actual[name] else {
                XCTFail("\(committed.path)/\(name) is committed but not regenerated. Fix: \(fix)", file: file, line: line)
                continue
            }
            if got != expected[name] {
                XCTFail("\(committed.path)/\(name) differs from what the committed CSVs regenerate. Fix: \(fix)", file: file, line: line)
            }
        }
        for name in Set(actual.keys).subtracting(expected.keys).sorted() {
            XCTFail("\(name) is regenerated but not committed under \(committed.path). Fix: \(fix)", file: file, line: line)
        }
    }

    func testQuickPlotsRegenerateFromTheCommittedCSVs() throws {
        let committed = Self.repository.appendingPathComponent("Plots/quick")
        guard FileManager.default.fileExists(atPath: committed.path) else {
            return XCTFail("Plots/quick is not committed. Fix: Scripts/run.sh, then commit Results/quick and Plots/quick.")
        }
        let folder = try temporaryFolder()
        let out = folder.appendingPathComponent("quick")
        let r = try SubBitCLI.run(["plot", Self.repository.appendingPathComponent("Results/quick").path, "-o", out.path], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        try assertSameFiles(committed: committed, regenerated: out,
                            fix: "regenerate with `subbit plot Results/quick` (or rerun Scripts/run.sh) and commit; never edit plots by hand.")
    }

    func testPaperTablesAndPlotsRegenerateFromTheCommittedCSVs() throws {
        try assertTablesAndPlotsRegenerate(experiment: "paper", spec: "paper.yaml", command: "subbit reproduce")
    }

    /// The equal-λ ablation and frontier studies (`Experiments/precision.yaml`).
    func testPrecisionTablesAndPlotsRegenerateFromTheCommittedCSVs() throws {
        try assertTablesAndPlotsRegenerate(experiment: "precision", spec: "precision.yaml",
                                           command: "subbit reproduce Experiments/precision.yaml")
    }

    /// The Fashion-MNIST ResNet-20 frontier (`Experiments/precision-resnet20.yaml`).
    func testResNet20FrontierTablesAndPlotsRegenerateFromTheCommittedCSVs() throws {
        try assertTablesAndPlotsRegenerate(experiment: "precision-resnet20", spec: "precision-resnet20.yaml",
                                           command: "subbit reproduce Experiments/precision-resnet20.yaml")
    }

    /// `Results/<experiment>/tables.md` and `Plots/<experiment>/` come out of the committed CSVs
    /// and `Experiments/<spec>` byte for byte (`--tables-only`, in a scratch repository).
    func assertTablesAndPlotsRegenerate(experiment: String, spec: String, command: String) throws {
        let results = Self.repository.appendingPathComponent("Results/\(experiment)")
        let tables = results.appendingPathComponent("tables.md")
        guard FileManager.default.fileExists(atPath: results.path) else {
            throw XCTSkip("Results/\(experiment) is not committed yet (`\(command)` produces it)")
        }
        guard FileManager.default.fileExists(atPath: tables.path) else {
            return XCTFail("Results/\(experiment) exists without tables.md. Fix: run `\(command)` (or `--tables-only`) and commit its output.")
        }
        // A scratch repository: the spec and the committed CSVs only; `--tables-only` renders the rest.
        let folder = try temporaryFolder()
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("Experiments"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("Experiments/\(spec)"),
                                         to: folder.appendingPathComponent("Experiments/\(spec)"))
        for (name, data) in try files(under: results) where name.hasSuffix(".csv") {
            let target = folder.appendingPathComponent("Results/\(experiment)").appendingPathComponent(name)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: target)
        }
        let r = try SubBitCLI.run(["reproduce", "Experiments/\(spec)", "--tables-only"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let regenerated = try Data(contentsOf: folder.appendingPathComponent("Results/\(experiment)/tables.md"))
        if regenerated != (try Data(contentsOf: tables)) {
            XCTFail("Results/\(experiment)/tables.md differs from what `\(command) --tables-only` renders from the committed CSVs and Experiments/\(spec). Fix: run `\(command) --tables-only` and commit the result; never edit tables.md by hand.")
        }
        try assertSameFiles(committed: Self.repository.appendingPathComponent("Plots/\(experiment)"),
                            regenerated: folder.appendingPathComponent("Plots/\(experiment)"),
                            fix: "run `\(command) --tables-only` and commit Plots/\(experiment); never edit plots by hand.")
    }
}
