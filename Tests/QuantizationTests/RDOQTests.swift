import Dispatch
import EntropyCoding
import ModelIO
import TestSupport
import XCTest
@testable import Quantization

final class RDOQTests: XCTestCase {
    let codec = try! CodecOptions(codec: .tans, tableLog: 11, lanes: 1)

    /// Seeded layers: Laplace and Gaussian, a few sizes and scales.
    func layers() -> [[Float]] {
        var rng = SplitMix64(seed: 24)
        var out: [[Float]] = []
        for (count, scale) in [(5000, 0.05), (20000, 1.5), (1500, 0.002)] {
            out.append((0..<count).map { _ in
                let u = Double.random(in: -0.5..<0.5, using: &rng)
                return Float(-scale * (u < 0 ? -1 : 1) * log(1 - 2 * abs(u)))
            })
            out.append((0..<count).map { _ in Float(scale * rng.normal()) })
        }
        for _ in 0..<4 { out.append(rng.weights(count: 3000)) }
        return out
    }

    /// `D + μ·R` with the exact tANS bits, recomputed from scratch.
    func cost(_ symbols: [UInt8], _ w: [Float], _ q: ZeroPointQuantizer, mu: Double,
              measure: RateDistortionCalibration.Measure) throws -> (cost: Double, bits: Double) {
        let d = Distortion(weights: w, symbols: symbols, quantizer: q)
        let bits = Double(try codec.tans.encode(symbols, alphabetSize: q.bins).totalBits)
        let scale = measure == .absolute ? 1 : Double(w.count) / d.signalEnergy
        return (scale * d.squaredError + mu * bits, bits)
    }

    /// RDOQ never raises a layer's D + μR over nearest rounding at the same quantizer (exact
    /// coded bits), for both measures, and at a useful μ it codes fewer bits.
    func testNeverIncreasesCostAndSavesBits() throws {
        var saved = 0
        for (i, w) in layers().enumerated() {
            for bins in [3, 15, 63] {
                let q = try ZeroPointQuantizer(bins: bins, step: StepCalibration.mseOptimalStep(weights: w, bins: bins))
                let nearest = q.quantize(w)
                let plain = Distortion(weights: w, quantizer: q)
                let nsr = plain.squaredError / plain.signalEnergy
                let meanSquare = plain.signalEnergy / Double(w.count)
                for (measure, slope) in [(RateDistortionCalibration.Measure.relative, 1.0), (.absolute, meanSquare)] {
                    for factor in [0.3, 1.39, 5] {
                        let mu = factor * nsr * slope
                        let r = try RDOQ(rateWeight: mu, measure: measure, codec: codec).quantize(w, with: q)
                        let got = try cost(r.symbols, w, q, mu: mu, measure: measure)
                        let base = try cost(nearest, w, q, mu: mu, measure: measure)
                        let context = "layer \(i), \(bins) bins, \(measure), μ factor \(factor)"
                        XCTAssertLessThanOrEqual(got.cost, base.cost * (1 + 1e-6), context)
                        XCTAssertEqual(got.cost, r.cost, accuracy: 1e-6 * max(1, got.cost), context)
                        XCTAssertEqual(base.cost, r.nearestCost, accuracy: 1e-6 * max(1, base.cost), context)
                        XCTAssertLessThanOrEqual(r.iterations, RDOQ.defaultIterations)
                        if factor == 1.39, bins == 15, got.bits < base.bits { saved += 1 }
                    }
                }
            }
        }
        XCTAssertGreaterThanOrEqual(saved, 16, "at the high-rate slope RDOQ codes fewer bits on most 15-bin layers")
    }

    /// μ = 0 is nearest rounding exactly; every level stays in range, keeps its sign, and moves
    /// only toward zero.
    func testZeroWeightIsNearestAndLevelsStayInRange() throws {
        for w in layers() {
            for bins in [1, 3, 7, 255] {
                let q = try ZeroPointQuantizer(bins: bins, step: StepCalibration.mseOptimalStep(weights: w, bins: bins))
                let nearest = q.quantize(w)
                XCTAssertEqual(try RDOQ(rateWeight: 0, codec: codec).quantize(w, with: q).symbols, nearest)
                let r = try RDOQ(rateWeight: 0.5, measure: .relative, codec: codec).quantize(w, with: q)
                XCTAssertEqual(r.symbols.count, w.count)
                var changed = 0
                for i in w.indices {
                    XCTAssertLessThan(Int(r.symbols[i]), bins)
                    let level = Int(r.symbols[i]) - q.maxLevel, near = Int(nearest[i]) - q.maxLevel
                    XCTAssertLessThanOrEqual(abs(level), abs(near))
                    XCTAssertTrue(level == 0 || level.signum() == near.signum())
                    if level != near { changed += 1 }
                }
                XCTAssertEqual(changed, r.changed)
            }
        }
        // A clipped weight (beyond K·Δ) starts from the clamped level.
        let q = try ZeroPointQuantizer(bins: 3, step: 1)
        let r = try RDOQ(rateWeight: 1e-3, codec: codec).quantize([100, -100, 0.2, 0, 1, -1], with: q)
        XCTAssertTrue(r.symbols.allSatisfy { $0 < 3 })
    }

