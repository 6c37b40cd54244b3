import EntropyCoding
import Foundation
import SeededRandom

/// Speed of the analytic model: how many configuration × model evaluations it does per second
/// (the target is ≥ 10⁵). Used by `subbit bench decoder`.
///
/// ```swift
/// let result = try DecoderBenchmark.run(technology: tech, minimumSeconds: 1)
/// print(result.evaluationsPerSecond)
/// ```
public enum DecoderBenchmark {
    public struct Result: Sendable {
        /// Model evaluations (one configuration over every layer of the model).
        public var evaluations: Int
        public var seconds: Double
        /// Layers per evaluated model.
        public var layersPerModel: Int
        public var evaluationsPerSecond: Double { Double(evaluations) / seconds }
        public var layerEvaluationsPerSecond: Double { evaluationsPerSecond * Double(layersPerModel) }
    }

    /// Evaluates a 5 lanes × 3 table logs × 2 ports × 2 sharings × 2 layouts grid on a
    /// MobileNetV2-shaped model (53 layers, 3.5 M weights, 0.3–2 coded bits per weight) until at
    /// least `minimumSeconds` have passed. Configurations and ``ModelProfile``s are built outside
    /// the timed loop; each evaluation includes validation, the per-layer cycles and every output
    /// (area, energy, memory, net area).
    public static func run(technology: Technology, minimumSeconds: Double) throws -> Result {
        var rng = SplitMix64(seed: 7)
        let lanes = [1, 2, 4, 8, 16]
        var models: [Int: ModelProfile] = [:]
        let bitsPerWeight = SyntheticLayers.mobileNetV2.map { _ in 0.3 + 1.7 * rng.nextUnit() }
        for p in lanes {
            models[p] = ModelProfile(zip(SyntheticLayers.mobileNetV2, bitsPerWeight).map { tensor, bpw in
                let total = Int(Double(tensor.weights) * bpw)
                let bits = (0..<p).map { total / p + ($0 < total % p ? 1 : 0) }
                return LayerProfile(name: tensor.name, symbolCount: tensor.weights, alphabetSize: 15,
                                    usedSymbols: 15, tableLog: 8, laneBits: bits)
            })
        }
        var configs: [DecoderConfiguration] = []
        for p in lanes {
            for r in [8, 10, 12] {
                for w in [32, 64] {
                    for sharing in TableSharing.allCases {
                        for layout in StreamLayout.allCases {
                            configs.append(try DecoderConfiguration(lanes: p, tableLog: r, sharing: sharing, portBits: w,
                                                                    clockHz: technology.clockHz, layout: layout))
                        }
                    }
                }
            }
        }
        let model = DecoderCostModel(technology: technology)
        var evaluations = 0
        var checksum = 0.0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            for config in configs {
                let cost = try model.evaluate(config, model: models[config.lanes]!)
                checksum += Double(cost.totalCycles) + (cost.area?.total ?? 0)
                evaluations += 1
            }
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < minimumSeconds
        // Keep the work observable so the optimizer cannot drop it.
        precondition(checksum > 0, "the benchmark computed nothing")
        return Result(evaluations: evaluations, seconds: elapsed, layersPerModel: SyntheticLayers.mobileNetV2.count)
    }
}
