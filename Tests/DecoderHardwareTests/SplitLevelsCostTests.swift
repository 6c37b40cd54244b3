import EntropyCoding
import Foundation
import TestSupport
import XCTest
@testable import DecoderHardware

/// Layers of split levels (more than 255 bins, ``LayerProfile/fineBits``): the fine bits are one
/// more stream — its port words, the s-bit field in the header, a shared extractor and wider
/// dequantizers are costed, and nothing else changes.
final class SplitLevelsCostTests: XCTestCase {
    private func layers(fineBits: Int) throws -> [LayerProfile] {
        var rng = SplitMix64(seed: 0x5F11)
        let symbols = (0..<20_000).map { _ in UInt8(max(0, min(254, 127 + Int((rng.normal() * 30).rounded())))) }
        var layer = LayerProfile(name: "w", encoded: try TANSCodec.encode(symbols, alphabetSize: 255, tableLog: 10, lanes: 4),
                                 usedSymbols: Set(symbols).count)
        layer.fineBits = fineBits
        return [layer]
    }

    func testFineStreamCostsItsWordsHeaderAndLogic() throws {
        let config = try DecoderConfiguration(lanes: 4, tableLog: 10, portBits: 32, clockHz: 1e9)
        let plain = try layers(fineBits: 0)[0], split = try layers(fineBits: 2)[0]
        let a = DecoderCostModel.cycles(layer: plain, config: config)
        let b = DecoderCostModel.cycles(layer: split, config: config)
        XCTAssertEqual(b.words - a.words, (20_000 * 2 + 31) / 32, "n·s bits in whole port words")
        XCTAssertEqual(b.decode, a.decode, "a group per cycle either way")
        XCTAssertGreaterThanOrEqual(b.decodePhase, a.decodePhase)
        XCTAssertEqual(split.codedBits - plain.codedBits, 40_000)
        XCTAssertEqual(split.fixedWidthBits, 20_000 * 10, "⌈log₂ 255⌉ + 2 = ⌈log₂ 1019⌉ bits per weight")
        XCTAssertEqual(DecoderCostModel.headerBits(layer: split, config: config)
                       - DecoderCostModel.headerBits(layer: plain, config: config), 8, "the s field")
        XCTAssertEqual(DecoderCostModel.storedBits(layer: split, config: config)
                       - DecoderCostModel.storedBits(layer: plain, config: config), 8 + (b.words - a.words) * 32)

        for tech in ["asic-22nm", "fpga-7series"] {
            let model = DecoderCostModel(technology: try Technology.load(contentsOf: techURL(tech)))
            let p = try model.evaluate(config, layers: [plain]), s = try model.evaluate(config, layers: [split])
            if let pa = p.area, let sa = s.area, let pe = p.energy, let se = s.energy {
                XCTAssertGreaterThan(sa.bitExtractors, pa.bitExtractors, "the fine-bit extractor")
                XCTAssertGreaterThan(sa.dequantizers, pa.dequantizers, "a 10-bit level operand")
                XCTAssertEqual(sa.decodeTables, pa.decodeTables, "the table holds coarse symbols")
                XCTAssertGreaterThan(se.bitExtractors, pe.bitExtractors)
                XCTAssertGreaterThan(se.weightMemoryPerWeight, pe.weightMemoryPerWeight)
            } else if let pr = p.resources, let sr = s.resources {
                XCTAssertGreaterThan(sr.luts, pr.luts)
                XCTAssertGreaterThan(sr.flipFlops, pr.flipFlops)
            } else {
                XCTFail("\(tech): no area or resources")
            }
        }
    }
}
