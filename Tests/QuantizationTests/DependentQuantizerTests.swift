import EntropyCoding
import ModelIO
import TestSupport
import XCTest
@testable import Quantization

final class DependentQuantizerTests: XCTestCase {
    private func quantizer(_ machine: DQStateMachine = .eightState, mu: Double = 0) throws -> DependentQuantizer {
        try DependentQuantizer(rateWeight: mu, tableLog: 11, rate: .entropy, machine: machine)
    }

    /// `scale·Σ(w − ŵ)² + μ·Σ bits[s]` of a symbol sequence under the machine.
    private func objective(_ symbols: [UInt8], _ w: [Float], _ q: ZeroPointQuantizer, _ machine: DQStateMachine,
                           bits: [Double], mu: Double) -> Double {
        let r = machine.dequantize(symbols, maxLevel: q.maxLevel, step: q.step)
        var c = 0.0
        for i in w.indices {
            let e = Double(w[i]) - Double(r[i])
            c += e * e + mu * bits[Int(symbols[i])]
        }
        return c
    }

    func testDecoderWalksTheStateMachine() {
        // 8 states: k = 1 in Q0 (state 0 → 2), k = 2 in Q0 (→ 1), k = −1 in Q1.
        XCTAssertEqual(DQStateMachine.eightState.dequantize([3, 4, 1], maxLevel: 2, step: 0.5), [1, 2, -0.5])
        // 4 states: k = 1 in Q0 (state 0 → 2), then Q1: k = 1 → 1·Δ.
        XCTAssertEqual(DQStateMachine.fourState.dequantize([3, 3], maxLevel: 2, step: 1), [2, 1])
        XCTAssertEqual(DQStateMachine.eightState.dequantize([3, 3, 3, 3], maxLevel: 2, step: 1), [2, 2, 1, 2])
    }

    /// With μ = 0 the Viterbi search is the exhaustive minimum over all level sequences (the
    /// candidate set — zero and the nearest level of each parity — loses nothing for distortion).
    func testTrellisEqualsExhaustiveSearchOnTinyInputs() throws {
        var rng = SplitMix64(seed: 24)
        for machine in DQStateMachine.allCases {
            for trial in 0..<40 {
                let n = 1 + trial % 5
                let q = try ZeroPointQuantizer(bins: 5, step: 0.5)
                let w = (0..<n).map { _ in Float(rng.normal() * 1.2) }
                let dq = try quantizer(machine)
                var decisions = [UInt16](repeating: 0, count: n * machine.stateCount)
                let zero = [Double](repeating: 0, count: 5)
                let found = dq.trellis(w, quantizer: q, bits: zero, rateWeight: 0, scale: 1, decisions: &decisions)
                var best = Double.infinity
                var s = [UInt8](repeating: 0, count: n)
                for code in 0..<Int(pow(5.0, Double(n))) {
                    var c = code
                    for i in 0..<n { s[i] = UInt8(c % 5); c /= 5 }
                    best = min(best, objective(s, w, q, machine, bits: zero, mu: 0))
                }
                XCTAssertEqual(objective(found, w, q, machine, bits: zero, mu: 0), best, accuracy: 1e-9,
                               "\(machine) trial \(trial): \(w)")
            }
        }
    }

    /// With a rate term, the search is never worse than the μ = 0 levels (which are in its
    /// candidate set) by its own objective, and spends fewer bits.
    func testRateTermNeverLosesToTheDistortionOnlyPath() throws {
        var rng = SplitMix64(seed: 7)
        let q = try ZeroPointQuantizer(bins: 15, step: 0.1)
        let w = (0..<2000).map { _ in Float(rng.normal() * 0.5) }
        let bits = (0..<15).map { 1 + 0.6 * Double(abs($0 - 7)) }
        for machine in DQStateMachine.allCases {
            let dq = try quantizer(machine, mu: 0.05)
            var decisions = [UInt16](repeating: 0, count: w.count * machine.stateCount)
            let zero = [Double](repeating: 0, count: 15)
            let distortionOnly = dq.trellis(w, quantizer: q, bits: zero, rateWeight: 0, scale: 1, decisions: &decisions)
            let rd = dq.trellis(w, quantizer: q, bits: bits, rateWeight: 0.05, scale: 1, decisions: &decisions)
            XCTAssertLessThanOrEqual(objective(rd, w, q, machine, bits: bits, mu: 0.05),
                                     objective(distortionOnly, w, q, machine, bits: bits, mu: 0.05) + 1e-9)
            let rate = { (s: [UInt8]) in s.reduce(0.0) { $0 + bits[Int($1)] } }
            XCTAssertLessThan(rate(rd), rate(distortionOnly))
        }
    }

