import Foundation
import ModelIO
import TestSupport
import XCTest

/// Runs the built `subbit` executable and captures its output, for end-to-end CLI tests.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum SubBitCLI {
    /// The products directory of this test bundle, where `subbit` sits beside it.
    static var executableURL: URL {
        var dir = Bundle(for: BundleMarker.self).bundleURL
        if dir.pathExtension == "xctest" { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("subbit")
    }

    /// Runs `subbit args…` in `directory` (default: a fresh temporary folder).
    @discardableResult
    static func run(_ args: [String], in directory: URL? = nil, stdin: Data? = nil,
                    environment: [String: String]? = nil) throws -> CLIResult {
        let process = Process()
        process.executableURL = executableURL
        process.arguments = args
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
        // Capture into files, not pipes: a chatty child can never block on a full pipe.
        let scratch = FileManager.default.temporaryDirectory
        let outURL = scratch.appendingPathComponent("subbit-out-\(UUID().uuidString)")
        let errURL = scratch.appendingPathComponent("subbit-err-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
              FileManager.default.createFile(atPath: errURL.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: scratch.path])
        }
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        process.standardOutput = outHandle
        process.standardError = errHandle
        if let stdin {
            let input = Pipe()
            process.standardInput = input
            try process.run()
            try input.fileHandleForWriting.write(contentsOf: stdin)
            try input.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        let outData = try Data(contentsOf: outURL)
        let errData = try Data(contentsOf: errURL)
        return CLIResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }
}

private final class BundleMarker {}

final class CLIBasicsTests: XCTestCase {
    func testHelpListsCommandsAndExitsZero() throws {
        let result = try SubBitCLI.run(["--help"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stdout.contains("USAGE: subbit"), result.stdout)
    }

    func testUnknownSubcommandFails() throws {
        let result = try SubBitCLI.run(["no-such-command"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertFalse(result.stderr.isEmpty)
    }
}

extension SubBitCLI {
    /// Writes a small seeded checkpoint to `url` and returns it: a 32×3×3×3 convolution, its
    /// bias, and a 12×500 linear layer (one tenth the scale) — weights peaked at zero like a
    /// trained model's, so every calibration and rate-weighted mode has something to trade.
    static func writeSmallCheckpoint(to url: URL, seed: UInt64) throws -> SafeTensorsFile {
        var rng = SplitMix64(seed: seed)
        func peaked() -> Float {
            let u = Float(rng.nextUnit())
            return (u - 0.5) * (u - 0.5) * (u < 0.5 ? -1 : 1) * 4
        }
        var file = SafeTensorsFile(metadata: ["format": "pt"])
        file.tensors["features.0.0.weight"] = try TensorData(floats: (0..<864).map { _ in peaked() }, shape: [32, 3, 3, 3])
        file.tensors["features.0.1.bias"] = try TensorData(floats: (0..<32).map { _ in peaked() }, shape: [32])
        file.tensors["classifier.1.weight"] = try TensorData(floats: (0..<6000).map { _ in peaked() * 0.1 }, shape: [12, 500])
        try file.write(to: url)
        return file
    }
}

extension SubBitCLI {
    /// Runs `subbit compress MODEL -o OUTPUT ARGS` for each case and checks what every refused
    /// flag combination must give: a non-zero exit, a message on stderr containing `needle`,
    /// and no output file.
    static func assertCompressRefuses(_ cases: [(args: [String], needle: String)], model: URL, output: URL,
                                      file: StaticString = #filePath, line: UInt = #line) throws {
        for (args, needle) in cases {
            let r = try run(["compress", model.path, "-o", output.path] + args)
            XCTAssertNotEqual(r.status, 0, "\(args)", file: file, line: line)
            XCTAssertTrue(r.stderr.contains(needle), "\(args): \(r.stderr)", file: file, line: line)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "\(args) left a file", file: file, line: line)
        }
    }

    /// `subbit compress MODEL ARGS` then `subbit decompress` into `folder` (files named by `tag`),
    /// both asserted to succeed; the decompressed model, for a bit-for-bit comparison with the
    /// library's reconstruction.
    static func compressAndDecompress(_ model: URL, _ args: [String], in folder: URL, tag: String,
                                      file: StaticString = #filePath, line: UInt = #line) throws -> SafeTensorsFile {
        let sbw = folder.appendingPathComponent("\(tag).sbw"), out = folder.appendingPathComponent("\(tag).safetensors")
        let c = try run(["compress", model.path, "-o", sbw.path] + args)
        XCTAssertEqual(c.status, 0, c.stderr, file: file, line: line)
        let d = try run(["decompress", sbw.path, "-o", out.path])
        XCTAssertEqual(d.status, 0, d.stderr, file: file, line: line)
        return try SafeTensorsFile(contentsOf: out)
    }
}
