import EntropyCoding
import ModelIO
import TestSupport
import XCTest
@testable import Quantization

/// Per-channel steps (``PerChannelQuantizer``, ``ChannelSteps``): error within half the stored
/// step, codes that reconstruct bit for bit, a model that round-trips through `.sbw` kind 5.
final class PerChannelQuantizerTests: XCTestCase {
    /// Channels of very different scales (2^−6 … 2^1), so one step per tensor fits none of them.
    private func layer(channels: Int, per: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<channels).flatMap { c -> [Float] in
            let scale = Float(pow(2.0, Double(c % 8) - 6))
            return (0..<per).map { _ in Float(rng.normal()) * scale }
        }
    }

    func testStepsAreExactPowersOfTwoAndCodesRoundTrip() throws {
        for code in 0...255 {
            let step = ChannelSteps.step(base: 1, code: UInt8(code))
            XCTAssertEqual(step, Float(pow(2.0, Double(code) / 32)), "code \(code): the table is 2^(i/32) rounded once")
            XCTAssertEqual(ChannelSteps.code(for: ChannelSteps.step(base: 0.003, code: UInt8(code)), base: 0.003), UInt8(code))
        }
        let steps = try ChannelSteps(base: 0.01, codes: [0, 32, 64])
        XCTAssertEqual(steps.steps, [0.01, 0.02, 0.04])
        XCTAssertEqual(steps.storedBits, (1 + 3) * 8)
        XCTAssertThrowsError(try ChannelSteps(base: 0, codes: [0]))
        XCTAssertThrowsError(try ChannelSteps(base: .infinity, codes: [0]))
        XCTAssertThrowsError(try ChannelSteps(base: 1, codes: []))
        XCTAssertThrowsError(try ChannelSteps(base: Float.greatestFiniteMagnitude / 2, codes: [255]))
    }

    /// With a rate–distortion step, every channel keeps it unless its own MSE step is wider:
    /// narrow channels share the layer's step, wide ones (that N bins would clip) take theirs.
    func testRateDistortionStepIsKeptExceptWhereTheChannelNeedsAWiderOne() throws {
        let shape = [16, 45]
        let w = layer(channels: 16, per: 45, seed: 9)
        let mse = PerChannelQuantizer.targetSteps(w, channels: 16, bins: 15)
        let layerStep = mse.sorted()[8]   // between the channels' own steps
        let (steps, _) = PerChannelQuantizer.quantize(w, shape: shape, bins: 15, rateDistortionStep: layerStep)
        let tolerance = Float(pow(2.0, 1.0 / 64)) * 1.0001   // a code is within 2^(1/64) of its target
        for c in 0..<16 {
            let want = max(mse[c], layerStep)
            let got = steps.step(channel: c)
            XCTAssertLessThanOrEqual(got, want * tolerance, "channel \(c)")
            XCTAssertGreaterThanOrEqual(got, want / tolerance, "channel \(c)")
        }
        // Without it, the channels' MSE steps (the fixed-bin case).
        let (plain, _) = PerChannelQuantizer.quantize(w, shape: shape, bins: 15)
        XCTAssertLessThan(plain.step(channel: 0), layerStep / tolerance, "the finest channel keeps its own finer step")
    }

    func testErrorIsWithinHalfTheStoredStepInRange() throws {
        for (bins, seed) in [(3, 1), (15, 2), (63, 3), (255, 4)] as [(Int, UInt64)] {
            let shape = [16, 3, 3, 5]
            let w = layer(channels: 16, per: 45, seed: seed)
            let (steps, symbols) = PerChannelQuantizer.quantize(w, shape: shape, bins: bins)
            XCTAssertEqual(steps.channelCount, 16)
            let k = (bins - 1) / 2
            let r = steps.dequantize(symbols, maxLevel: k)
            for c in 0..<16 {
                let step = steps.step(channel: c)
                let target = PerChannelQuantizer.targetSteps(Array(w[(c * 45)..<((c + 1) * 45)]), channels: 1, bins: bins)[0]
                XCTAssertLessThanOrEqual(abs(step / target - 1), 0.011, "bins \(bins) channel \(c): within 2^(1/64) of its MSE step")
                for i in (c * 45)..<((c + 1) * 45) where abs(w[i]) <= Float(k) * step {
                    XCTAssertLessThanOrEqual(abs(w[i] - r[i]), step / 2 * (1 + 1e-6), "bins \(bins) weight \(i)")
                }
            }
            // The symbols are nearest rounding at the stored step, and the quantized tensor agrees.
            let t = try QuantizedTensor(name: "w", shape: shape, quantizer: ZeroPointQuantizer(bins: bins, step: steps.base),
                                        symbols: symbols, channelSteps: steps)
            XCTAssertEqual(t.dequantized(), r)
        }
        // All-zero channels get code 0 and reconstruct zeros.
        var w = layer(channels: 4, per: 10, seed: 9)
        for i in 10..<20 { w[i] = 0 }
        let (steps, symbols) = PerChannelQuantizer.quantize(w, shape: [4, 10], bins: 7)
        XCTAssertEqual(steps.codes[1], 0)
        XCTAssertEqual(Array(steps.dequantize(symbols, maxLevel: 3)[10..<20]), [Float](repeating: 0, count: 10))
    }

    func testModelQuantizerRoundTripsAndBeatsOneStepOnSpreadChannels() throws {
        var file = SafeTensorsFile()
        file.tensors["conv.weight"] = try TensorData(floats: layer(channels: 16, per: 27, seed: 5), shape: [16, 3, 3, 3])
        file.tensors["fc.weight"] = try TensorData(floats: layer(channels: 10, per: 40, seed: 6), shape: [10, 40])
        file.tensors["fc.bias"] = try TensorData(floats: [Float](repeating: 0.5, count: 10), shape: [10])
        let calibration = Calibration.fixed(try LayerBins(bins: 15), .mse)
        let pc = ModelQuantizer(calibration: calibration, perChannel: true)
        XCTAssertEqual(pc.label, "mse, 15 bins + per-channel")
        let model = try pc.quantize(file)
        XCTAssertTrue(model.quantized.allSatisfy { $0.channelSteps?.channelCount == $0.shape[0] })
        let plain = try ModelQuantizer(calibration: calibration).quantize(file)
        for (a, b) in zip(model.quantized, plain.quantized) {
            let w = try file.tensor(a.name).floats()
            let sqnrPC = Distortion(weights: w, reconstruction: a.dequantized()).sqnrDecibels
            let sqnrOne = Distortion(weights: w, reconstruction: b.dequantized()).sqnrDecibels
            XCTAssertGreaterThan(sqnrPC, sqnrOne + 3, a.name)
        }
        for codec in CodecKind.allCases {
            let trip = try SBWRoundTrip(model, options: try CodecOptions(codec: codec, tableLog: 11, lanes: 4))
            XCTAssertEqual(trip.decoded, model, "\(codec)")
            XCTAssertEqual(try trip.decoded.dequantized().tensor("conv.weight").floats().map(\.bitPattern),
                           model.quantized[0].dequantized().map(\.bitPattern))
        }
        // With the RD calibration: each layer keeps the calibrated bins.
        let rd = try RateDistortionCalibration(rateWeight: 1e-4, rate: try CodecOptions(tableLog: 11).rateModel)
        let rdModel = try ModelQuantizer(calibration: .rateDistortion(rd), perChannel: true).quantize(file)
        let rdPlain = try ModelQuantizer(calibration: .rateDistortion(rd)).quantize(file)
        XCTAssertEqual(rdModel.quantized.map(\.quantizer.bins), rdPlain.quantized.map(\.quantizer.bins))
    }

    func testPerChannelRefusesRDOQAndDQ() throws {
        var file = SafeTensorsFile()
        file.tensors["w"] = try TensorData(floats: layer(channels: 2, per: 8, seed: 7), shape: [2, 8])
        let codec = try CodecOptions(tableLog: 11)
        let calibration = Calibration.fixed(try LayerBins(bins: 7), .mse)
        for q in [ModelQuantizer(calibration: calibration, rdoq: try RDOQ(rateWeight: 0.1, codec: codec), perChannel: true),
                  ModelQuantizer(calibration: calibration, dependentQuantizer: try DependentQuantizer(rateWeight: 0.1, codec: codec), perChannel: true)] {
            XCTAssertThrowsError(try q.quantize(file)) { error in
                XCTAssertTrue("\(error)".contains("per-channel steps are not combined with"), "\(error)")
            }
        }
    }
}
