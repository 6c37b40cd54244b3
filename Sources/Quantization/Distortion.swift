#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Quantization error of a tensor: squared error, signal energy and SQNR.
///
/// ```swift
/// let q = try ZeroPointQuantizer(bins: 3, step: 1)
/// let d = Distortion(weights: [0.2, -1.1, 3], quantizer: q)
/// d.squaredError   // 0.04 + 0.01 + 4 = 4.05
/// d.sqnrDecibels   // 10·log10(10.25 / 4.05)
/// ```
public struct Distortion: Hashable, Sendable {
    /// `Σ (w − ŵ)²`.
    var squaredError: Double
    /// `Σ w²`.
    var signalEnergy: Double
    /// Number of weights.
    public var count: Int

    public init(squaredError: Double, signalEnergy: Double, count: Int) {
        self.squaredError = squaredError
        self.signalEnergy = signalEnergy
        self.count = count
    }

    /// Measures the error of quantizing `weights` with `quantizer`.
    public init(weights: [Float], quantizer: ZeroPointQuantizer) {
        var sse = 0.0, energy = 0.0
        weights.withUnsafeBufferPointer { w in
            for x in w {
                let level = quantizer.level(for: x)
                var e = Double(x - Float(level) * quantizer.step)
                // Float overflow (level·Δ beyond Float's range) falls back to Double arithmetic.
                if !e.isFinite { e = Double(x) - Double(level) * Double(quantizer.step) }
                sse += e * e
                energy += Double(x) * Double(x)
            }
        }
        self.init(squaredError: sse, signalEnergy: energy, count: weights.count)
    }

    /// Measures the error of the levels `symbols` (`q + K`, one per weight) of `quantizer`, with
    /// the arithmetic of ``init(weights:quantizer:)``: the same value bit for bit when the
    /// symbols are nearest rounding, and the true error of any other levels (RDOQ's).
    ///
    /// ```swift
    /// let q = try ZeroPointQuantizer(bins: 3, step: 1)
    /// Distortion(weights: [0.6], symbols: [1], quantizer: q).squaredError   // 0.36 (level 0)
    /// ```
    /// - Complexity: O(n).
    public init(weights: [Float], symbols: [UInt8], quantizer: ZeroPointQuantizer) {
        precondition(weights.count == symbols.count, "one symbol per weight")
        var sse = 0.0, energy = 0.0
        let k = quantizer.maxLevel
        weights.withUnsafeBufferPointer { w in
            symbols.withUnsafeBufferPointer { s in
                for i in w.indices {
                    let x = w[i]
                    let level = Int(s[i]) &- k
                    var e = Double(x - Float(level) * quantizer.step)
                    if !e.isFinite { e = Double(x) - Double(level) * Double(quantizer.step) }
                    sse += e * e
                    energy += Double(x) * Double(x)
                }
            }
        }
        self.init(squaredError: sse, signalEnergy: energy, count: weights.count)
    }

    /// Measures the error of any reconstruction (one value per weight), e.g. dependent
    /// quantization's (``DQStateMachine``), in `Double`.
    ///
    /// ```swift
    /// Distortion(weights: [0.6, -1], reconstruction: [0.5, -1]).squaredError   // 0.01
    /// ```
    /// - Complexity: O(n).
    public init(weights: [Float], reconstruction: [Float]) {
        precondition(weights.count == reconstruction.count, "one reconstructed value per weight")
        var sse = 0.0, energy = 0.0
        for i in weights.indices {
            let x = Double(weights[i]), e = x - Double(reconstruction[i])
            sse += e * e
            energy += x * x
        }
        self.init(squaredError: sse, signalEnergy: energy, count: weights.count)
    }

    /// Mean squared error per weight (0 for an empty tensor).
    var meanSquaredError: Double { count == 0 ? 0 : squaredError / Double(count) }

    /// Signal-to-quantization-noise ratio `10·log10(Σw² / Σ(w − ŵ)²)` in dB; `+∞` when
    /// the reconstruction is exact.
    public var sqnrDecibels: Double {
        if squaredError == 0 { return .infinity }
        if signalEnergy == 0 { return -.infinity }
        return 10 * log10(signalEnergy / squaredError)
    }

    /// Sum of two tensors' distortions (a model total).
    public static func + (a: Distortion, b: Distortion) -> Distortion {
        Distortion(squaredError: a.squaredError + b.squaredError,
                   signalEnergy: a.signalEnergy + b.signalEnergy, count: a.count + b.count)
    }
}

extension QuantizedModel {
    /// The quantized layer with the lowest SQNR against the float weights it stands for
    /// (`floats(name)`: the pretrained weights, or the latent weights of quantization-aware
    /// training), or nil when no layer's floats are known. A layer pruned to one bin has 0 dB;
    /// `runs.csv` reports this as `min_layer_sqnr_db`, and the tables flag a model under the
    /// floor of `Plotting.OperatingPoint.degenerateSQNRFloor`.
    ///
    /// ```swift
    /// let worst = model.lowestLayerSQNR { name in file.tensors[name].flatMap { try? $0.floats() } }
    /// ```
    ///
    /// - Complexity: O(number of quantized weights).
    public func lowestLayerSQNR(floats: (String) -> [Float]?) -> (layer: String, decibels: Double)? {
        var worst: (layer: String, decibels: Double)?
        for tensor in quantized {
            guard let w = floats(tensor.name), w.count == tensor.symbols.count else { continue }
            let q = tensor.dequantized()
            var error = 0.0, energy = 0.0
            for i in w.indices {
                let (x, d) = (Double(w[i]), Double(w[i]) - Double(q[i]))
                energy += x * x
                error += d * d
            }
            let db = Distortion(squaredError: error, signalEnergy: energy, count: w.count).sqnrDecibels
            if worst == nil || db < worst!.decibels { worst = (tensor.name, db) }
        }
        return worst
    }
}
