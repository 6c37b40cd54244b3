import EntropyCoding
import Foundation
import TestSupport
import XCTest
@testable import DecoderHardware

/// The cycle simulator on layers of split levels (more than 255 bins): the fine-bit stream is one
/// more stream on the port, read (lanes in the group)·s bits per group. The simulated levels equal
/// the software decoder's bit-exactly, and the analytic cycles agree with the simulated ones
/// within the bounds ``ModelValidationTests`` holds ordinary layers to (3 % on total cycles per
/// layer, 3 % on the decode phase of layers of ≥ 10k weights).
final class SplitLevelsSimulationTests: XCTestCase {
    /// Levels `u ∈ [0, bins)` around the middle (a rounded normal of width `spread` bins), split
    /// at `s` fine bits into a layer as `subbit decoder` loads it from a record.
    private func splitLayer(name: String, count: Int, fineBits s: Int, bins: Int, spread: Double,
                            seed: UInt64) throws -> (layer: QuantizedLayerSymbols, levels: [UInt16]) {
        var rng = SplitMix64(seed: seed)
        let middle = Double(bins / 2)
        let levels = (0..<count).map { _ in
            UInt16(max(0, min(bins - 1, Int((middle + rng.normal() * spread).rounded()))))
        }
        return try splitLayer(name: name, levels: levels, fineBits: s, bins: bins)
    }

    /// `levels` split at `s` fine bits.
    private func splitLayer(name: String, levels: [UInt16], fineBits s: Int,
                            bins: Int) throws -> (layer: QuantizedLayerSymbols, levels: [UInt16]) {
        let coarse = levels.map { UInt8($0 >> UInt16(s)) }
        let fine = try SplitLevels(fineBits: s, values: levels.map { UInt8($0 & UInt16((1 << s) - 1)) })
        var layer = QuantizedLayerSymbols(name: name, bins: SplitLevels.coarseBins(bins: bins, fineBits: s), symbols: coarse)
        layer.fineBits = s
        layer.splitLevels = (fine, bins)
        return (layer, levels)
    }

    /// Bins whose split needs exactly `s` fine bits when `s` ≤ 4 (the container's rule), else
    /// an odd count with 2^(s+6) levels' worth of coarse symbols.
    private func bins(fineBits s: Int) -> Int {
        s <= 4 ? (254 << s) + 1 : (1 << (s + 6)) - 1
    }

