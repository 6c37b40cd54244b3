import EntropyCoding
import Foundation
import TestSupport
import XCTest
@testable import DecoderHardware

final class CycleSimulatorTests: XCTestCase {
    private func simulate(_ symbols: [UInt8], bins: Int, tableLog: Int, lanes: Int, portBits: Int,
                          layout: StreamLayout, bufferBits: Int? = nil) throws -> (LayerSimulation, TANSEncoded, DecoderConfiguration) {
        let encoded = try TANSCodec.encode(symbols, alphabetSize: bins, tableLog: tableLog, lanes: lanes,
                                           layout: layout)
        let used = QuantizedLayerSymbols(name: "t", bins: bins, symbols: symbols).usedSymbols
        let layer = SimulatedLayer(name: "t", encoded: encoded, usedSymbols: used)
        let hardwareLog = max(tableLog, layer.escape?.table.tableLog ?? 0)
        let config = try DecoderConfiguration(lanes: lanes, tableLog: hardwareLog, portBits: portBits,
                                              laneBufferBits: bufferBits, clockHz: 1e9, layout: layout)
        return (try CycleSimulator(configuration: config).run(layer), encoded, config)
    }

    /// Property: for random layers, lanes, table logs, ports and layouts, the simulated hardware
    /// outputs exactly the software decoder's symbols.
    func testSymbolsEqualTheSoftwareDecoder() throws {
        var rng = SplitMix64(seed: 0x5EED)
        var escapes = 0
        for trial in 0..<300 {
            let large = trial % 50 == 0
            let n = large ? 20_000 + Int(rng.next() % 20_000) : 1 + Int(rng.next() % 400)
            let bins = [1, 3, 5, 7, 15, 31, 63, 255][Int(rng.next() % 8)]
            let p0 = 0.6 + rng.nextUnit() * 0.38
            let symbols = SyntheticLayers.laplaceSymbols(count: n, bins: bins, zeroProbability: p0, seed: rng.next(),
                                                         channelSize: 1 + Int(rng.next() % 300))
            let tableLog = 5 + Int(rng.next() % 8)
            let lanes = [1, 2, 3, 4, 7, 8, 16, 33][Int(rng.next() % 8)]
            let port = [8, 16, 32, 64][Int(rng.next() % 4)]
            let layout: StreamLayout = rng.next() % 2 == 0 ? .split : .interleaved
            let (result, encoded, config) = try simulate(symbols, bins: bins, tableLog: tableLog, lanes: lanes,
                                                         portBits: port, layout: layout)
            if encoded.escape != nil { escapes += 1 }
            let software = try TANSCodec.decode(encoded)
            XCTAssertEqual(result.symbols, software.map(UInt16.init), "trial \(trial): \(config.label) n=\(n) N=\(bins)")
            XCTAssertEqual(software, symbols)
            XCTAssertEqual(result.cycles.decode, (n + lanes - 1) / lanes)
        }
        XCTAssertGreaterThan(escapes, 0, "no trial exercised the escape path")
    }

    func testTruncatedStreamIsAnErrorNotAHang() throws {
        let symbols = SyntheticLayers.laplaceSymbols(count: 5000, bins: 15, zeroProbability: 0.7, seed: 3)
        for layout in StreamLayout.allCases {
            let encoded = try TANSCodec.encode(symbols, alphabetSize: 15, tableLog: 9, lanes: 4, layout: layout)
            var layer = SimulatedLayer(name: "cut", encoded: encoded, usedSymbols: 15)
            layer.streams[0].bitCount /= 2
            let config = try DecoderConfiguration(lanes: 4, tableLog: 9, portBits: 32, clockHz: 1e9, layout: layout)
            XCTAssertThrowsError(try CycleSimulator(configuration: config).run(layer)) { error in
                XCTAssertTrue("\(error)".contains("cut"), "\(error)")
            }
        }
    }

    func testLayerForAnotherDecoderIsRefused() throws {
        let symbols = SyntheticLayers.laplaceSymbols(count: 500, bins: 7, zeroProbability: 0.8, seed: 4)
        let encoded = try TANSCodec.encode(symbols, alphabetSize: 7, tableLog: 10, lanes: 4)
        let layer = SimulatedLayer(name: "x", encoded: encoded, usedSymbols: 7)
        let fewerLanes = try DecoderConfiguration(lanes: 2, tableLog: 10, portBits: 32, clockHz: 1e9)
        XCTAssertThrowsError(try CycleSimulator(configuration: fewerLanes).run(layer))
        let smallerTable = try DecoderConfiguration(lanes: 4, tableLog: 8, portBits: 32, clockHz: 1e9)
        XCTAssertThrowsError(try CycleSimulator(configuration: smallerTable).run(layer))
        let otherLayout = try DecoderConfiguration(lanes: 4, tableLog: 10, portBits: 32, clockHz: 1e9, layout: .interleaved)
        XCTAssertThrowsError(try CycleSimulator(configuration: otherLayout).run(layer))
    }

    /// A port far wider than the demand never stalls; a port far narrower stalls by the missing
    /// bandwidth — the two regimes of the analytic model, measured.
    func testStallRegimes() throws {
        let symbols = SyntheticLayers.laplaceSymbols(count: 40_000, bins: 15, zeroProbability: 0.6, seed: 5)
        let (wide, _, _) = try simulate(symbols, bins: 15, tableLog: 10, lanes: 2, portBits: 64, layout: .split)
        XCTAssertEqual(wide.cycles.stalls, 0)
        let (narrow, encoded, _) = try simulate(symbols, bins: 15, tableLog: 10, lanes: 16, portBits: 8, layout: .split)
        let words = encoded.laneStreams.reduce(0) { $0 + ($1.bitCount + 7) / 8 }
        XCTAssertEqual(narrow.cycles.words, words)
        XCTAssertGreaterThanOrEqual(narrow.cycles.decodePhase, words - 16)
    }
}
