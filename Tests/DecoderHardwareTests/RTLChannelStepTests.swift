import EntropyCoding
import Foundation
import TestSupport
import XCTest
@testable import DecoderHardware

/// Per-output-channel steps in the generated decoder (`sb_channel_steps`): bit-exact under Icarus
/// for every weights-per-channel w against the lane count P (w < P, w = P, w > P, w = 1), mixed
/// with plain and constant layers in one decoder, in both layouts; cycle-exact against the model;
/// plain designs untouched.
final class RTLChannelStepTests: XCTestCase {
    private func tool(_ tool: RTLToolchain.Tool) throws -> URL {
        do {
            return try RTLToolchain.locate(tool)
        } catch {
            throw XCTSkip("skipped: \(error)")
        }
    }

    /// A layer of `channels` channels of `perChannel` weights with seeded log-step codes.
    private func layer(_ name: String, channels: Int, perChannel: Int, base: Float, seed: UInt64,
                       codes: ClosedRange<UInt8> = 0...200, every: Bool = false, constant: UInt8? = nil) throws -> RTLSourceLayer {
        let n = channels * perChannel
        let symbols = constant.map { [UInt8](repeating: $0, count: n) }
            ?? SyntheticLayers.laplaceSymbols(count: n, bins: 15, zeroProbability: 0.4, seed: seed)
        var generator = SplitMix64(seed: seed)
        let stepCodes = every ? (0..<channels).map { UInt8($0 % 256) }
            : (0..<channels).map { _ in UInt8(clamping: Int(codes.lowerBound) + Int(generator.next() % UInt64(codes.count))) }
        let steps = try ChannelSteps(base: base, codes: stepCodes)
        return RTLSourceLayer(symbols: QuantizedLayerSymbols(name: name, bins: 15, symbols: symbols), step: base, channelSteps: steps)
    }

    private var layers: [RTLSourceLayer] {
        get throws {
            [
                try layer("depthwise-w9", channels: 40, perChannel: 9, base: 0.0021, seed: 41),         // w < 16, w > 4 and 3
                try layer("w1", channels: 50, perChannel: 1, base: 0.013, seed: 42),                  // every lane its own channel
                try layer("w4", channels: 60, perChannel: 4, base: 0.0007, seed: 43),                 // w = P at P = 4
                try layer("w16", channels: 20, perChannel: 16, base: 0.004, seed: 44),                // w = P at P = 16
                try layer("w37-saturating", channels: 12, perChannel: 37, base: 0.05, seed: 45, codes: 150...255),
                try layer("tiny-steps", channels: 30, perChannel: 7, base: 1e-6, seed: 46, codes: 100...255),
                RTLSourceLayer(symbols: QuantizedLayerSymbols(
                    name: "plain", bins: 15, symbols: SyntheticLayers.laplaceSymbols(count: 700, bins: 15, zeroProbability: 0.5, seed: 47)),
                               step: 0.01),
                try layer("constant-w5", channels: 25, perChannel: 5, base: 0.003, seed: 48, constant: 11),
                // Every code (channel c has code c mod 256), on a base whose float product
                // base · 2^(k/32) must be rounded to nearest (not truncated) for code 252's Q0.16 step
                // to come out right; 600 channels: the generator (608 cycles) outlasts the table build.
                try layer("every-code", channels: 600, perChannel: 1, base: Float(bitPattern: 997_984_646), seed: 49, every: true),
            ]
        }
    }

    /// Every symbol and weight equal to the software decoder's (the weight: the level times the Q0.16
    /// code of ``ChannelSteps/step(channel:)``), decode phase equal to the simulator's (per-channel
    /// steps add no decode cycle) and setup to the model's, for P = 4 and 16 (split, replicated
    /// tables) and P = 3 (interleaved, shared).
    func testIcarusReconstructsPerChannelSteps() throws {
        _ = try tool(.iverilog)
        _ = try tool(.vvp)
        let layers = try self.layers
        let output = try temporaryFolder()
        for (layout, sharing, lanes) in [(StreamLayout.split, TableSharing.replicated, 4), (.interleaved, .shared, 3),
                                         (.split, .replicated, 16)] {
            let request = RTLRequest(lanes: [lanes], tableLogs: [8], portBits: 32, layout: layout, sharing: sharing,
                                     testbench: true, simulate: true)
            let result = try RTLFlow.run(request, layers: layers, output: output, technology: nil) { _ in }[0]
            XCTAssertEqual(result.design.channelSteps, RTLChannelStepGeometry(maxChannels: 600, maxWeightsPerChannel: 37))
            XCTAssertTrue(result.design.folderName.hasSuffix("-pc"), result.design.folderName)
            XCTAssertEqual(result.runs.map(\.name), layers.map(\.name))
            XCTAssertGreaterThan(try XCTUnwrap(result.runs.last).rtlSetup, 608, "setup waits for the generator")
            for run in result.runs {
                XCTAssertEqual(run.rtlDecodePhase, run.simulator.decodePhase, "\(layout) P=\(lanes) \(run.name)")
                // The model's decode phase is exact at P ≤ 4 (at P = 16 small layers have start-up
                // transients it averages away, with or without per-channel steps: Results/rtl/README.md).
                if lanes <= 4 || run.constant {
                    XCTAssertEqual(run.rtlDecodePhase, run.model.decodePhase, "\(layout) P=\(lanes) \(run.name)")
                }
                XCTAssertEqual(run.rtlSetup, run.model.setup, "\(layout) P=\(lanes) \(run.name)")
            }
        }
    }

