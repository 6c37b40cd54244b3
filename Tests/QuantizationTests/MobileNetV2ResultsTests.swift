import Foundation
import ModelIO
import XCTest
@testable import Quantization

/// Checks the committed Results/mobilenetv2 compression tables: their invariants always, and —
/// when the MobileNetV2 weights are in the data cache — that recomputing every operating point
/// reproduces the committed CSV files exactly.
final class MobileNetV2ResultsTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let results = repository.appendingPathComponent("Results/mobilenetv2")

    struct Row {
        var fields: [String: String]
        func double(_ key: String) throws -> Double {
            try XCTUnwrap(fields[key].flatMap(Double.init), "column \(key)")
        }
    }

    func readSummary() throws -> (text: String, rows: [Row]) {
        let text = try String(contentsOf: Self.results.appendingPathComponent("compression.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, CompressionSweep.summaryCSVHeader)
        let keys = lines[0].split(separator: ",").map(String.init)
        let rows = lines.dropFirst().map { line in
            Row(fields: Dictionary(uniqueKeysWithValues: zip(keys, line.split(separator: ",").map(String.init))))
        }
        return (text, rows)
    }

    func testCommittedTableInvariants() throws {
        let (_, rows) = try readSummary()
        XCTAssertGreaterThanOrEqual(rows.count, 4, "at least four operating points")
        let labels = rows.compactMap { $0.fields["point"] }
        for n in [3, 7, 15, 255] { XCTAssertTrue(labels.contains("bins=\(n)"), "fixed \(n)-bin policy present") }
        XCTAssertTrue(labels.contains { $0.hasPrefix("mu=") }, "a rate–distortion point present")
        var belowOneBit = false
        for row in rows {
            let point = row.fields["point"] ?? "?"
            let tans = try row.double("tans_bits_per_quantized_weight")
            XCTAssertLessThan(tans, try row.double("huffman_bits_per_quantized_weight"), "\(point): tANS < Huffman")
            XCTAssertLessThan(tans, try row.double("fixed_bits_per_quantized_weight"), "\(point): tANS < fixed-width")
            XCTAssertGreaterThanOrEqual(tans, try row.double("entropy_bits_per_quantized_weight") - 1e-9, "\(point): tANS ≥ entropy")
            // Every element of the state dict: 3,504,872 learnable parameters + 34,112 batch-norm
            // running statistics + 52 num_batches_tracked counters.
            XCTAssertEqual(try row.double("params"), 3_539_036, "MobileNetV2 state-dict element count")
            XCTAssertEqual(try row.double("params_quantized") + row.double("params_kept"), try row.double("params"))
            XCTAssertLessThan(try row.double("file_bits_per_param"), 32)
            if tans < 1 { belowOneBit = true }
        }
        XCTAssertTrue(belowOneBit, "some point codes under 1 bit per quantized weight")
        XCTAssertTrue(try rows.contains { try $0.double("sub_bit_layers") > 0 },
                      "some layer is coded under 1 bit by tANS where Huffman needs ≥ 1")
        let md = try String(contentsOf: Self.results.appendingPathComponent("compression.md"), encoding: .utf8)
        for label in labels { XCTAssertTrue(md.contains("## \(label)\n"), "compression.md has the \(label) table") }
    }

    /// Recomputes two committed operating points — the 3-bin policy and the lowest-rate μ point
    /// under 1 bit — from the weights and checks their rows match the committed CSV files
    /// exactly (skipped without the weights; `subbit compress-sweep` regenerates all points).
    func testRegenerationReproducesCommittedRows() throws {
        let data = ProcessInfo.processInfo.environment["SUBBIT_DATA"].map { URL(fileURLWithPath: $0) }
            ?? Self.repository.appendingPathComponent(".data")
        let weights = data.appendingPathComponent("models/mobilenet_v2.safetensors")
        guard FileManager.default.fileExists(atPath: weights.path) else {
            throw XCTSkip("MobileNetV2 weights not in the data cache (\(weights.path)); run Scripts/fetch-data.sh")
        }
        let (text, rows) = try readSummary()
        let first = try XCTUnwrap(rows.first)
        let subBit = try XCTUnwrap(rows.last { ($0.fields["point"] ?? "").hasPrefix("mu=")
            && (try? $0.double("tans_bits_per_quantized_weight")).map { $0 > 0.3 && $0 < 1 } == true })
        let chosen = try [XCTUnwrap(rows.first { $0.fields["point"] == "bins=3" }), subBit]
        let points = try chosen.map { try OperatingPoint(parsing: $0.fields["point"] ?? "") }
        let codec = try CodecOptions(codec: .tans, tableLog: Int(first.double("table_log")), lanes: Int(first.double("lanes")))
        let storage = try XCTUnwrap(TensorPolicy.FloatStorage(rawValue: first.fields["float_dtype"] ?? ""))
        let sweep = CompressionSweep(points: points, policy: TensorPolicy(floatStorage: storage), codec: codec)
        let reports = try sweep.run(SafeTensorsFile(contentsOf: weights))
        let committed = Set(text.split(separator: "\n").map(String.init))
        for line in sweep.summaryCSV(reports).split(separator: "\n").map(String.init) {
            XCTAssertTrue(committed.contains(line), "Results/mobilenetv2/compression.csv is stale (regenerate with subbit compress-sweep): \(line)")
        }
        let layers = try String(contentsOf: Self.results.appendingPathComponent("compression_layers.csv"), encoding: .utf8)
        let committedLayers = Set(layers.split(separator: "\n").map(String.init))
        for line in sweep.layersCSV(reports).split(separator: "\n").map(String.init) {
            XCTAssertTrue(committedLayers.contains(line), "compression_layers.csv is stale: \(line)")
        }
    }
}
