import Foundation
import TestSupport
import XCTest
import EntropyCoding
import ModelIO

/// Issue 25 end to end: size bombs, `.npy` header attacks, writer/reader disagreements, names
/// with newlines and a full disk, each one clear line and exit ≠ 0, nothing half-written.
final class HostileInputCLITests: XCTestCase {
    /// A `.sbw` holding one constant-mode tANS tensor of `shape` (the 41-byte bomb of defect 1).
    static func constantSBW(shape: [Int], model: Bool) -> [UInt8] {
        var w = BitWriter()
        let count = shape.reduce(1, *)
        w.write(1, bitCount: 2); w.write(0, bitCount: 8); w.writeLengthPrefixed(count); w.write(0, bitCount: 8)
        w.padToByte()
        func varint(_ v: Int) -> [UInt8] { var v = UInt64(v), o: [UInt8] = []; while v >= 0x80 { o.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }; return o + [UInt8(v)] }
        func le(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
        func str(_ s: String) -> [UInt8] { varint(s.utf8.count) + Array(s.utf8) }
        var body = str("w") + varint(shape.count) + shape.flatMap(varint) + [0] + le(Float(0.1).bitPattern) + varint(1) + [0] + w.bytes
        body = varint(body.count) + body + le(CRC32C.checksum(body))
        var out = SBWFile.magic + [1, 0] + (model ? varint(1) + str("subbit.model") + str("quantized/1") : varint(0)) + varint(1) + body
        out += le(CRC32C.checksum(out))
        return out
    }

    func testSizeBombsAreRefusedFastWithTheFlagNamed() throws {
        let dir = try temporaryFolder()
        let bomb = dir.appendingPathComponent("bomb.sbw"), model = dir.appendingPathComponent("model.sbw")
        try Data(Self.constantSBW(shape: [65_536, 65_536], model: false)).write(to: bomb)
        try Data(Self.constantSBW(shape: [65_536, 65_536], model: true)).write(to: model)
        for args in [["decode", bomb.path, "-o", dir.appendingPathComponent("o.npy").path], ["inspect", bomb.path],
                     ["decompress", model.path, "-o", dir.appendingPathComponent("o.safetensors").path]] {
            let start = Date()
            let result = try SubBitCLI.run(args)
            XCTAssertNotEqual(result.status, 0, args.joined(separator: " "))
            XCTAssertTrue(result.stderr.contains("--max-decoded-bytes"), result.stderr)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertLessThan(Date().timeIntervalSince(start), 10)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["bomb.sbw", "model.sbw"])
        // A trusted big-but-reasonable file decodes once the limit is raised.
        let big = dir.appendingPathComponent("big.sbw")
        try Data(Self.constantSBW(shape: [40_000_000], model: false)).write(to: big)
        XCTAssertNotEqual(try SubBitCLI.run(["inspect", big.path]).status, 0)
        XCTAssertEqual(try SubBitCLI.run(["inspect", big.path, "--max-decoded-bytes", "200000000"]).status, 0)
    }

    /// Defect 7: the decoy header made `encode` read `<u2` data as one byte per symbol.
    func testEncodeRefusesNPYHeadersNumPyRejects() throws {
        let dir = try temporaryFolder()
        func npy(_ dict: String, _ data: [UInt8]) -> Data {
            var text = dict
            text += String(repeating: " ", count: (64 - (10 + text.utf8.count + 1) % 64) % 64) + "\n"
            let n = text.utf8.count
            return Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(text.utf8) + data)
        }
        let data = (0..<20).map { UInt8($0 % 2 == 0 ? 1 : 0) }
        for (name, dict) in [("decoy", "{'note': \"'descr': '|u1', 'shape': (20,)\", 'descr': '<u2', 'fortran_order': False, 'shape': (10,), }"),
                             ("b8", "{'descr': '<b8', 'fortran_order': False, 'shape': (20,), }"),
                             ("maybe", "{'descr': '|u1', 'fortran_order': Maybe, 'shape': (20,), }")] {
            let input = dir.appendingPathComponent("\(name).npy")
            try npy(dict, data).write(to: input)
            let result = try SubBitCLI.run(["encode", input.path, "--bins", "3", "-o", dir.appendingPathComponent("\(name).sbw").path])
            XCTAssertNotEqual(result.status, 0, name)
            XCTAssertTrue(result.stderr.contains(input.path), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("\(name).sbw").path))
        }
        let good = dir.appendingPathComponent("good.npy")
        try npy("{'descr': '<u2', 'fortran_order': False, 'shape': (10,), }", data).write(to: good)
        let result = try SubBitCLI.run(["encode", good.path, "--bins", "3", "-o", dir.appendingPathComponent("good.sbw").path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("10 symbols"), result.stdout)
    }

    /// Defect 6: compress refuses what decompress would refuse, so its output always decompresses.
    func testCompressRefusesBoolBytesAndReservedNames() throws {
        let dir = try temporaryFolder()
        for (name, tensors) in [("bool", ["fc.weight": try TensorData(floats: (0..<16).map(Float.init), shape: [4, 4]),
                                          "mask": try TensorData(dtype: .bool, shape: [2], bytes: [1, 2])]),
                                ("f64", ["fc.weight": try TensorData(floats: (0..<16).map(Float.init), shape: [4, 4]),
                                         "fc.bias": try TensorData(floats: [1, 2], shape: [2], dtype: .f64)])] {
            let input = dir.appendingPathComponent("\(name).safetensors")
            try SafeTensorsFile(tensors: tensors).write(to: input)
            let output = dir.appendingPathComponent("\(name).sbw")
            let result = try SubBitCLI.run(["compress", input.path, "-o", output.path])
            XCTAssertNotEqual(result.status, 0, name)
            XCTAssertTrue(result.stderr.contains(name == "bool" ? "BOOL" : "F64"), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
        }
    }

    /// Defect 1 (writing): a full disk under `decode` is an error naming the output; no partial file.
    func testDecodeOntoAFullDiskNamesThePath() throws {
        let dir = try temporaryFolder()
        let mount = dir.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "mount -t tmpfs -o size=200k tmpfs '\(mount.path)' 2>/dev/null"]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw XCTSkip("skipped: cannot mount a tmpfs here (needs root and mount permission)") }
        defer {
            let unmount = Process()
            unmount.executableURL = URL(fileURLWithPath: "/bin/umount")
            unmount.arguments = [mount.path]
            try? unmount.run()
            unmount.waitUntilExit()
        }
        let input = dir.appendingPathComponent("ones.sbw")
        try Data(Self.constantSBW(shape: [1_000_000], model: false)).write(to: input)
        let output = mount.appendingPathComponent("symbols.bin")
        let result = try SubBitCLI.run(["decode", input.path, "-o", output.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains(output.path), result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: mount.path), [], "no partial or temporary file")
    }
}
