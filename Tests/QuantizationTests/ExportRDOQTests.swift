import EntropyCoding
import TestSupport
import XCTest
@testable import Quantization

/// RDOQ as the export rounding after training: levels chosen again from the latent weights, at
/// the quantizer training ended with; μ = 0 and tensors without latents are left as they are.
final class ExportRDOQTests: XCTestCase {
    private func model(seed: UInt64) throws -> (QuantizedModel, [String: [Float]]) {
        var rng = SplitMix64(seed: seed)
        var latent: [String: [Float]] = [:]
        var tensors: [QuantizedTensor] = []
        for (name, n) in [("a.weight", 400), ("b.weight", 300)] {
            let w = (0..<n).map { _ in Float(rng.normal()) * 0.1 }
            let q = try ZeroPointQuantizer(bins: 7, step: 0.05)
            latent[name] = w
            tensors.append(try QuantizedTensor(name: name, shape: [n], quantizer: q, symbols: q.quantize(w)))
        }
        return (try QuantizedModel(quantized: tensors, kept: []), latent)
    }

    func testRateWeightMovesLevelsTowardCheaperOnesAndNeverLeavesTheBins() throws {
        let (m, latent) = try model(seed: 7)
        let zero = try ExportRDOQ(rateWeight: 0).apply(to: m) { latent[$0] }
        XCTAssertEqual(zero.model, m, "μ = 0 is nearest rounding")
        XCTAssertEqual(zero.changed, 0)
        let rounded = try ExportRDOQ(rateWeight: 0.1).apply(to: m) { latent[$0] }
        XCTAssertGreaterThan(rounded.changed, 0)
        for (before, after) in zip(m.quantized, rounded.model.quantized) {
            XCTAssertEqual(after.quantizer, before.quantizer, "the step and bins training ended with")
            let expected = try ExportRDOQ(rateWeight: 0.1).rdoq.quantize(latent[before.name]!, with: before.quantizer).symbols
            XCTAssertEqual(after.symbols, expected)
            XCTAssertLessThanOrEqual(EmpiricalEntropy.bitsPerSymbol(counts: after.histogram),
                                     EmpiricalEntropy.bitsPerSymbol(counts: before.histogram) + 1e-9, before.name)
        }
        // A tensor without latent weights (or with the wrong count) keeps its levels.
        let partial = try ExportRDOQ(rateWeight: 0.1).apply(to: m) { $0 == "a.weight" ? latent[$0] : [0, 1] }
        XCTAssertEqual(partial.model.quantized[1], m.quantized[1])
        XCTAssertThrowsError(try ExportRDOQ(rateWeight: -1))
        XCTAssertThrowsError(try ExportRDOQ(rateWeight: .nan))
    }
}