    /// The same levels every time, from any thread and with other threads busy.
    func testDeterministic() throws {
        let w = layers()[0]
        let q = try ZeroPointQuantizer(bins: 31, step: StepCalibration.mseOptimalStep(weights: w, bins: 31))
        let rdoq = try RDOQ(rateWeight: 0.02, measure: .relative, codec: codec)
        let reference = rdoq.quantize(w, with: q).symbols
        /// One slot per thread: the threads write disjoint slots, read after they all finish.
        final class Slots: @unchecked Sendable {
            let buffer = UnsafeMutableBufferPointer<[UInt8]>.allocate(capacity: 4)
            init() { buffer.initialize(repeating: []) }
            deinit { buffer.deinitialize(); buffer.deallocate() }
        }
        let slots = Slots()
        DispatchQueue.concurrentPerform(iterations: 4) { i in slots.buffer[i] = rdoq.quantize(w, with: q).symbols }
        for r in slots.buffer { XCTAssertEqual(r, reference) }
    }

    /// The code lengths are −log₂(f/L) of the encoder's own normalized counts.
    func testCodeLengthsFollowTheTable() throws {
        let histogram = [3, 40, 900, 50, 7, 0, 0]
        let lengths = try TANSCodeLengths(histogram: histogram, tableLog: 8)
        let counts = try NormalizedCounts(histogram: histogram, tableLog: 8)
        XCTAssertEqual(lengths.escapedSymbols, 0)
        for s in 0..<5 { XCTAssertEqual(lengths.bits[s], 8 - log2(Double(counts.counts[s])), accuracy: 1e-12) }
        XCTAssertEqual(lengths.bits[5], lengths.absentBits)
        XCTAssertGreaterThanOrEqual(lengths.absentBits, 8)
        XCTAssertEqual(lengths.payloadBits(histogram), counts.cost(of: histogram), accuracy: 1e-9)
        XCTAssertEqual(try TANSCodeLengths(histogram: [0, 5, 0], tableLog: 5).bits, [5, 0, 5])
        XCTAssertThrowsError(try TANSCodeLengths(histogram: [1, 2], tableLog: 40))
        // Many rare symbols: the escape path's lengths add the escape symbol's.
        var wide = [Int](repeating: 1, count: 255)
        wide[127] = 1_000_000
        let escaped = try TANSCodeLengths(histogram: wide, tableLog: 5)
        XCTAssertGreaterThan(escaped.escapedSymbols, 0)
        XCTAssertTrue(escaped.bits.allSatisfy { $0.isFinite && $0 >= 0 })
    }

    /// An RDOQ model written to .sbw decodes to exactly its levels; dequantized = level × Δ.
    func testRoundTripThroughSBW() throws {
        var file = SafeTensorsFile()
        let ws = layers()
        file.tensors["a.weight"] = try TensorData(floats: ws[0], shape: [50, 100])
        file.tensors["b.weight"] = try TensorData(floats: ws[7], shape: [30, 100])
        file.tensors["b.bias"] = try TensorData(floats: [1, 2, 3], shape: [3])
        let rd = try RateDistortionCalibration(rateWeight: 0.05, rate: codec.rateModel, measure: .relative)
        let quantizer = ModelQuantizer(calibration: .rateDistortion(rd), rdoq: try RDOQ(rateWeight: 0.05, measure: .relative, codec: codec))
        XCTAssertEqual(quantizer.label, "rd relative, μ=0.05 + rdoq")
        let model = try quantizer.quantize(file)
        let plain = try ModelQuantizer(calibration: .rateDistortion(rd)).quantize(file)
        XCTAssertNotEqual(model.quantized.map(\.symbols), plain.quantized.map(\.symbols), "RDOQ changed some level")
        let decoded = try SBWModelCodec.decode(try SBWModelCodec.encode(model, options: codec))
        XCTAssertEqual(decoded, model)
        for t in decoded.quantized {
            let expected = t.symbols.map { Float(Int($0) - t.quantizer.maxLevel) * t.quantizer.step }
            XCTAssertEqual(t.dequantized().map(\.bitPattern), expected.map(\.bitPattern))
        }
        let fixed = ModelQuantizer(calibration: .fixed(try LayerBins(bins: 7), .mse), rdoq: try RDOQ(rateWeight: 1e-4, codec: codec))
        XCTAssertEqual(fixed.label, "mse, 7 bins + rdoq absolute, μ=0.0001")
    }

