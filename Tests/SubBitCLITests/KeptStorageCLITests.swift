import Foundation
import ModelIO
import Quantization
import TestSupport
import XCTest

/// `subbit compress --float-dtype q8 --drop-training-state` → `decompress`: 8-bit kept tensors
/// come back as F32 within half a step, running variances positive, the counter gone; mistakes
/// get one message and leave no file.
final class KeptStorageCLITests: XCTestCase {
    private func writeModel(to url: URL, bias: [Float]? = nil) throws -> SafeTensorsFile {
        var random = SplitMix64(seed: 3)
        var file = SafeTensorsFile(metadata: ["format": "pt"])
        file.tensors["conv1.weight"] = try TensorData(floats: random.weights(count: 8 * 27), shape: [8, 3, 3, 3])
        file.tensors["bn1.weight"] = try TensorData(floats: (0..<8).map { _ in 1 + Float(random.normal()) * 0.2 }, shape: [8])
        file.tensors["bn1.bias"] = try TensorData(floats: bias ?? (0..<8).map { _ in Float(random.normal()) * 0.2 }, shape: [8])
        file.tensors["bn1.running_mean"] = try TensorData(floats: (0..<8).map { _ in Float(random.normal()) }, shape: [8])
        file.tensors["bn1.running_var"] = try TensorData(floats: (0..<8).map { i in i == 0 ? 1e-8 : 0.5 + Float(abs(random.normal())) }, shape: [8])
        file.tensors["bn1.num_batches_tracked"] = try TensorData(integers: [938], shape: [], dtype: .i64)
        file.tensors["fc.weight"] = try TensorData(floats: random.weights(count: 10 * 200), shape: [10, 200])
        file.tensors["fc.bias"] = try TensorData(floats: (0..<10).map { _ in Float(random.normal()) * 0.1 }, shape: [10])
        try file.write(to: url)
        return file
    }

