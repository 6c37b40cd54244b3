import EntropyCoding
import Foundation
import TestSupport
import XCTest
@testable import DecoderHardware

/// Must-show 1 and 2 of the issue: simulated symbols equal the software decoder's, and analytic
/// cycle counts are within 3 % of simulated ones on every layer, over ≥ 50 configurations.
final class ModelValidationTests: XCTestCase {
    /// 5 lane counts × 3 table logs × 2 ports × 2 layouts = 60 configurations.
    static let grid = DecoderSweep.Axes(lanes: [1, 2, 4, 8, 16], tableLogs: [8, 10, 12], portBits: [32, 64],
                                        layouts: [.split, .interleaved])

    private func technology() throws -> Technology {
        try Technology.load(contentsOf: techURL("asic-22nm"))
    }

    /// Checks every point and prints one summary line per model: the total-cycle error, then the
    /// decode-phase error (model vs simulator; the simulator is cycle-exact with the generated RTL,
    /// `Results/rtl/`), worst and median over (layer, configuration) pairs, for layers of at least
    /// ``RTLCycleReport/largeLayer`` weights and for smaller ones. Constant layers (no table; the
    /// same formula in both) are left out of the decode-phase statistics.
    private func check(_ points: [DecoderSweep.Point], model: String) {
        XCTAssertGreaterThanOrEqual(points.count, 50)
        var worst = 0.0
        var large: [(error: Double, at: String, lanes: Int)] = []
        var small: [(error: Double, at: String, lanes: Int)] = []
        for point in points {
            guard let simulation = point.simulation else { return XCTFail("\(model): no simulation") }
            XCTAssertLessThanOrEqual(simulation.maxTotalError, 0.03, "\(model) \(point.configuration.label)")
            worst = max(worst, simulation.maxTotalError)
            for (i, simulated) in simulation.layers.enumerated() where point.profile.layers[i].tableLog > 0 {
                let analytic = point.cost.layers[i].decodePhase
                let error = DecoderSweep.relativeError(analytic, simulated.decodePhase)
                let at = "\(point.configuration.label), \(point.profile.layers[i].name) (\(simulated.symbols) weights): "
                    + "\(analytic) vs \(simulated.decodePhase)"
                if simulated.symbols >= RTLCycleReport.largeLayer {
                    large.append((error, at, point.configuration.lanes))
                    // The bound on the decode phase of layers ≥ 10k weights.
                    XCTAssertLessThanOrEqual(error, 0.03, "\(model): \(at)")
                } else {
                    small.append((error, at, point.configuration.lanes))
                }
            }
        }
        func summary(_ errors: [(error: Double, at: String, lanes: Int)], _ label: String) -> String {
            guard let top = errors.max(by: { $0.error < $1.error }) else { return "\(label): none" }
            let median = RTLCycleReport.median(errors.map(\.error))
            let widest = errors.map(\.lanes).max() ?? 1
            let medianWidest = RTLCycleReport.median(errors.filter { $0.lanes == widest }.map(\.error))
            return "\(label) (\(errors.count) layer runs): worst " + String(format: "%.2f %%", top.error * 100)
                + " (\(top.at)), median " + String(format: "%.2f %%", median * 100)
                + " (P = \(widest) only: " + String(format: "%.2f %%", medianWidest * 100) + ")"
        }
        print("\(model): \(points.count) configurations, max |analytic − simulated| / simulated per layer, total cycles "
              + String(format: "%.3f %%", worst * 100) + "; decode phase: " + summary(large, "layers ≥ 10k weights")
              + "; " + summary(small, "layers < 10k weights"))
    }

    /// Realistic synthetic layers built through the codec: MobileNetV2's layer sizes (every
    /// third tensor, so the test stays in budget), Laplace-distributed symbols with P(0) from
    /// 0.6 to 0.98 and 3 to 255 bins.
    func testAnalyticMatchesSimulationOnSyntheticConvLayers() throws {
        var rng = SplitMix64(seed: 2406_06237)
        let binChoices = [3, 5, 7, 15, 31, 255]
        var layers: [QuantizedLayerSymbols] = []
        for (i, tensor) in SyntheticLayers.mobileNetV2.enumerated() where i % 3 == 0 {
            let bins = binChoices[Int(rng.next() % UInt64(binChoices.count))]
            let p0 = 0.6 + 0.38 * rng.nextUnit()
            let symbols = SyntheticLayers.laplaceSymbols(count: min(tensor.weights, 160_000), bins: bins,
                                                         zeroProbability: p0, seed: rng.next())
            var layer = QuantizedLayerSymbols(name: tensor.name, bins: bins, symbols: symbols)
            // R = 8 must hold every used symbol (the sweep refuses otherwise).
            if layer.usedSymbols > 256 { layer = QuantizedLayerSymbols(name: tensor.name, bins: 15, symbols: symbols.map { min($0, 14) }) }
            layers.append(layer)
        }
        let points = try DecoderSweep.run(layers: layers, axes: Self.grid, technology: technology(), simulate: true)
        check(points, model: "synthetic MobileNetV2-shaped layers")
    }

    /// Real compressed models from `$SUBBIT_DATA` (any `.sbw` under it), when present.
    func testAnalyticMatchesSimulationOnRealModels() throws {
        let root = ProcessInfo.processInfo.environment["SUBBIT_DATA"].map { URL(fileURLWithPath: $0) }
            ?? repositoryRoot.appendingPathComponent(".data")
        func size(_ url: URL) -> Int { (try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0 }
        // The four smallest models keep the test in its time budget however many there are.
        let files = (FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.fileSizeKey])?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "sbw" } ?? [])
            .sorted { (size($0), $0.path) < (size($1), $1.path) }
            .prefix(4)
        if files.isEmpty { throw XCTSkip("no .sbw models under \(root.path); run `subbit compress` first") }
        for file in files {
            let layers = try QuantizedLayerSymbols.load(sbw: file)
            let maxUsed = layers.map(\.usedSymbols).max() ?? 1
            var axes = Self.grid
            axes.tableLogs = axes.tableLogs.filter { 1 << $0 >= maxUsed }
            let points = try DecoderSweep.run(layers: layers, axes: axes, technology: technology(), simulate: true)
            check(points, model: file.lastPathComponent)
        }
    }
}
