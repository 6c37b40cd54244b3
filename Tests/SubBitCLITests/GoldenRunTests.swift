import Foundation
import TestSupport
import XCTest

/// Results that cannot change silently: a tiny trained sweep (`Tests/Fixtures/golden.yaml`, two
/// seeds) from an EMPTY cache must give exactly the committed `Tests/Fixtures/golden-runs.csv`
/// (all but `train_seconds`), and the same with one trainer at a time or two at once.
///
/// Regenerate the golden file on purpose, after a change that is meant to move results:
/// `SUBBIT_UPDATE_GOLDEN=1 Scripts/test.sh` (then regenerate the committed results too).
final class GoldenRunTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let spec = repository.appendingPathComponent("Tests/Fixtures/golden.yaml")
    static let golden = repository.appendingPathComponent("Tests/Fixtures/golden-runs.csv")

    /// `subbit run` of the golden spec from a fresh cache under `folder`; returns runs.csv's text.
    private func coldRun(_ folder: URL, jobs: Int, threads: Int) throws -> (runs: String, stdout: String) {
        let cache = folder.appendingPathComponent("cache-\(jobs)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache.path), "the cache must start empty")
        let results = folder.appendingPathComponent("Results-\(jobs)"), plots = folder.appendingPathComponent("Plots-\(jobs)")
        let r = try SubBitCLI.run(["run", Self.spec.path, "--cache", cache.path, "--results", results.path,
                                   "--plots", plots.path, "--jobs", "\(jobs)", "--threads", "\(threads)"],
                                  in: Self.repository)
        guard r.status == 0 else {
            if r.stderr.contains("Fashion-MNIST") && r.stderr.contains("not found") { throw XCTSkip("skipped: Fashion-MNIST is not installed (Scripts/fetch-data.sh)") }
            XCTFail("subbit run failed (\(r.status)): \(r.stderr)")
            return ("", r.stdout)
        }
        let text = try String(contentsOf: results.appendingPathComponent("golden/runs.csv"), encoding: .utf8)
        // The kept .sbw files are where runs.csv says, and are what their names say.
        for path in try column("sbw_file", of: text) {
            let bytes = try Data(contentsOf: cache.appendingPathComponent(path))
            XCTAssertFalse(bytes.isEmpty, path)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: results.appendingPathComponent("golden/summary.csv").path))
        return (text, r.stdout)
    }

    private func column(_ name: String, of csv: String) throws -> [String] {
        let lines = csv.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let c = try XCTUnwrap(lines.first?.firstIndex(where: { $0 == name }), "no column \(name)")
        return lines.dropFirst().map { String($0[c]) }
    }

    /// The rows without `train_seconds`, a wall-clock time.
    private func comparable(_ csv: String) -> [String] {
        let lines = csv.split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false),
              let skip = header.firstIndex(of: "train_seconds") else { return lines }
        return lines.map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset != skip }.map { String($0.element) }.joined(separator: ",")
        }
    }

    func testColdRunMatchesTheGoldenFileAndDoesNotDependOnJobsOrThreads() throws {
        let folder = try temporaryFolder()
        let two = try coldRun(folder, jobs: 2, threads: 2)
        if ProcessInfo.processInfo.environment["SUBBIT_UPDATE_GOLDEN"] == "1" {
            try two.runs.write(to: Self.golden, atomically: true, encoding: .utf8)
            print("updated \(Self.golden.path)")
        }
        let expected = try String(contentsOf: Self.golden, encoding: .utf8)
        let goldenKernels = Set(try column("kernels", of: expected)), ourKernels = Set(try column("kernels", of: two.runs))
        if goldenKernels != ourKernels {
            throw XCTSkip("skipped: the golden file was made with kernel family \(goldenKernels.sorted()), this machine has \(ourKernels.sorted()); results may differ in the last bits across families")
        }
        XCTAssertEqual(comparable(two.runs), comparable(expected),
                       "a cold run no longer reproduces Tests/Fixtures/golden-runs.csv: results changed. If on purpose, regenerate it (SUBBIT_UPDATE_GOLDEN=1) and the committed results.")
        // One trainer at a time on one thread: the same bits.
        let one = try coldRun(folder, jobs: 1, threads: 1)
        XCTAssertEqual(comparable(one.runs), comparable(two.runs))
        XCTAssertTrue(two.stdout.contains("means over seeds ± 95 % CI"), two.stdout)
    }
}
