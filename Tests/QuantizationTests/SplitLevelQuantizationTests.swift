import EntropyCoding
import ModelIO
import TestSupport
import XCTest
@testable import Quantization

/// More than 255 bins after training: nearest levels stored split (coded coarse symbols plus raw
/// fine bits), through the quantizer, the model codec and the report; the tools that stop at 255
/// refuse by name.
final class SplitLevelQuantizationTests: XCTestCase {
    private func model(seed: UInt64) throws -> SafeTensorsFile {
        var rng = SplitMix64(seed: seed)
        var file = SafeTensorsFile()
        file.tensors["conv.weight"] = try TensorData(floats: (0..<(16 * 3 * 3 * 3)).map { _ in Float(rng.normal() * 0.2) }, shape: [16, 3, 3, 3])
        file.tensors["fc.weight"] = try TensorData(floats: (0..<(10 * 300)).map { _ in Float(rng.normal() * 0.05) }, shape: [10, 300])
        file.tensors["fc.bias"] = try TensorData(floats: (0..<10).map { Float($0) / 10 }, shape: [10])
        return file
    }

    func testQuantizerIndicesMatchLevelsForEveryBinCount() throws {
        var rng = SplitMix64(seed: 0x1D1C)
        let weights = (0..<2000).map { _ in Float(rng.normal()) }
        for bins in [3, 255, 257, 1019, 4095] {
            let q = try ZeroPointQuantizer(bins: bins, step: 0.004)
            XCTAssertEqual(q.isSplit, bins > 255)
            let indices = q.indices(weights)
            XCTAssertEqual(indices.map { Int($0) - q.maxLevel }, weights.map(q.level(for:)))
            if !q.isSplit { XCTAssertEqual(indices.map { UInt8($0) }, q.quantize(weights)) }
            XCTAssertEqual(q.histogram(weights).reduce(0, +), weights.count)
        }
        XCTAssertThrowsError(try ZeroPointQuantizer(bins: 4097, step: 1))
        XCTAssertThrowsError(try ZeroPointQuantizer(bins: 1020, step: 1))
        XCTAssertThrowsError(try LayerBins(bins: 4097)) { error in
            XCTAssertTrue("\(error)".contains("up to 4095"), "\(error)")
        }
    }

    /// `--bins 1019`: every tensor split at 2 fine bits; written and read back bit-exact; the
    /// reconstruction is the nearest level; SQNR beats 255 bins by about 12 dB.
    func testFixedBinsAbove255RoundTripThroughTheModelCodec() throws {
        let file = try model(seed: 7)
        let codec = try CodecOptions(codec: .tans, tableLog: 11, lanes: 4)
        let wide = try CompressionPipeline(quantizer: ModelQuantizer(calibration: .fixed(try LayerBins(bins: 1019), .mse)),
                                           codec: codec).compress(file)
        let narrow = try CompressionPipeline(quantizer: ModelQuantizer(calibration: .fixed(try LayerBins(bins: 255), .mse)),
                                             codec: codec).compress(file)
        for t in wide.model.quantized {
            XCTAssertEqual(t.splitLevels?.fineBits, 2, t.name)
            XCTAssertEqual(t.codedAlphabetSize, 255)
            let weights = try file.tensor(t.name).floats()
            XCTAssertEqual(t.dequantized(), weights.map(t.quantizer.fakeQuantize), t.name)
        }
        let back = try SBWModelCodec.decode(wide.bytes)
        XCTAssertEqual(back, wide.model)
        XCTAssertGreaterThan(wide.report.totalDistortion.sqnrDecibels, narrow.report.totalDistortion.sqnrDecibels + 10)
        // The report's tANS size counts the fine bits; the entropy is the whole levels'.
        for l in wide.report.layers {
            XCTAssertGreaterThan(Double(l.tansBytes * 8) / Double(l.parameterCount), l.entropyBitsPerWeight - 0.05, l.name)
        }
        // A mixed policy: one layer split, one not.
        let mixed = try ModelQuantizer(calibration: .fixed(try LayerBins(bins: 15, overrides: [("fc.*", 509)]), .mse)).quantize(file)
        XCTAssertEqual(mixed.quantized.map { $0.splitLevels?.fineBits ?? 0 }, [0, 1])
        XCTAssertEqual(try SBWModelCodec.decode(try SBWModelCodec.encode(mixed, options: codec)), mixed)
    }

