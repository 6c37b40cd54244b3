import Quantization

/// How each layer's learned precision moves during quantization-aware training: samples of the
/// continuous precision `k`, the bins it would export untrimmed (`2·round(k) + 1`) and the bins
/// the weights actually reach at that precision (`2·max|q| + 1`, what export keeps under the
/// `learned` policy), at points of training measured in epochs.
///
/// ```swift
/// qat.traceSamplesPerEpoch = 1              // before training: a sample at every epoch boundary
/// trainer.train(on: trainSet)
/// _ = try qat.export()                      // adds the final sample
/// try qat.precisionTrace.csv.write(to: url, atomically: true, encoding: .utf8)
/// ```
public struct PrecisionTrace: Sendable, Equatable {
    public struct Sample: Sendable, Equatable {
        /// Epochs of training done when sampled (0: before the first step).
        public var epochs: Double
        public var layer: String
        /// The continuous precision `k`.
        public var precision: Double
        /// `2·round(k) + 1`.
        public var bins: Int
        /// `2·max|clamp(round(w/Δ), ±round(k))| + 1`.
        public var usedBins: Int
        /// The step `Δ`.
        public var step: Double
    }

    public private(set) var samples: [Sample] = []

    public init() {}

    /// Samples every layer at `epochs` (a repeated point replaces nothing: callers sample once).
    /// - Complexity: `O(Σ n_l)`.
    public mutating func record(epochs: Double, layers: [(name: String, layer: WeightedLayer, transform: FakeQuantizeTransform)]) {
        for entry in layers {
            let q = entry.transform.quantizer
            let half = (q.exportedBins - 1) / 2
            let inverse = 1 / q.step
            var used = 0
            for v in entry.layer.weight.value.buffer {
                let r = (v * inverse).rounded()
                if r.isNaN { continue }
                used = max(used, Int(min(abs(r), Float(half))))
            }
            samples.append(Sample(epochs: epochs, layer: entry.name, precision: Double(q.precision), bins: q.exportedBins,
                                  usedBins: 2 * used + 1, step: Double(q.step)))
        }
    }

    /// One row per sample: `epoch,layer,precision_k,bins,bins_used,step` (header first).
    public var csv: String {
        var lines = ["epoch,layer,precision_k,bins,bins_used,step"]
        for s in samples {
            lines.append("\(Self.format(s.epochs)),\(s.layer),\(Self.format(s.precision)),\(s.bins),\(s.usedBins),\(Float(s.step))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func format(_ v: Double) -> String {
        let rounded = (v * 1e4).rounded() / 1e4
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