    func testQ8AndDropRoundTrip() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("m.safetensors")
        let original = try writeModel(to: modelURL)
        let plain = dir.appendingPathComponent("plain.sbw"), small = dir.appendingPathComponent("small.sbw")
        let out = dir.appendingPathComponent("out.safetensors")
        XCTAssertEqual(try SubBitCLI.run(["compress", modelURL.path, "-o", plain.path, "--bins", "7", "--float-dtype", "f16"]).status, 0)
        let c = try SubBitCLI.run(["compress", modelURL.path, "-o", small.path, "--bins", "7", "--float-dtype", "q8", "--drop-training-state"])
        XCTAssertEqual(c.status, 0, c.stderr)
        let plainSize = try Data(contentsOf: plain).count, smallSize = try Data(contentsOf: small).count
        XCTAssertLessThan(smallSize, plainSize, "q8 + drop is smaller than f16")
        let d = try SubBitCLI.run(["decompress", small.path, "-o", out.path])
        XCTAssertEqual(d.status, 0, d.stderr)
        let restored = try SafeTensorsFile(contentsOf: out)
        XCTAssertEqual(Set(restored.tensors.keys), Set(original.tensors.keys).subtracting(["bn1.num_batches_tracked"]))
        for name in ["bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "fc.bias"] {
            let got = try restored.tensor(name)
            XCTAssertEqual(got.dtype, .f32, name)
            let values = try original.tensors[name]!.floats(), back = try got.floats()
            let step = (values.max()! - values.min()!) / 255
            for (v, b) in zip(values, back) { XCTAssertLessThanOrEqual(abs(v - b), step / 2 + 4 * max(abs(v), abs(b)).ulp, name) }
        }
        XCTAssertTrue(try restored.tensor("bn1.running_var").floats().allSatisfy { $0 > 0 })
        let inspect = try SubBitCLI.run(["inspect", small.path])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("8-bit affine"), inspect.stdout)
    }

    /// `--compact-names` writes a version 2 file that decompresses to the same bytes, smaller by
    /// what the names share; `inspect` counts the names as stored.
    func testCompactNamesDecompressToTheSameModel() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("m.safetensors")
        _ = try writeModel(to: modelURL)
        var sizes = [Int](), outputs = [Data](), nameLines = [String]()
        for (i, extra) in [[], ["--compact-names"]].enumerated() {
            let sbw = dir.appendingPathComponent("\(i).sbw"), out = dir.appendingPathComponent("\(i).safetensors")
            let c = try SubBitCLI.run(["compress", modelURL.path, "-o", sbw.path, "--bins", "7"] + extra)
            XCTAssertEqual(c.status, 0, c.stderr)
            XCTAssertEqual(try SubBitCLI.run(["decompress", sbw.path, "-o", out.path]).status, 0)
            let bytes = try Data(contentsOf: sbw)
            XCTAssertEqual(bytes[4], UInt8(1 + i), "version")
            sizes.append(bytes.count)
            outputs.append(try Data(contentsOf: out))
            let inspect = try SubBitCLI.run(["inspect", sbw.path])
            XCTAssertEqual(inspect.status, 0, inspect.stderr)
            nameLines += inspect.stdout.split(separator: "\n").filter { $0.contains("tensor names") }.map(String.init)
        }
        XCTAssertEqual(outputs[0], outputs[1])
        // Records conv1.weight, fc.weight, bn1.bias, bn1.running_mean, bn1.running_var, bn1.weight,
        // fc.bias share 0, 0, 0, 4, 12, 4, 0 bytes with the name before; each costs one byte of count.
        XCTAssertEqual(sizes[0] - sizes[1], 20 - 7, "\(sizes)")
        XCTAssertEqual(nameLines.count, 2, "\(nameLines)")
        XCTAssertFalse(nameLines[0].contains("front-coded"), nameLines[0])
        XCTAssertTrue(nameLines[1].contains("tensor names (front-coded)"), nameLines[1])
    }

    /// `--layer-form smallest`: a file no larger, the same decompressed model, and `inspect`
    /// saying each tensor's form and why; with another codec, one message and no file.
    func testLayerFormSmallest() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("m.safetensors")
        _ = try writeModel(to: modelURL)
        var sizes = [Int](), outputs = [Data]()
        for (i, form) in ["configured", "smallest"].enumerated() {
            let sbw = dir.appendingPathComponent("\(i).sbw"), out = dir.appendingPathComponent("\(i).safetensors")
            let c = try SubBitCLI.run(["compress", modelURL.path, "-o", sbw.path, "--bins", "15", "--table-log", "11",
                                       "--layer-form", form])
            XCTAssertEqual(c.status, 0, c.stderr)
            XCTAssertEqual(try SubBitCLI.run(["decompress", sbw.path, "-o", out.path]).status, 0)
            sizes.append(try Data(contentsOf: sbw).count)
            outputs.append(try Data(contentsOf: out))
            let inspect = try SubBitCLI.run(["inspect", sbw.path])
            XCTAssertEqual(inspect.status, 0, inspect.stderr)
            // conv1 (216 weights) takes a smaller table than fc (2 000 weights) at R = 11.
            XCTAssertEqual(inspect.stdout.contains("stored forms"), form == "smallest", inspect.stdout)
            if form == "smallest" {
                let line = inspect.stdout.split(separator: "\n").first { $0.contains("conv1.weight") && $0.contains(" b ") }
                XCTAssertNotNil(line, inspect.stdout)
                XCTAssertTrue(line.map { $0.contains("< tANS R=") } ?? false, "\(line ?? "")")
            }
        }
        XCTAssertEqual(outputs[0], outputs[1], "the same symbols, only coded differently")
        XCTAssertLessThan(sizes[1], sizes[0])
        let bad = dir.appendingPathComponent("bad.sbw")
        let r = try SubBitCLI.run(["compress", modelURL.path, "-o", bad.path, "--codec", "huffman", "--layer-form", "smallest"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--codec tans"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: bad.path))
    }

    func testMistakesGetOneMessageAndNoFile() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("m.safetensors")
        _ = try writeModel(to: modelURL)
        let nanURL = dir.appendingPathComponent("nan.safetensors")
        _ = try writeModel(to: nanURL, bias: [0, 1, 2, .nan, 4, 5, 6, 7])
        let sbw = dir.appendingPathComponent("x.sbw")
        for (args, needle) in [(["compress", modelURL.path, "-o", sbw.path, "--float-dtype", "q4"], "--float-dtype"),
                               (["compress", nanURL.path, "-o", sbw.path, "--float-dtype", "q8"], "bn1.bias"),
                               (["compress", modelURL.path, "-o", sbw.path, "--drop-training-state", "yes"], "yes")] {
            let r = try SubBitCLI.run(args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains(needle), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.components(separatedBy: "Error:").count - 1, 1, "one message: \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: sbw.path), "\(args) left a file")
        }
    }
}