    /// s = 1…8, lanes 1/4/16, split and interleaved, W = 32/64, read latency 0/1/3: every point
    /// decodes the levels bit-exactly (the sweep compares them with the software decoder's and
    /// throws otherwise), fetches the model's words, and the model's cycles agree with the
    /// simulator's within 3 % — except the split layout at read latency λ ≥ 1, where the model's
    /// gap is not the fine stream's: there its 2W lane buffers do not cover the latency when the
    /// port is near saturation, and an ordinary layer (no fine bits) shows the same gap, larger
    /// (the coarse symbols alone are run beside as the baseline). Those points are held to the
    /// gap measured here and reported.
    func testSplitLayersDecodeBitExactlyAndMatchTheModel() throws {
        let technology = try Technology.load(contentsOf: techURL("asic-22nm"))
        var worst = (error: 0.0, at: "")
        var worstLatent = (error: 0.0, at: "")
        var worstBaseline = (error: 0.0, at: "")
        var runs = 0
        for s in [1, 2, 3, 4, 5, 8] {
            let n = bins(fineBits: s)
            let large = try splitLayer(name: "large", count: 40_000, fineBits: s, bins: n, spread: Double(n) / 12, seed: UInt64(s))
            let narrow = try splitLayer(name: "narrow", count: 12_000, fineBits: s, bins: n, spread: Double(1 << s) * 3,
                                        seed: UInt64(s) + 100)
            let small = try splitLayer(name: "small", count: 777, fineBits: s, bins: n, spread: Double(n) / 20, seed: UInt64(s) + 200)
            // One coarse symbol: a constant layer whose fine stream still carries every level.
            var rng = SplitMix64(seed: UInt64(s) + 300)
            let constant = try splitLayer(name: "constant", levels: (0..<3_001).map { _ in UInt16((n >> s) / 2 << s) | UInt16(rng.next() % (1 << s)) },
                                          fineBits: s, bins: n)
            XCTAssertEqual(constant.layer.usedSymbols, 1)
            let layers = [large.layer, narrow.layer, small.layer, constant.layer]
            XCTAssertEqual(large.layer.levels, large.levels, "the reference is the container's join")
            let coarseOnly = layers.map { QuantizedLayerSymbols(name: $0.name, bins: $0.bins, symbols: $0.symbols) }
            for latency in [0, 1, 3] {
                var axes = DecoderSweep.Axes(lanes: [1, 4, 16], tableLogs: [9], portBits: [32, 64], layouts: [.split, .interleaved])
                axes.memoryReadLatency = latency
                let points = try DecoderSweep.run(layers: layers, axes: axes, technology: technology, simulate: true)
                let baseline = try DecoderSweep.run(layers: coarseOnly, axes: axes, technology: technology, simulate: true)
                XCTAssertEqual(points.count, 12)
                for (point, plain) in zip(points, baseline) {
                    guard let simulation = point.simulation, let plainSimulation = plain.simulation else {
                        return XCTFail("no simulation")
                    }
                    let label = "s=\(s) λ=\(latency) \(point.configuration.label)"
                    let latent = point.configuration.layout == .split && latency > 0
                    for (i, simulated) in simulation.layers.enumerated() {
                        XCTAssertEqual(simulated.words, point.cost.layers[i].words, "\(label) \(layers[i].name)")
                        runs += 1
                        let analytic = point.cost.layers[i]
                        // The simulator builds every table in setup: the single-buffered total.
                        var error = DecoderSweep.relativeError(analytic.total + analytic.hiddenSetup, simulated.total)
                        var at = "\(label) \(layers[i].name) total: \(analytic.total) vs \(simulated.total)"
                        if simulated.symbols >= RTLCycleReport.largeLayer {
                            let phase = DecoderSweep.relativeError(analytic.decodePhase, simulated.decodePhase)
                            if phase > error {
                                error = phase
                                at = "\(label) \(layers[i].name) decode phase: \(analytic.decodePhase) vs \(simulated.decodePhase)"
                            }
                        }
                        if latent {
                            XCTAssertLessThanOrEqual(error, 0.25, at)
                            if error > worstLatent.error { worstLatent = (error, at) }
                            let plainLayer = plain.cost.layers[i], plainSimulated = plainSimulation.layers[i]
                            var plainError = DecoderSweep.relativeError(plainLayer.total + plainLayer.hiddenSetup,
                                                                        plainSimulated.total)
                            if plainSimulated.symbols >= RTLCycleReport.largeLayer {
                                plainError = max(plainError, DecoderSweep.relativeError(plainLayer.decodePhase,
                                                                                        plainSimulated.decodePhase))
                            }
                            if plainError > worstBaseline.error {
                                worstBaseline = (plainError, "\(label) \(layers[i].name) coarse only: decode phase "
                                                 + "\(plainLayer.decodePhase) vs \(plainSimulated.decodePhase)")
                            }
                        } else {
                            XCTAssertLessThanOrEqual(error, 0.03, at)
                            if error > worst.error { worst = (error, at) }
                        }
                    }
                }
            }
        }
        func percent(_ x: Double) -> String { String(format: "%.2f %%", x * 100) }
        print("split levels: \(runs) layer runs; worst |analytic − simulated| / simulated (total, and decode phase of "
              + "layers ≥ 10k weights): interleaved, and split at λ = 0: \(percent(worst.error)) (\(worst.at)); "
              + "split at λ ≥ 1: \(percent(worstLatent.error)) (\(worstLatent.at)), the same layers' coarse symbols "
              + "alone: \(percent(worstBaseline.error)) (\(worstBaseline.at))")
    }

    /// The bypass (fixed-width) form of a split layer reads its fine stream too.
    func testSmallestFormsWithFineStream() throws {
        let technology = try Technology.load(contentsOf: techURL("asic-22nm"))
        var rng = SplitMix64(seed: 9)
        let n = bins(fineBits: 2)
        let wide = try splitLayer(name: "wide", levels: (0..<20_000).map { _ in UInt16(rng.next() % UInt64(n)) },
                                  fineBits: 2, bins: n)
        var axes = DecoderSweep.Axes(lanes: [1, 4, 16], tableLogs: [8], portBits: [32, 64], layouts: [.split, .interleaved])
        axes.layerForm = .smallest
        let points = try DecoderSweep.run(layers: [wide.layer], axes: axes, technology: technology, simulate: true)
        XCTAssertTrue(points.contains { $0.profile.layers[0].bypassBits > 0 }, "no point stored the layer fixed-width")
        for point in points {
            XCTAssertLessThanOrEqual(point.simulation?.maxTotalError ?? 1, 0.03, point.configuration.label)
        }
    }

