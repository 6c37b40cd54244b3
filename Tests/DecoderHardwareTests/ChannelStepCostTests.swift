import XCTest
import EntropyCoding
@testable import DecoderHardware

/// Per-channel steps are costed (the RTL's step banks, setup generator, per-lane channel tracking
/// and step select), not assumed free: as a share of their own, and folded into the decoder's
/// totals, setup cycles and stored bits.
final class ChannelStepCostTests: XCTestCase {
    func testShareGrowsWithWhatTheHardwareHolds() throws {
        let tech = try Technology.load(contentsOf: techURL("asic-22nm"))
        guard case .asic(let asic) = tech.kind else { return XCTFail("asic-22nm is an ASIC technology") }
        let model = DecoderCostModel(technology: tech)
        let p1 = try DecoderConfiguration(lanes: 1, tableLog: 10, portBits: 64, clockHz: 1e9)
        let p8 = try DecoderConfiguration(lanes: 8, tableLog: 10, portBits: 64, clockHz: 1e9)
        let share = try XCTUnwrap(model.perChannelStepCost(p8, maxChannels: 1280, maxWeightsPerChannel: 2880,
                                                           weights: 3_000_000, channels: 17_000))
        // The step banks alone: 8 SRAMs of 160 16-bit steps.
        XCTAssertGreaterThan(share.area, 8 * asic.sramTableArea(bits: 160 * 16))
        XCTAssertGreaterThan(share.energyPerWeight, 0)
        XCTAssertEqual(share.headerWords, (32 + 1280 * 8 + 63) / 64, "the float32 base and the code bytes")
        // Per-lane tracking and step selects: more lanes, more area.
        let one = try XCTUnwrap(model.perChannelStepCost(p1, maxChannels: 1280, maxWeightsPerChannel: 2880,
                                                         weights: 3_000_000, channels: 17_000))
        XCTAssertLessThan(one.area, share.area)
        XCTAssertGreaterThan(one.energyPerWeight, 0)
        // Fewer weights per channel: a step load every fewer weights costs more per weight.
        let dense = try XCTUnwrap(model.perChannelStepCost(p8, maxChannels: 1280, maxWeightsPerChannel: 2880,
                                                           weights: 3_000_000, channels: 300_000))
        XCTAssertGreaterThan(dense.energyPerWeight, share.energyPerWeight)
        // A wider code memory is larger.
        let wide = try XCTUnwrap(model.perChannelStepCost(p8, maxChannels: 4096, maxWeightsPerChannel: 2880,
                                                          weights: 3_000_000, channels: 17_000))
        XCTAssertGreaterThan(wide.area, share.area)
        XCTAssertNil(model.perChannelStepCost(p8, maxChannels: 0, maxWeightsPerChannel: 1, weights: 1, channels: 1))
    }

