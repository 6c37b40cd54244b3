import EntropyCoding
import Foundation
import TestSupport
import XCTest
@testable import DecoderHardware

/// Fixed-width layers decode through the bypass (``LayerProfile/bypassBits``): the cycle
/// simulator outputs the fixed-width decoder's symbols; the analytic model's setup, words and
/// decode cycles equal the simulator's and its decode phase is within the bound
/// ``ModelValidationTests`` holds tANS layers to (3 %, here also ±2 cycles for small layers) on
/// the ports and memory latency that validation covers; such layers build and read no table.
final class BypassLayerTests: XCTestCase {
    func testSimulatorDecodesFixedWidthAndTheModelAgrees() throws {
        var rng = SplitMix64(seed: 0xB1A5)
        for trial in 0..<200 {
            let bins = [3, 5, 17, 31, 255][Int(rng.next() % 5)]
            let n = trial % 20 == 0 ? 10_000 + Int(rng.next() % 20_000) : 1 + Int(rng.next() % 3000)
            let symbols = (0..<n).map { _ in UInt8(rng.next() % UInt64(bins)) }
            let encoded = try FixedWidthCodec.encode(symbols, alphabetSize: bins)
            let lanes = [1, 2, 3, 4, 8, 16][Int(rng.next() % 6)]
            let port = [32, 64][Int(rng.next() % 2)]
            let latency = 1
            let layout: StreamLayout = rng.next() % 2 == 0 ? .split : .interleaved
            let config = try DecoderConfiguration(lanes: lanes, tableLog: 10, portBits: port, clockHz: 1e9, layout: layout,
                                                  memoryReadLatency: latency)
            let layer = SimulatedLayer(name: "fixed", fixedWidth: encoded, lanes: lanes, usedSymbols: Set(symbols).count)
            let simulated = try CycleSimulator(configuration: config).run(layer)
            let label = "trial \(trial): \(config.label) latency \(latency) n=\(n) N=\(bins)"
            XCTAssertEqual(simulated.symbols, symbols.map(UInt16.init), label)
            let profile = LayerProfile(name: "fixed", coded: .fixedWidth(encoded), usedSymbols: Set(symbols).count, lanes: lanes)!
            XCTAssertEqual(profile, layer.profile, label)
            XCTAssertEqual(profile.bypassBits, FixedWidthCodec.bitsPerSymbol(alphabetSize: bins))
            let model = DecoderCostModel.cycles(layer: profile, config: config)
            XCTAssertEqual(model.setup, simulated.cycles.setup, label)
            XCTAssertEqual(model.words, simulated.cycles.words, label)
            XCTAssertEqual(model.decode, simulated.cycles.decode, label)
            let error = abs(model.decodePhase - simulated.cycles.decodePhase)
            XCTAssertTrue(error <= 2 || Double(error) <= 0.03 * Double(simulated.cycles.decodePhase),
                          "\(label): \(model.decodePhase) vs \(simulated.cycles.decodePhase)")
            // Stored: the header (width, step, the first group) and the stream's words.
            XCTAssertEqual(DecoderCostModel.headerBits(layer: profile, config: config),
                           8 + DecoderCostModel.stepBits + min(n, lanes) * profile.bypassBits, label)
        }
    }

    func testBypassLayersBuildAndReadNoTable() throws {
        let tech = try Technology.load(contentsOf: techURL("asic-22nm"))
        let config = try DecoderConfiguration(lanes: 4, tableLog: 10, portBits: 32, clockHz: 1e9)
        let symbols = (0..<4000).map { UInt8($0 % 17) }
        let tansLayer = LayerProfile(name: "t", encoded: try TANSCodec.encode(symbols, alphabetSize: 17, tableLog: 10, lanes: 4),
                                     usedSymbols: 17)
        let fixedLayer = LayerProfile(name: "f", coded: .fixedWidth(try FixedWidthCodec.encode(symbols, alphabetSize: 17)),
                                      usedSymbols: 17, lanes: 4)!
        XCTAssertEqual(DecoderCostModel.tableBuildCycles(alphabetSize: 17, tableLog: fixedLayer.tableLog, escapeTableLog: 0,
                                                         config: config), 0)
        let model = DecoderCostModel(technology: tech)
        let withTable = try model.evaluate(config, layers: [tansLayer])
        let both = try model.evaluate(config, layers: [tansLayer, fixedLayer])
        guard let e1 = withTable.energy, let e2 = both.energy else { return XCTFail("ASIC energy expected") }
        // Per weight, the table energy halves: the bypass layer's 4 000 weights read nothing.
        XCTAssertEqual(e2.decodeTables * 2, e1.decodeTables, accuracy: 1e-9 * e1.decodeTables)
        // The bypass select adds P × ⌈log₂ N⌉ muxes to the extractors' area.
        guard let a1 = withTable.area, let a2 = both.area else { return XCTFail("ASIC area expected") }
        XCTAssertGreaterThan(a2.bitExtractors, a1.bitExtractors)
    }

    /// `subbit decoder --layer-form smallest`: each configuration stores each layer in its smallest
    /// form (here one fixed-width layer, one smaller-table layer, one at R), the simulator decodes
    /// them all, and the model's decode phase equals the simulator's in every layer.
    func testSweepWithSmallestFormsSimulatesEveryLayer() throws {
        var rng = SplitMix64(seed: 7)
        let spread: [UInt8] = [3, 200, 17, 90, 254, 0, 41, 133, 77, 180, 9, 222]
        let small = (0..<150).map { _ in UInt8(9 + Int(rng.next() % 3) - 1) }
        let large = (0..<40_000).map { _ in UInt8(rng.nextUnit() < 0.7 ? 7 : Int(rng.next() % 15)) }
        let layers = [QuantizedLayerSymbols(name: "spread", bins: 255, symbols: spread),
                      QuantizedLayerSymbols(name: "small", bins: 19, symbols: small),
                      QuantizedLayerSymbols(name: "large", bins: 15, symbols: large)]
        var axes = DecoderSweep.Axes(lanes: [1, 4], tableLogs: [10], portBits: [32], layouts: [.split, .interleaved])
        axes.layerForm = .smallest
        let tech = try Technology.load(contentsOf: techURL("asic-22nm"))
        let points = try DecoderSweep.run(layers: layers, axes: axes, technology: tech, simulate: true)
        XCTAssertEqual(points.count, 4)
        for point in points {
            let profile = point.profile.layers
            XCTAssertGreaterThan(profile[0].bypassBits, 0, "the spread layer is stored fixed-width")
            XCTAssertTrue(profile[1].tableLog > 0 && profile[1].tableLog < 10, "the small layer takes a smaller table")
            guard let simulation = point.simulation else { return XCTFail("simulated") }
            for (analytic, simulated) in zip(point.cost.layers, simulation.layers) {
                let error = abs(analytic.decodePhase - simulated.decodePhase)
                XCTAssertTrue(error <= 2 || Double(error) <= 0.03 * Double(simulated.decodePhase),
                              "\(point.configuration.label): \(analytic.decodePhase) vs \(simulated.decodePhase)")
            }
        }
    }
}