    /// Rate–distortion calibration above 255 bins: at a small μ a layer takes more than 255 bins,
    /// its rate is the coarse symbols' coded bits plus s per weight, and what compress writes
    /// has exactly those bits.
    func testRateDistortionCalibrationChoosesSplitLevelsWhenAllowed() throws {
        let file = try model(seed: 9)
        let codec = try CodecOptions(codec: .tans, tableLog: 11, lanes: 1)
        let weights = try file.tensor("fc.weight").floats()
        let narrow = try RateDistortionCalibration(rateWeight: 1e-9, rate: codec.rateModel).calibrate(weights: weights)
        XCTAssertEqual(narrow.quantizer.bins, 255)
        let rd = try RateDistortionCalibration(rateWeight: 1e-9, rate: codec.rateModel, maxBins: 1019)
        let wide = rd.calibrate(weights: weights)
        XCTAssertGreaterThan(wide.quantizer.bins, 255)
        XCTAssertGreaterThan(wide.distortion.sqnrDecibels, narrow.distortion.sqnrDecibels)
        let t = try QuantizedTensor(name: "fc.weight", shape: [10, 300], quantizer: wide.quantizer,
                                    indices: wide.quantizer.indices(weights))
        let coded = try codec.tans.encode(t.symbols, alphabetSize: t.codedAlphabetSize)
        XCTAssertEqual(wide.bits, Double(coded.totalBits + t.splitLevels!.bitCount))
        // A larger μ keeps byte symbols even when more bins are allowed — and the very same choice:
        // the finer steps extend the 255-bin grid below, at its spacing, without moving it.
        for mu in [1e-3, 1e-4, 1e-5] {
            let capped = try RateDistortionCalibration(rateWeight: mu, rate: codec.rateModel).calibrate(weights: weights)
            let open = try RateDistortionCalibration(rateWeight: mu, rate: codec.rateModel, maxBins: 1019).calibrate(weights: weights)
            XCTAssertLessThanOrEqual(open.quantizer.bins, 255, "μ \(mu)")
            XCTAssertEqual(open.quantizer, capped.quantizer, "μ \(mu)")
            XCTAssertEqual(open.cost, capped.cost, "μ \(mu)")
        }
        let model = try ModelQuantizer(calibration: .rateDistortion(rd)).quantize(file)
        XCTAssertEqual(try SBWModelCodec.decode(try SBWModelCodec.encode(model, options: codec)), model)
    }

    func testToolsThatStopAt255BinsRefuseByName() throws {
        let file = try model(seed: 8)
        let codec = try CodecOptions(codec: .tans, tableLog: 11, lanes: 1)
        let policy = Calibration.fixed(try LayerBins(bins: 509), .mse)
        let cases: [(ModelQuantizer, String)] = [
            (ModelQuantizer(calibration: policy, rdoq: try RDOQ(rateWeight: 0.01, codec: codec)), "RDOQ works on at most 255 bins"),
            (ModelQuantizer(calibration: policy, dependentQuantizer: try DependentQuantizer(rateWeight: 0.01, codec: codec)),
             "dependent quantization works on at most 255 bins"),
            (ModelQuantizer(calibration: policy, perChannel: true), "per-channel steps works on at most 255 bins"),
        ]
        for (quantizer, needle) in cases {
            XCTAssertThrowsError(try quantizer.quantize(file)) { error in
                XCTAssertTrue("\(error)".contains(needle), "\(error)")
            }
        }
        let q = try ZeroPointQuantizer(bins: 509, step: 0.01)
        XCTAssertThrowsError(try QuantizedTensor(name: "t", shape: [2], quantizer: q, symbols: [0, 1])) { error in
            XCTAssertTrue("\(error)".contains("need split levels"), "\(error)")
        }
    }
}