    /// Random split layers straight through the simulator (lanes and ports the sweep does not
    /// take, escapes included): the levels equal the container's join of the software decoder's
    /// coarse symbols and the fine values.
    func testLevelsEqualTheSoftwareDecoder() throws {
        var rng = SplitMix64(seed: 0xF1_4E)
        var escapes = 0
        for trial in 0..<120 {
            let s = 1 + Int(rng.next() % 8)
            let count = 1 + Int(rng.next() % 3_000)
            let n = bins(fineBits: s)
            let (layer, levels) = try splitLayer(name: "t", count: count, fineBits: s, bins: n,
                                                 spread: Double(n) * (0.001 + rng.nextUnit() * 0.1), seed: rng.next())
            let tableLog = 5 + Int(rng.next() % 7)
            let lanes = [1, 2, 3, 4, 7, 16, 33][Int(rng.next() % 7)]
            let port = [8, 16, 32, 64][Int(rng.next() % 4)]
            let layout: StreamLayout = rng.next() % 2 == 0 ? .split : .interleaved
            let encoded = try TANSCodec.encode(layer.symbols, alphabetSize: layer.bins, tableLog: tableLog, lanes: lanes,
                                               layout: layout)
            if encoded.escape != nil { escapes += 1 }
            var hardware = SimulatedLayer(name: "t", encoded: encoded, usedSymbols: layer.usedSymbols)
            hardware.fine = SimulatedFineStream(layer.splitLevels!.fine, bins: n)
            let config = try DecoderConfiguration(lanes: lanes, tableLog: max(tableLog, hardware.escape?.table.tableLog ?? 0),
                                                  portBits: port, clockHz: 1e9, layout: layout,
                                                  memoryReadLatency: Int(rng.next() % 4))
            let result = try CycleSimulator(configuration: config).run(hardware)
            XCTAssertEqual(result.symbols, levels, "trial \(trial): \(config.label) s=\(s) n=\(count)")
            XCTAssertEqual(result.cycles.words, DecoderCostModel.cycles(layer: hardware.profile, config: config).words)
        }
        XCTAssertGreaterThan(escapes, 0, "no trial exercised the escape path")
    }

    /// A fine stream shorter or longer than n·s bits, one naming a level beyond the bins, or a
    /// fine-bit count outside 1…8 is a ``SimulationError``, not a crash or a hang.
    func testCorruptFineStreamIsAnError() throws {
        let n = bins(fineBits: 2)
        let (layer, levels) = try splitLayer(name: "cut", count: 5_000, fineBits: 2, bins: n, spread: 80, seed: 7)
        for layout in StreamLayout.allCases {
            let encoded = try TANSCodec.encode(layer.symbols, alphabetSize: layer.bins, tableLog: 9, lanes: 4, layout: layout)
            var hardware = SimulatedLayer(name: "cut", encoded: encoded, usedSymbols: layer.usedSymbols)
            hardware.fine = SimulatedFineStream(layer.splitLevels!.fine, bins: n)
            let config = try DecoderConfiguration(lanes: 4, tableLog: 9, portBits: 32, clockHz: 1e9, layout: layout)
            let simulator = CycleSimulator(configuration: config)
            XCTAssertEqual(try simulator.run(hardware).symbols, levels)

            func refused(_ change: (inout SimulatedLayer) -> Void, _ what: String,
                         _ check: (SimulationError) -> Bool) {
                var bad = hardware
                change(&bad)
                XCTAssertThrowsError(try simulator.run(bad), what) { error in
                    guard let error = error as? SimulationError else { return XCTFail("\(what): \(error)") }
                    XCTAssertTrue(check(error), "\(what): \(error)")
                    XCTAssertTrue("\(error)".contains("cut"), "\(error)")
                }
            }
            refused({ $0.fine!.stream.bitCount /= 2 }, "truncated") {
                if case .starved = $0 { return true } else { return false }
            }
            refused({ $0.fine!.stream.bitCount = 0 }, "empty") {
                if case .starved = $0 { return true } else { return false }
            }
            refused({ $0.fine!.stream.bitCount += 3 }, "too long") { $0 == .leftoverBits(layer: "cut") }
            let top = Int(levels.max()!)
            refused({ $0.fine!.bins = top }, "level beyond the bins") { $0 == .levelOutOfRange(layer: "cut", level: top, bins: top) }
            refused({ $0.fine!.fineBits = 9 }, "nine fine bits") { $0 == .badFineBits(layer: "cut", fineBits: 9) }
            refused({ $0.fine!.fineBits = 0 }, "no fine bits") { $0 == .badFineBits(layer: "cut", fineBits: 0) }
        }
    }
}
