import EntropyCoding
import Foundation
import SeededRandom

/// Realistic stand-ins for compressed layers, for benchmarks and for tests that must not depend
/// on downloaded models: real layer sizes and Laplace-distributed quantized weights.
///
/// ```swift
/// let symbols = SyntheticLayers.laplaceSymbols(count: 864, bins: 15, zeroProbability: 0.9, seed: 1)
/// ```
public enum SyntheticLayers {
    /// The weight tensors of torchvision's MobileNetV2 (width 1.0, 1000 classes), in order:
    /// stem 3×3 conv, then per inverted-residual block (t, c, n, s) of the paper's Table 2 an
    /// optional 1×1 expansion, a 3×3 depthwise and a 1×1 projection, then the 1×1 head conv and
    /// the classifier: 3.50 M weights in 53 tensors (biases and batch-norm excluded).
    public static let mobileNetV2: [(name: String, weights: Int)] = {
        var layers: [(String, Int)] = [("features.0.conv", 3 * 32 * 9)]
        let blocks: [(t: Int, c: Int, n: Int)] = [(1, 16, 1), (6, 24, 2), (6, 32, 3), (6, 64, 4),
                                                  (6, 96, 3), (6, 160, 3), (6, 320, 1)]
        var input = 32
        var index = 1
        for block in blocks {
            for _ in 0..<block.n {
                let hidden = input * block.t
                if block.t != 1 { layers.append(("features.\(index).expand", input * hidden)) }
                layers.append(("features.\(index).depthwise", hidden * 9))
                layers.append(("features.\(index).project", hidden * block.c))
                input = block.c
                index += 1
            }
        }
        layers.append(("features.\(index).conv", input * 1280))
        layers.append(("classifier", 1280 * 1000))
        return layers
    }()

    /// `count` symbols of a zero-point quantizer with `bins` = 2K+1 levels whose level q has
    /// probability ∝ θ^|q| (a discretized Laplace, the usual shape of trained weights), θ chosen
    /// so that P(q = 0) = `zeroProbability`. Symbol = q + K. Deterministic in `seed`.
    ///
    /// Real layers are not stationary: successive output channels (`channelSize` weights each)
    /// get their own zero probability, drawn uniformly within ±`channelSpread` of the target.
    static func laplaceSymbols(count: Int, bins: Int, zeroProbability: Double, seed: UInt64,
                                      channelSize: Int = 288, channelSpread: Double = 0.05) -> [UInt8] {
        precondition(BinCount.isValid(bins), "bins must be odd, 1…\(BinCount.maximum)")
        precondition(zeroProbability > 0 && zeroProbability < 1, "zeroProbability must be in (0, 1)")
        let k = bins / 2
        var rng = SplitMix64(seed: seed)
        var symbols = [UInt8](repeating: UInt8(k), count: count)
        if k == 0 { return symbols }
        var cdf = [Double](repeating: 0, count: bins)
        var start = 0
        while start < count {
            let end = min(count, start + max(1, channelSize))
            let jitter = (rng.nextUnit() * 2 - 1) * channelSpread
            let p0 = min(0.995, max(1.0 / Double(bins) + 1e-3, zeroProbability + jitter))
            let theta = Self.theta(zeroProbability: p0, k: k)
            var total = 0.0
            for s in 0..<bins {
                total += pow(theta, Double(abs(s - k)))
                cdf[s] = total
            }
            for i in start..<end {
                let u = rng.nextUnit() * total
                var s = 0
                while s < bins - 1 && cdf[s] < u { s += 1 }
                symbols[i] = UInt8(s)
            }
            start = end
        }
        return symbols
    }

    /// θ ∈ (0, 1] with 1 / (1 + 2 Σ_{q=1…K} θ^q) = p0, by bisection (the left side falls with θ).
    static func theta(zeroProbability p0: Double, k: Int) -> Double {
        var low = 0.0
        var high = 1.0
        for _ in 0..<60 {
            let mid = (low + high) / 2
            var sum = 1.0
            var power = 1.0
            for _ in 0..<k {
                power *= mid
                sum += 2 * power
            }
            if 1 / sum > p0 { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }
}