    func testRejectsBadParameters() {
        XCTAssertThrowsError(try RDOQ(rateWeight: -1, tableLog: 11, rate: .entropy))
        XCTAssertThrowsError(try RDOQ(rateWeight: .infinity, tableLog: 11, rate: .entropy))
        XCTAssertThrowsError(try RDOQ(rateWeight: 1, tableLog: 3, rate: .entropy))
    }

    /// compress-sweep's point grammar with RDOQ, and clear errors for malformed points.
    func testPointGrammar() throws {
        let cases: [(String, OperatingPoint, String)] = [
            ("mu=1e-4+rdoq", .rateWeightRDOQ(1e-4, maxBins: 255, measure: .absolute), "mu=0.0001+rdoq"),
            ("rmu=0.3+rdoq", .rateWeightRDOQ(0.3, maxBins: 255, measure: .relative), "rmu=0.3+rdoq"),
            ("rmu=0.3@7+rdoq", .rateWeightRDOQ(0.3, maxBins: 7, measure: .relative), "rmu=0.3@7+rdoq"),
            ("bins=15+rdoq=1e-5", .binsRDOQ(15, rateWeight: 1e-5, measure: .absolute), "bins=15+rdoq=1e-05"),
            ("bins=15+rrdoq=0.02", .binsRDOQ(15, rateWeight: 0.02, measure: .relative), "bins=15+rrdoq=0.02"),
            ("mu=1e+2+rdoq", .rateWeightRDOQ(100, maxBins: 255, measure: .absolute), "mu=100.0+rdoq"),
            ("bins=7", .bins(7), "bins=7"),
        ]
        for (text, point, description) in cases {
            let parsed = try OperatingPoint(parsing: text)
            XCTAssertEqual(parsed, point, text)
            XCTAssertEqual(parsed.description, description, text)
            XCTAssertEqual(try OperatingPoint(parsing: parsed.description), parsed, "round trip \(text)")
        }
        XCTAssertNil(try OperatingPoint.bins(7).rdoq(codec: codec))
        XCTAssertEqual(try OperatingPoint(parsing: "bins=15+rrdoq=0.02").rdoq(codec: codec)?.measure, .relative)
        let bad: [(String, String)] = [
            ("bins=15+rdoq", "needs RDOQ's μ"),
            ("bins=15+rdoq=", "is not a number"),
            ("bins=15+rdoq=x", "is not a number"),
            ("bins=15+rdoq=-1", "is not a number"),
            ("mu=1e-4+rdoq=2", "its own μ"),
            ("mu=1e-4+rrdoq", "its own μ"),
            ("mu=1e-4+rdoqx", "is not +rdoq"),
            ("mu=1e-4+rfoo", "is not +rdoq"),
            ("bins=4+rdoq=1", "bins=N"),
            ("foo=1+rdoq", "bins=N"),
        ]
        for (text, needle) in bad {
            XCTAssertThrowsError(try OperatingPoint(parsing: text), text) { error in
                XCTAssertTrue("\(error)".contains(needle), "\(text): \(error)")
            }
        }
    }

    /// The matched-SQNR interpolation: linear in SQNR, nothing outside a mode's range.
    func testMatchedSQNRInterpolation() {
        let rows = [
            RateSQNRBenchmark.Row(mode: "bins", point: "a", sqnrDecibels: 10, bitsPerWeight: 2, seconds: 0),
            RateSQNRBenchmark.Row(mode: "bins", point: "b", sqnrDecibels: 20, bitsPerWeight: 4, seconds: 0),
            RateSQNRBenchmark.Row(mode: "bins+rdoq", point: "c", sqnrDecibels: 12, bitsPerWeight: 2, seconds: 0),
            RateSQNRBenchmark.Row(mode: "bins+rdoq", point: "d", sqnrDecibels: 22, bitsPerWeight: 3.5, seconds: 0),
        ]
        XCTAssertEqual(RateSQNRBenchmark.bits(at: 15, of: Array(rows[0..<2])), 3)
        XCTAssertNil(RateSQNRBenchmark.bits(at: 9.9, of: Array(rows[0..<2])))
        let m = RateSQNRBenchmark.matched(rows, targets: [11, 15, 21])
        XCTAssertNil(m[0].saved("bins+rdoq", over: "bins"))
        XCTAssertEqual(m[1].saved("bins+rdoq", over: "bins")!, 3 - 2.45, accuracy: 1e-12)
        XCTAssertNil(m[2].saved("bins+rdoq", over: "bins"))
        let range = RateSQNRBenchmark.savedRange(rows, targets: [15])
        XCTAssertEqual(range?.min ?? 0, 0.55, accuracy: 1e-12)
    }
}