    /// A model whose layers carry channels costs exactly the share more in the dequantizers, stores
    /// 32 + 8C more header bits per such layer, and takes more setup only where the step generator
    /// (C + 8 cycles) outlasts the table build (2·2^R + 2); a model without them is unchanged.
    func testEvaluateFoldsTheShareIntoTheTotals() throws {
        let model = DecoderCostModel(technology: try Technology.load(contentsOf: techURL("asic-22nm")))
        let config = try DecoderConfiguration(lanes: 4, tableLog: 10, portBits: 64, clockHz: 1e9)
        func layer(_ name: String, n: Int, channels: Int) -> LayerProfile {
            var l = LayerProfile(name: name, symbolCount: n, alphabetSize: 15, usedSymbols: 15, tableLog: 10,
                                 laneBits: [Int](repeating: n / 2, count: 4))
            l.channels = channels
            return l
        }
        let plainLayers = [layer("a", n: 32 * 288, channels: 0), layer("b", n: 10_000, channels: 0),
                           layer("c", n: 3_000 * 9, channels: 0)]
        let channelLayers = [layer("a", n: 32 * 288, channels: 32), layer("b", n: 10_000, channels: 0),
                             layer("c", n: 3_000 * 9, channels: 3_000)]
        let plain = try model.evaluate(config, layers: plainLayers)
        let folded = try model.evaluate(config, layers: channelLayers)
        let share = try XCTUnwrap(model.perChannelStepCost(config, layers: [(weights: 32 * 288, channels: 32), (weights: 10_000, channels: nil),
                                                                            (weights: 3_000 * 9, channels: 3_000)]))
        XCTAssertEqual(folded.area!.dequantizers - plain.area!.dequantizers, share.area, accuracy: 1e-6)
        XCTAssertEqual(folded.area!.total - plain.area!.total, share.area, accuracy: 1e-6)
        XCTAssertEqual(folded.energy!.dequantizers - plain.energy!.dequantizers, share.energyPerWeight, accuracy: 1e-12)
        XCTAssertEqual(folded.layers[0].setup, plain.layers[0].setup, "32 + 8 generator cycles under a 2050-cycle build")
        XCTAssertEqual(folded.layers[1].setup, plain.layers[1].setup)
        XCTAssertEqual(folded.layers[2].setup - plain.layers[2].setup, 3_000 + 8 - (2 * 1024 + 2))
        XCTAssertEqual(folded.storedBits - plain.storedBits, (32 + 32 * 8) + (32 + 3_000 * 8))
        XCTAssertEqual(folded.totals.decode, plain.totals.decode)
    }

    /// On an FPGA the share is resources: a block RAM per step bank, the significand multiplier's
    /// DSPs, LUTs and flip-flops, added to the decoder's by `evaluate`; no µm² share.
    func testFPGAResourcesAreFoldedIn() throws {
        let tech = try Technology.load(contentsOf: techURL("fpga-7series"))
        guard case .fpga(let fpga) = tech.kind else { return XCTFail("fpga-7series is an FPGA technology") }
        let model = DecoderCostModel(technology: tech)
        let config = try DecoderConfiguration(lanes: 4, tableLog: 10, portBits: 64, clockHz: 2e8)
        XCTAssertNil(model.perChannelStepCost(config, maxChannels: 64, maxWeightsPerChannel: 100, weights: 6400, channels: 64))
        let steps = DecoderCostModel.perChannelStepResources(config, maxChannels: 64, maxWeightsPerChannel: 100, fpga: fpga)
        XCTAssertEqual(steps.bram18, 4, "one bank per lane")
        XCTAssertEqual(steps.dsp, 2, "24 × 24 significands on 25 × 18 multipliers")
        // Base, 3W-bit buffer, counters (24 + 16 + 8 + 7 + 3 + 4) and bank index; per lane bank and
        // position; per bank the row its output holds (4 bits), and the settled flag.
        XCTAssertEqual(steps.flipFlops, 32 + 3 * 64 + (24 + 16 + 8 + 7 + 3 + 4) + 2 + 4 * (2 + 7) + 4 * 4 + 1)
        XCTAssertGreaterThan(steps.luts, 23 + 4 * 16)
        let none = DecoderCostModel.perChannelStepResources(config, maxChannels: 0, maxWeightsPerChannel: 0, fpga: fpga)
        XCTAssertEqual([none.luts, none.flipFlops, none.bram18, none.dsp], [0, 0, 0, 0])
        var layer = LayerProfile(name: "a", symbolCount: 6400, alphabetSize: 15, usedSymbols: 15, tableLog: 10,
                                 laneBits: [4000, 4000, 4000, 4000])
        let plain = try model.evaluate(config, layers: [layer]).resources!
        layer.channels = 64
        let folded = try model.evaluate(config, layers: [layer]).resources!
        XCTAssertEqual(folded.luts - plain.luts, steps.luts)
        XCTAssertEqual(folded.flipFlops - plain.flipFlops, steps.flipFlops)
        XCTAssertEqual(folded.bram18 - plain.bram18, steps.bram18)
        XCTAssertEqual(folded.dsp - plain.dsp, steps.dsp)
    }
}
