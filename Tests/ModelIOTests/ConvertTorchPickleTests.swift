import Foundation
import TestSupport
import XCTest
@testable import ModelIO

/// Runs the converter's own self-test (synthetic legacy and zip checkpoints), then reads one
/// of its outputs here to prove the two sides agree.
final class ConvertTorchPickleTests: XCTestCase {
    private var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    private func python3() throws -> URL {
        for path in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(path)).appendingPathComponent("python3")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw XCTSkip("python3 is not installed; fix: apt-get install python3")
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try python3()
        process.arguments = [repository.appendingPathComponent("Scripts/convert_torch_pickle.py").path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    func testSelfTestPasses() throws {
        let result = try run(["--self-test"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("self-test passed"), result.output)
    }

    func testRefusesNonCheckpointWithCleanError() throws {
        let folder = try temporaryFolder()
        let source = folder.appendingPathComponent("not-a-checkpoint.pth")
        try Data("hello".utf8).write(to: source)
        let destination = folder.appendingPathComponent("out.safetensors")
        let result = try run([source.path, destination.path])
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.output.contains("error: \(source.path)"), result.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination.path))
    }
}