    /// Dependent quantization and per-channel steps in one layer (record kinds 3 and 5): the
    /// state machine's multiples times each channel's step, on a `-dq-pc` decoder.
    func testIcarusCombinesDependentQuantizationAndPerChannelSteps() throws {
        _ = try tool(.iverilog)
        _ = try tool(.vvp)
        var dq = try layer("dq-w9", channels: 60, perChannel: 9, base: 0.0013, seed: 51)
        dq.symbols.dependentQuantization = .eightState
        let layers = [dq, try layer("w3", channels: 100, perChannel: 3, base: 0.02, seed: 52)]
        let request = RTLRequest(lanes: [4], tableLogs: [8], portBits: 32, layout: .split, sharing: .replicated,
                                 testbench: true, simulate: true)
        let result = try RTLFlow.run(request, layers: layers, output: try temporaryFolder(), technology: nil) { _ in }[0]
        XCTAssertEqual(result.design.folderName, "P4-R8-W32-split-replicated-dq-pc")
        for run in result.runs {
            XCTAssertEqual(run.rtlDecodePhase, run.simulator.decodePhase, run.name)
            XCTAssertEqual(run.rtlSetup, run.model.setup, run.name)
        }
    }

    /// The image's expectations are the software decoder's per-channel reconstruction, and the
    /// descriptor carries w, P div w and P mod w; the step region is ⌈(32 + 8C)/W⌉ words.
    func testLayerImageCarriesTheStepRegion() throws {
        let source = try layer("depthwise", channels: 40, perChannel: 9, base: 0.0021, seed: 41)
        let steps = try XCTUnwrap(source.channelSteps)
        let config = try DecoderConfiguration(lanes: 16, tableLog: 8, portBits: 24, clockHz: 1e9)
        let design = try RTLDesign(configuration: config, alphabetSize: 15, escapeUnit: false,
                                   channelSteps: RTLChannelStepGeometry(maxChannels: 40, maxWeightsPerChannel: 9))
        let encoded = try TANSCodec.encode(source.symbols.symbols, alphabetSize: 15, tableLog: 8, lanes: 16)
        let image = try RTLLayerImage(name: "d", encoded: encoded, step: source.step, usedSymbols: source.symbols.usedSymbols,
                                      design: design, channelSteps: steps)
        let reconstructed = steps.dequantize(source.symbols.symbols, maxLevel: 7)
        for (i, weight) in image.expectedWeights.enumerated() {
            let code = Int64((Double(steps.step(channel: i / 9)) * 65536).rounded())
            XCTAssertEqual(weight, Int64(Int(source.symbols.symbols[i]) - 7) * code)
            XCTAssertEqual(Double(weight) / 65536, Double(reconstructed[i]), accuracy: 7.0 / 65536)
        }
        let fields = Array(image.descriptor.suffix(7))
        XCTAssertEqual(Array(fields.prefix(5)), [1, 9, 1, 7, 40])
        XCTAssertEqual(Int(fields[6]), (32 + 8 * 40 + 23) / 24)
        XCTAssertEqual(image.profile.channels, 40)
        // The region's first word holds the base's low 24 bits.
        XCTAssertEqual(image.memory[Int(fields[5])], UInt64(steps.base.bitPattern & 0xFF_FFFF))
        let plainDesign = try RTLDesign(configuration: config, alphabetSize: 15, escapeUnit: false)
        XCTAssertThrowsError(try RTLLayerImage(name: "d", encoded: encoded, step: source.step, usedSymbols: 15,
                                               design: plainDesign, channelSteps: steps)) { error in
            XCTAssertTrue("\(error)".contains("built without them"), "\(error)")
        }
    }

    /// A decoder without per-channel steps is the plain one: the same modules, parameters and
    /// blocks (no `CB=`, no `channel_steps`), and the per-channel forms differ only in the
    /// control, dequantizer and top level, plus the new block and its step banks.
    func testPlainDesignsKeepTheirModules() throws {
        let config = try DecoderConfiguration(lanes: 4, tableLog: 10, portBits: 32, clockHz: 5e8)
        let plain = try RTLDesign(configuration: config, alphabetSize: 15, escapeUnit: true)
        XCTAssertEqual(plain.modules.map(\.source), RTLModule.all.map(\.source))
        XCTAssertFalse(plain.blocksListing.contains("CB="))
        XCTAssertFalse(plain.blocksListing.contains("channel_steps"))
        let pc = try RTLDesign(configuration: config, alphabetSize: 15, escapeUnit: true,
                               channelSteps: RTLChannelStepGeometry(maxChannels: 960, maxWeightsPerChannel: 9))
        let added = [RTLModule.channelSteps.name, RTLModule.stepMemory.name]
        XCTAssertEqual(Set(pc.modules.map(\.name)).subtracting(RTLModule.all.map(\.name)), Set(added))
        let changed = zip(RTLModule.all, pc.modules.filter { !added.contains($0.name) })
            .filter { $0.0.source != $0.1.source }.map(\.0.name)
        XCTAssertEqual(changed, ["sb_dequantizer", "sb_control", "sb_decoder"])
        XCTAssertEqual(pc.blocks.map(\.block),
                       ["state_update", "bit_extractor", "dequantizer", "channel_steps", "table_builder", "port_arbiter",
                        "escape_unit", "control"])
        XCTAssertTrue(pc.blocksListing.contains("channel_steps sb_channel_steps P=4 W=32 AW=24 CB=10 WB=4 DB=8 LB=2 PB=3"),
                      pc.blocksListing)
        XCTAssertEqual(pc.folderName, "P4-R10-W32-split-replicated-pc")
    }
}
