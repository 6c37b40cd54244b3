import XCTest
import EntropyCoding
import Quantization
@testable import Training

/// The opt-in alphabet terms of the rate (``AlphabetCost``): exact table-description bits, the
/// symbol-width surrogate, and their precision gradients against finite differences.
final class AlphabetCostTests: XCTestCase {
    func makeLayers(seed: UInt64) -> [(weight: Parameter, transform: FakeQuantizeTransform)] {
        var rng = Xoshiro256(seed: seed)
        return [(60, 0.05, 7), (150, 0.08, 5), (300, 0.02, 15)].map { (n: Int, step: Float, bins: Int) in
            let w = Parameter(Tensor(shape: [n], values: (0..<n).map { _ in rng.nextNormal() * 0.1 }))
            let t = FakeQuantizeTransform(step: step, bins: bins, learnsPrecision: true)
            t.precision.value[0] += 0.3
            return (w, t)
        }
    }

    /// The table bits are those the codec writes for the symbols the hard quantizer produces.
    func testTableDescriptionBitsAreTheCodecs() throws {
        var rng = Xoshiro256(seed: 3)
        let weights = (0..<500).map { _ in rng.nextNormal() * 0.1 }
        for (step, half) in [(Float(0.05), 3), (0.05, 1), (0.02, 7), (0.02, 20), (0.5, 2)] {
            let quantizer = try ZeroPointQuantizer(bins: 2 * half + 1, step: step)
            let symbols = quantizer.quantize(weights)
            var histogram = [Int](repeating: 0, count: 2 * half + 1)
            for s in symbols { histogram[Int(s)] += 1 }
            let present = histogram.filter { $0 > 0 }.count
            let expected = present > 1 ? NormalizedCountsCoding.bitCount(try NormalizedCounts(histogram: histogram, tableLog: 10)) : 0
            let levels = weights.withUnsafeBufferPointer { AlphabetCost.levelHistogram($0, step: step) }
            XCTAssertEqual(AlphabetCost.tableDescriptionBits(levels: levels, halfBins: half, tableLog: 10), expected, "Δ \(step), K \(half)")
        }
        XCTAssertEqual(AlphabetCost.tableDescriptionBits(levels: [0, 5, 0], halfBins: 1, tableLog: 10), 0, "one symbol: constant mode")
        XCTAssertEqual(AlphabetCost.tableDescriptionBits(levels: [1, 5, 2], halfBins: 0, tableLog: 10), 0, "K = 0: pruned")
    }

    /// `log₂(N + 1)` is `⌈log₂N⌉` at N = 2^m − 1 and at most one bit below it elsewhere.
    func testSymbolWidthSurrogate() {
        for K in 1...127 {
            let n = 2 * K + 1
            let width = Double(Int.bitWidth - (n - 1).leadingZeroBitCount)   // ⌈log₂N⌉ for N ≥ 2
            let s = AlphabetCost.symbolWidthSurrogate(Double(K))
            XCTAssertLessThanOrEqual(s, width + 1e-12, "N \(n)")
            XCTAssertGreaterThan(s, width - 1, "N \(n)")
            if (n + 1) & n == 0 { XCTAssertEqual(s, width, accuracy: 1e-12, "N \(n)") }
        }
    }

    /// Each analytic precision gradient (entropy + table description + decoder table) matches
    /// central differences of ``EntropyRegularizer/rate()``; the weights and steps get exactly
    /// the gradient they get without the terms.
    func testPrecisionGradientsMatchFiniteDifferences() {
        for cost in [AlphabetCost(alphabetRate: true, tableWeight: 0, tableLog: 10),
                     AlphabetCost(alphabetRate: false, tableWeight: 0.02, tableLog: 10),
                     AlphabetCost(alphabetRate: true, tableWeight: 0.02, tableLog: 8)] {
            let layers = makeLayers(seed: 11)
            let plainLayers = makeLayers(seed: 11)
            let regularizer = EntropyRegularizer(layers: layers, temperature: 0.3, alphabetCost: cost)
            let plain = EntropyRegularizer(layers: plainLayers, temperature: 0.3)
            let rate = regularizer.accumulateGradients(lambda: 1)
            plain.accumulateGradients(lambda: 1)
            XCTAssertEqual(rate, regularizer.rate(), accuracy: 1e-9)
            XCTAssertGreaterThan(rate, plain.rate(), "the tables cost bits")
            var sawTableGradient = false
            for (layer, reference) in zip(layers, plainLayers) {
                XCTAssertEqual(layer.weight.grad.toArray(), reference.weight.grad.toArray(), "weights: no gradient from the terms")
                XCTAssertEqual(layer.transform.step.grad[0], reference.transform.step.grad[0], "step: no gradient from the terms")
                let p = layer.transform.precision.value
                let saved = p[0], h: Float = 0.05
                p[0] = saved + h
                let up = regularizer.rate()
                p[0] = saved - h
                let down = regularizer.rate()
                p[0] = saved
                let expected = (up - down) / Double(2 * h)
                XCTAssertEqual(Double(layer.transform.precision.grad[0]), expected, accuracy: 1e-3 * max(1, abs(expected)), "\(cost)")
                if abs(layer.transform.precision.grad[0] - reference.transform.precision.grad[0]) > 1e-6 { sawTableGradient = true }
            }
            XCTAssertTrue(sawTableGradient, "the terms reach the precisions: \(cost)")
        }
    }

    /// Off (the default), the regularizer is the entropy alone: same rate, same gradients.
    func testInactiveCostChangesNothing() {
        let layers = makeLayers(seed: 2), reference = makeLayers(seed: 2)
        let off = EntropyRegularizer(layers: layers, temperature: 0.3, alphabetCost: AlphabetCost(alphabetRate: false, tableWeight: 0, tableLog: 10))
        XCTAssertNil(off.alphabetCost)
        let plain = EntropyRegularizer(layers: reference, temperature: 0.3)
        XCTAssertEqual(off.accumulateGradients(lambda: 0.5), plain.accumulateGradients(lambda: 0.5))
        for (a, b) in zip(layers, reference) {
            XCTAssertEqual(a.weight.grad.toArray(), b.weight.grad.toArray())
            XCTAssertEqual(a.transform.precision.grad[0], b.transform.precision.grad[0])
        }
        XCTAssertNil(QATConfiguration(lambda: 0.1, binPolicy: .learned).alphabetCost)
    }

    func testConfigurationRefusesBadValues() {
        var config = QATConfiguration(lambda: 0.1, binPolicy: .learned)
        config.tableWeight = -1
        XCTAssertThrowsError(try config.validate()) { XCTAssertEqual($0 as? QATError, .invalidTableWeight(-1)) }
        config.tableWeight = 0.1
        config.rateTableLog = 7
        XCTAssertThrowsError(try config.validate()) { XCTAssertEqual($0 as? QATError, .invalidRateTableLog(7)) }
    }
}
