import Foundation
import ModelIO
import Quantization
import TestSupport
import XCTest

final class CompressCommandTests: XCTestCase {
    /// A small model shaped like a CNN checkpoint (conv, depthwise conv, BN, linear, counter).
    private func writeToyModel(to url: URL) throws -> SafeTensorsFile {
        var state: UInt64 = 0x1234_5678
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u = Float(state >> 40) / Float(1 << 24)            // uniform [0, 1)
            return (u - 0.5) * (u - 0.5) * (u < 0.5 ? -1 : 1) * 4  // peaked at 0, like weights
        }
        var file = SafeTensorsFile(metadata: ["format": "pt"])
        file.tensors["features.0.0.weight"] = try TensorData(floats: (0..<432).map { _ in next() }, shape: [16, 3, 3, 3])
        file.tensors["features.0.1.weight"] = try TensorData(floats: (0..<16).map { _ in 1 + next() }, shape: [16])
        file.tensors["features.0.1.bias"] = try TensorData(floats: (0..<16).map { _ in next() }, shape: [16])
        file.tensors["features.0.1.running_var"] = try TensorData(floats: (0..<16).map { _ in abs(next()) }, shape: [16])
        file.tensors["features.0.1.num_batches_tracked"] = try TensorData(integers: [7], shape: [])
        file.tensors["features.1.conv.0.0.weight"] = try TensorData(floats: (0..<144).map { _ in next() }, shape: [16, 1, 3, 3])
        file.tensors["classifier.1.weight"] = try TensorData(floats: (0..<5000).map { _ in next() * 0.1 }, shape: [10, 500])
        file.tensors["classifier.1.bias"] = try TensorData(floats: (0..<10).map { _ in next() }, shape: [10], dtype: .bf16)
        try file.write(to: url)
        return file
    }

    /// `decompress` returns exactly the dequantized weights and the untouched kept tensors,
    /// for every codec and calibration.
    func testCompressDecompressIsBitExact() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("toy.safetensors")
        let original = try writeToyModel(to: modelURL)
        let cases: [([String], Calibration)] = [
            (["--bins", "7"], .fixed(try LayerBins(bins: 7), .mse)),
            (["--bins", "255", "--calibration", "max-abs", "--codec", "huffman"], .fixed(try LayerBins(bins: 255), .maxAbs)),
            (["--bins", "3", "--codec", "fixed", "--layer-bins", "features.0.*=15"],
             .fixed(try LayerBins(bins: 3, overrides: [("features.0.*", 15)]), .mse)),
            (["--bins", "15", "--codec", "rans", "--lanes", "4"], .fixed(try LayerBins(bins: 15), .mse)),
            (["--rate-weight", "1e-4", "--lanes", "8", "--table-log", "9"],
             .rateDistortion(try RateDistortionCalibration(rateWeight: 1e-4, rate: try CodecOptions(tableLog: 9, lanes: 8).rateModel))),
        ]
        for (i, (args, calibration)) in cases.enumerated() {
            let sbw = dir.appendingPathComponent("m\(i).sbw"), out = dir.appendingPathComponent("m\(i).safetensors")
            let c = try SubBitCLI.run(["compress", modelURL.path, "-o", sbw.path] + args)
            XCTAssertEqual(c.status, 0, c.stderr)
            XCTAssertTrue(c.stdout.contains("bits per quantized weight"), c.stdout)
            let d = try SubBitCLI.run(["decompress", sbw.path, "-o", out.path])
            XCTAssertEqual(d.status, 0, d.stderr)
            let restored = try SafeTensorsFile(contentsOf: out)
            let expected = try ModelQuantizer(calibration: calibration).quantize(original)
            XCTAssertEqual(Set(restored.tensors.keys), Set(original.tensors.keys), "\(args)")
            for name in original.names {
                XCTAssertEqual(restored.tensors[name]!.shape, original.tensors[name]!.shape, name)
            }
            for t in expected.quantized {
                let got = try restored.tensor(t.name)
                XCTAssertEqual(got.dtype, .f32)
                XCTAssertEqual(try got.floats().map(\.bitPattern), t.dequantized().map(\.bitPattern), "\(args) \(t.name)")
            }
            for k in expected.kept {
                XCTAssertEqual(restored.tensors[k.name], original.tensors[k.name], "\(args) \(k.name) untouched")
            }
        }
    }

    func testReportCSVAndFloat16Storage() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("toy.safetensors")
        _ = try writeToyModel(to: modelURL)
        let sbw = dir.appendingPathComponent("m.sbw"), csv = dir.appendingPathComponent("layers.csv")
        let r = try SubBitCLI.run(["compress", modelURL.path, "-o", sbw.path, "--bins", "5", "--float-dtype", "f16",
                                   "--keep-float", "classifier.*", "--report", csv.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        // Header, two quantized conv layers, six kept tensors (classifier kept in f16 by pattern).
        XCTAssertEqual(rows.count, 1 + 2 + 6)
        XCTAssertTrue(rows[0].hasPrefix("point,tensor,role,dtype,shape,params,bins"))
        XCTAssertEqual(rows.filter { $0.contains(",quantized,") }.count, 2)
        XCTAssertTrue(rows.contains { $0.contains(",classifier.1.weight,kept,F16,10x500,5000,") }, "\(rows)")
        // The point label ("mse, 5 bins") holds a comma: Python's csv module must see one field per column.
        XCTAssertTrue(rows[1].hasPrefix("\"mse, 5 bins\","), String(rows[1]))
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", """
            import csv, sys
            rows = list(csv.reader(open(sys.argv[1], newline="")))
            assert all(len(r) == len(rows[0]) for r in rows), [len(r) for r in rows]
            assert rows[1][0] == "mse, 5 bins", rows[1][0]
            """, csv.path]
        try python.run()
        python.waitUntilExit()
        XCTAssertEqual(python.terminationStatus, 0, "Python's csv module rejects the report")
        let out = dir.appendingPathComponent("m.safetensors")
        XCTAssertEqual(try SubBitCLI.run(["decompress", sbw.path, "-o", out.path]).status, 0)
        let restored = try SafeTensorsFile(contentsOf: out)
        XCTAssertEqual(restored.tensors["classifier.1.weight"]?.dtype, .f16)
        XCTAssertEqual(restored.tensors["features.0.1.num_batches_tracked"]?.dtype, .i64)
    }

    func testClearErrorsAndNoPartialOutput() throws {
        let dir = try temporaryFolder()
        let modelURL = dir.appendingPathComponent("toy.safetensors")
        _ = try writeToyModel(to: modelURL)
        let sbw = dir.appendingPathComponent("x.sbw")
        let failures: [([String], String)] = [
            (["compress", dir.appendingPathComponent("missing.safetensors").path, "-o", sbw.path], "no such file"),
            (["compress", modelURL.path, "-o", sbw.path, "--bins", "4"], "odd number"),
            (["compress", modelURL.path, "-o", sbw.path, "--bins", "5", "--rate-weight", "1"], "do not apply"),
            (["compress", modelURL.path, "-o", sbw.path, "--calibration", "rd"], "--rate-weight"),
            (["compress", modelURL.path, "-o", sbw.path, "--codec", "zip"], "--codec"),
            (["compress", modelURL.path, "-o", sbw.path, "--table-log", "40"], "table log"),
            (["compress", modelURL.path, "-o", sbw.path, "--layer-bins", "nothing.*=3"], "matches no quantized tensor"),
            (["compress", modelURL.path, "-o", dir.appendingPathComponent("no/such/dir/x.sbw").path], "does not exist"),
        ]
        for (args, needle) in failures {
            let r = try SubBitCLI.run(args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains(needle), "\(args): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: sbw.path), "\(args) left a file")
        }
        // A corrupt .sbw (and a safetensors file given as .sbw) is refused; no output appears.
        XCTAssertEqual(try SubBitCLI.run(["compress", modelURL.path, "-o", sbw.path, "--bins", "7"]).status, 0)
        var bytes = try [UInt8](Data(contentsOf: sbw))
        bytes[bytes.count / 2] ^= 0x40
        let bad = dir.appendingPathComponent("bad.sbw"), out = dir.appendingPathComponent("out.safetensors")
        try Data(bytes).write(to: bad)
        for input in [bad, modelURL] {
            let r = try SubBitCLI.run(["decompress", input.path, "-o", out.path])
            XCTAssertNotEqual(r.status, 0)
            XCTAssertFalse(r.stderr.isEmpty)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        }
    }
}