    /// Distortion only: never worse than the greedy path (each weight's nearest level in the
    /// current state's quantizer), and on Gaussian data below a uniform quantizer of the same
    /// spacing 2Δ (the trellis's granular gain).
    func testDistortionBeatsGreedyAndUniformOfTheSameSpacing() throws {
        var rng = SplitMix64(seed: 11)
        let w = (0..<20_000).map { _ in Float(rng.normal()) }
        let fine = try ZeroPointQuantizer(bins: 31, step: 0.125)
        let uniform = try ZeroPointQuantizer(bins: 15, step: 0.25)
        for machine in DQStateMachine.allCases {
            let result = try quantizer(machine).quantize(w, with: fine)
            // Greedy: nearest reconstruction of the current quantizer.
            var state = 0, greedy = 0.0
            let next = machine.transitions, quant = machine.quantizers
            for x in w {
                var bestK = 0, bestE = Double(x) * Double(x)
                for k in -15...15 {
                    let r = Double(DQStateMachine.multiple(level: k, quantizer: Int(quant[state]))) * 0.125
                    let e = (Double(x) - r) * (Double(x) - r)
                    if e < bestE { bestE = e; bestK = k }
                }
                greedy += bestE
                state = Int(next[2 * state + (bestK & 1)])
            }
            XCTAssertLessThanOrEqual(result.squaredError, greedy)
            let plain = Distortion(weights: w, quantizer: uniform).squaredError
            XCTAssertLessThan(result.squaredError, plain * pow(10, -0.5 / 10), "\(machine): at least 0.5 dB below uniform")
        }
    }

    func testDeterministicAndIteratedResultIsNoWorseThanDistortionOnly() throws {
        var rng = SplitMix64(seed: 3)
        let w = rng.weights(count: 5000)
        let plain = try ZeroPointQuantizer(bins: 15, step: StepCalibration.mseOptimalStep(weights: w, bins: 15))
        let fine = try XCTUnwrap(DependentQuantizer.quantizer(for: plain))
        XCTAssertEqual(fine.bins, 15)
        XCTAssertEqual(fine.step, plain.step / 2)
        let codec = try CodecOptions(tableLog: 11, lanes: 1)
        let dq = try DependentQuantizer(rateWeight: 0.02, measure: .relative, codec: codec)
        let a = dq.quantize(w, with: fine), b = dq.quantize(w, with: fine)
        XCTAssertEqual(a.symbols, b.symbols)
        let first = try DependentQuantizer(rateWeight: 0.02, measure: .relative, codec: codec).quantize(w, with: fine)
        XCTAssertEqual(first.cost, a.cost)
        // The distortion-only levels are one of the iterates, so the kept cost is no higher.
        let zero = try DependentQuantizer(rateWeight: 0, codec: codec).quantize(w, with: fine)
        XCTAssertLessThanOrEqual(a.cost, dq.cost(zero.symbols, weights: w, quantizer: fine,
                                                 scale: Double(w.count) / w.reduce(0.0) { $0 + Double($1) * Double($1) }) + 1e-9)
        XCTAssertNil(DependentQuantizer.quantizer(for: try ZeroPointQuantizer(bins: 1, step: 1)))
    }

    /// encode → .sbw → decode keeps the symbols, the machine and the reconstruction, over random
    /// layers, both machines and the codecs.
    func testRoundTripThroughTheSBWFormat() throws {
        var rng = SplitMix64(seed: 42)
        for trial in 0..<12 {
            let machine: DQStateMachine = trial % 2 == 0 ? .eightState : .fourState
            let count = 1 + rng.size(max: 3000)
            let w = rng.weights(count: count)
            let bins = [3, 5, 15, 63, 255][trial % 5]
            let plain = try ZeroPointQuantizer(bins: bins, step: max(StepCalibration.mseOptimalStep(weights: w, bins: bins), 1e-6))
            let fine = try XCTUnwrap(DependentQuantizer.quantizer(for: plain))
            let dq = try DependentQuantizer(rateWeight: Double(trial % 3) * 0.01, measure: .relative, tableLog: 11,
                                            rate: .entropy, machine: machine)
            let symbols = dq.quantize(w, with: fine).symbols
            let tensor = try QuantizedTensor(name: "l\(trial).weight", shape: [count], quantizer: fine, symbols: symbols,
                                             dependentQuantization: machine)
            let model = try QuantizedModel(quantized: [tensor], kept: [])
            let codec: CodecKind = [.tans, .huffman, .fixedWidth, .rans][trial % 4]
            let bytes = try SBWModelCodec.encode(model, options: try CodecOptions(codec: codec, tableLog: 11, lanes: 1 + trial % 3))
            let back = try SBWModelCodec.decode(bytes)
            XCTAssertEqual(back, model)
            XCTAssertEqual(back.quantized[0].dequantized(), machine.dequantize(symbols, maxLevel: fine.maxLevel, step: fine.step))
            let file = try SBWFile(bytes: bytes)
            XCTAssertEqual(try file.tensors[0].floatValues(), tensor.dequantized())
        }
    }

    func testModelQuantizerStoresDQAndLabelsIt() throws {
        var rng = SplitMix64(seed: 5)
        var file = SafeTensorsFile()
        file.tensors["a.weight"] = try TensorData(floats: rng.weights(count: 600), shape: [20, 30])
        let codec = try CodecOptions(tableLog: 11, lanes: 1)
        let quantizer = ModelQuantizer(calibration: .fixed(try LayerBins(bins: 15), .mse),
                                       dependentQuantizer: try DependentQuantizer(rateWeight: 0.01, measure: .relative, codec: codec))
        let result = try CompressionPipeline(quantizer: quantizer, codec: codec).compress(file)
        XCTAssertEqual(result.model.quantized[0].dependentQuantization, .eightState)
        XCTAssertTrue(quantizer.label.contains("dq 8-state"))
        let decoded = try SBWModelCodec.decode(result.bytes)
        XCTAssertEqual(decoded.quantized[0].dequantized(), result.model.quantized[0].dequantized())
    }
}
