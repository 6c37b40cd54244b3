import Foundation
import Plotting
import TestSupport
import XCTest

/// End-to-end: `subbit plot` on results CSVs made by `SyntheticResults`.
final class PlotCLITests: XCTestCase {
    /// `<tmp>/Results/quick/{runs,layers}.csv`; returns the temporary folder.
    func makeWorkspace(editRuns: (inout CSVTable) -> Void = { _ in }) throws -> URL {
        let root = try temporaryFolder()
        let results = root.appendingPathComponent("Results/quick")
        try FileManager.default.createDirectory(at: results, withIntermediateDirectories: true)
        var (runs, layers) = SyntheticResults().tables()
        editRuns(&runs)
        try runs.write(to: results.appendingPathComponent("runs.csv"))
        try layers.write(to: results.appendingPathComponent("layers.csv"))
        return root
    }

    func testPlotsIntoPlotsSlashExperimentByDefault() throws {
        let root = try makeWorkspace()
        let result = try SubBitCLI.run(["plot", "Results/quick/", "--format", "svg"], in: root)
        XCTAssertEqual(result.status, 0, result.stderr)
        let plots = root.appendingPathComponent("Plots/quick")
        for kind in PlotKind.allCases {
            for ext in ["dat", "gp", "svg"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: plots.appendingPathComponent("\(kind.rawValue).\(ext)").path),
                              "\(kind.rawValue).\(ext)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: plots.appendingPathComponent("\(kind.rawValue).png").path))
            XCTAssertTrue(result.stdout.contains("\(kind.rawValue).svg"), result.stdout)
        }
    }

    func testOnlyAndOutputOptions() throws {
        let root = try makeWorkspace()
        let result = try SubBitCLI.run(
            ["plot", "Results/quick", "--only", "frontier,lambda", "--format", "png", "-o", "out/figs"], in: root)
        XCTAssertEqual(result.status, 0, result.stderr)
        let names = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("out/figs").path).sorted()
        XCTAssertEqual(names, ["frontier.dat", "frontier.gp", "frontier.png", "lambda.dat", "lambda.gp", "lambda.png"])
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 2, result.stdout)
    }

    func testUnknownPlotListsValidNames() throws {
        let root = try makeWorkspace()
        let result = try SubBitCLI.run(["plot", "Results/quick", "--only", "frontier,histogram"], in: root)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("unknown plot 'histogram'"), result.stderr)
        for kind in PlotKind.allCases { XCTAssertTrue(result.stderr.contains(kind.rawValue), result.stderr) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("Plots").path))
    }

    func testMissingGnuplotNamesAptAndSetupScript() throws {
        let root = try makeWorkspace()
        let result = try SubBitCLI.run(["plot", "Results/quick", "--gnuplot", "/nonexistent/gnuplot"], in: root)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("apt-get install gnuplot-nox"), result.stderr)
        XCTAssertTrue(result.stderr.contains("Scripts/setup.sh"), result.stderr)
        // Said once, not repeated by a second error layer.
        XCTAssertEqual(result.stderr.components(separatedBy: "gnuplot-nox").count, 2, result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("Plots").path))
    }

    func testMissingColumnNamesColumnAndFile() throws {
        let root = try makeWorkspace { runs in
            let c = runs.header.firstIndex(of: "lambda")!
            runs.header.remove(at: c)
            for r in runs.rows.indices { runs.rows[r].remove(at: c) }
        }
        let result = try SubBitCLI.run(["plot", "Results/quick", "--only", "lambda"], in: root)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("column 'lambda' is missing from"), result.stderr)
        XCTAssertTrue(result.stderr.contains("Results/quick/runs.csv"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("Plots").path))
    }

    func testMissingResultsFolder() throws {
        let root = try temporaryFolder()
        let result = try SubBitCLI.run(["plot", "Results/nothing"], in: root)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("Results/nothing"), result.stderr)
    }
}
