import Foundation
import TestSupport
import XCTest

/// End-to-end tests of `subbit rtl`.
final class RTLCommandTests: XCTestCase {
    /// The LeNet-5 model `Scripts/test.sh` compresses into `$SUBBIT_DATA/compressed` (trained on
    /// Fashion-MNIST), or, where Fashion-MNIST is not installed, the same network trained on MNIST
    /// and compressed the same way (`lenet5_mnist_rd1e-4.sbw`; same layer names and sizes).
    private func lenet() throws -> URL {
        let data = ProcessInfo.processInfo.environment["SUBBIT_DATA"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".data")
        let candidates = ["lenet5_fmnist_rd1e-4.sbw", "lenet5_mnist_rd1e-4.sbw"]
            .map { data.appendingPathComponent("compressed/" + $0) }
        guard let url = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw XCTSkip("skipped: \(candidates[0].path) is missing; Scripts/test.sh makes it")
        }
        return url
    }

    private func requireIcarus() throws {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let found = path.split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/iverilog")
        }
        if !found { throw XCTSkip("skipped: iverilog is not installed (Debian package iverilog)") }
    }

    func testRealLeNetLayersSimulateBitExactlyAndPrintTheCycleTable() throws {
        let model = try lenet()
        try requireIcarus()
        let dir = try temporaryFolder()
        let out = dir.appendingPathComponent("rtl")
        let csv = dir.appendingPathComponent("cycles.csv")
        let result = try SubBitCLI.run(["rtl", model.path, "-o", out.path, "--lanes", "4", "--table-log", "8",
                                        "--layers", "conv1.weight,fc3.weight", "--simulate", "--csv", csv.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("| conv1.weight | 150 |"), result.stdout)
        XCTAssertTrue(result.stdout.contains("| fc3.weight | 840 |"), result.stdout)
        let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 3)
        // RTL and simulator decode-phase cycles agree (columns 10 and 11).
        for row in rows.dropFirst() {
            let f = row.split(separator: ",")
            XCTAssertEqual(f[9], f[10], String(row))
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("P4-R8-W32-split-replicated/rtl").path)
        XCTAssertTrue(files.contains("sb_decoder.v") && files.contains("blocks.txt"), "\(files)")
    }

    func testUserMistakesGiveOneMessageAndNoOutput() throws {
        let model = try lenet()
        let dir = try temporaryFolder()
        let out = dir.appendingPathComponent("rtl")
        let cases: [([String], String)] = [
            (["--layout", "diagonal"], "--layout"),
            (["--lanes", "x"], "--lanes"),
            (["--table-log", "3"], "table log R = 3"),
            (["--port-bits", "128"], "128-bit port"),
            (["--layers", "nope.weight"], "nope.weight"),
            (["--csv", "c.csv"], "--csv needs --simulate"),
        ]
        for (options, message) in cases {
            let result = try SubBitCLI.run(["rtl", model.path, "-o", out.path] + options)
            XCTAssertNotEqual(result.status, 0, "\(options)")
            XCTAssertTrue(result.stderr.contains(message), "\(options): \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(options) left output behind")
        }
        let missing = try SubBitCLI.run(["rtl", dir.appendingPathComponent("none.sbw").path, "-o", out.path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("none.sbw"), missing.stderr)
    }

    func testMissingSimulatorNamesThePackage() throws {
        let model = try lenet()
        let dir = try temporaryFolder()
        let result = try SubBitCLI.run(["rtl", model.path, "-o", dir.appendingPathComponent("rtl").path, "--simulate"],
                                       environment: ["PATH": dir.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("install the Debian package iverilog"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
    }
}
