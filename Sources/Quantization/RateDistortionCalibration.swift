import EntropyCoding
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rate–distortion calibration: per layer, the step `Δ` and bin count `N` minimizing
///
///     J = Σ (w − ŵ)² + μ · bits,
///
/// with `bits` from a `RateModel` (the tANS coded size, header included). Because the model
/// total `Σ_l J_l` separates over layers, minimizing each layer's `J` gives the model's
/// Lagrangian optimum: one knob μ (squared-weight units per bit) traces a curve of operating
/// points, from near-lossless (μ → 0) to everything pruned (μ → ∞).
///
/// **Search.** With an entropy coder, extra outer bins cost almost nothing, so for a step
/// `Δ` the natural bin count is the smallest that clips nothing,
/// `N(Δ) = min(maxBins, 2·round(max|w|/Δ) + 1)`. The search evaluates `J` on `gridPoints`
/// log-spaced steps over `[max|w|/508, 2·max|w|]` (the low end clips at 255 bins; the high end
/// rounds everything to zero), plus `N = 1` (prune), refines the best step by golden section
/// between its grid neighbours, and finally tries clipping (`N − 2`, `N − 4`, … while `J`
/// improves). Each evaluation is one pass over the weights (histogram and squared error
/// together) plus one `RateModel` call.
///
/// ```swift
/// let rd = try RateDistortionCalibration(rateWeight: 1e-4, rate: .entropy)
/// let layer = rd.calibrate(weights: w)
/// layer.quantizer.bins, layer.quantizer.step, layer.bits, layer.distortion.sqnrDecibels
/// ```
public struct RateDistortionCalibration: Sendable {
    /// μ ≥ 0.
    public let rateWeight: Double
    /// The coded-size model.
    public let rate: RateModel
    /// Grid size of the step search.
    let gridPoints: Int
    /// Golden-section iterations after the grid.
    let refinements: Int
    /// The most bins any layer may get (odd, 1…4095): 255 lets μ alone decide among byte
    /// symbols; above 255 a layer may get split levels (``SplitLevels``: its rate is the coarse
    /// symbols' bits plus `s` raw bits per weight); 3 searches ternary quantizers only (the step
    /// still trades zeros against error).
    public let maxBins: Int
    /// What the distortion term measures.
    public let measure: Measure

    /// The distortion term of `J`.
    public enum Measure: String, Hashable, Sendable, CaseIterable {
        /// `Σ (w − ŵ)²`, in squared-weight units: one μ for the whole model is its Lagrangian
        /// optimum in weight space, which spends bits on large-magnitude layers and prunes
        /// small-magnitude ones first.
        case absolute
        /// `Σ (w − ŵ)² / mean(w²)` — each layer's noise-to-signal ratio times its weight count,
        /// so μ (in weights per bit) asks every layer for the same SQNR slope whatever its scale.
        case relative

        /// The factor that turns `Σ (w − ŵ)²` of `weights` into this measure: 1, or
        /// `count / Σ w²` (0 for an all-zero layer, whose error is then free).
        ///
        /// - Complexity: O(n) for `relative`, O(1) for `absolute`.
        public func scale(for weights: [Float]) -> Double {
            switch self {
            case .absolute: return 1
            case .relative:
                let energy = weights.reduce(0.0) { $0 + StepCalibration.square($1) }
                return energy > 0 ? Double(weights.count) / energy : 0
            }
        }
    }

    /// The chosen quantizer of one layer and its cost terms.
    public struct Choice: Sendable {
        public var quantizer: ZeroPointQuantizer
        public var distortion: Distortion
        /// Rate of the layer in bits, as the `RateModel` measured it.
        public var bits: Double
        /// Distortion term (per `measure`) `+ μ · bits`.
        public var cost: Double
    }

    public init(rateWeight: Double, rate: RateModel, maxBins: Int = ZeroPointQuantizer.maxBins, measure: Measure = .absolute,
                gridPoints: Int = 32, refinements: Int = 10) throws {
        guard rateWeight.isFinite, rateWeight >= 0 else { throw QuantizationError.invalidRateWeight(rateWeight) }
        _ = try ZeroPointQuantizer(bins: maxBins, step: 1)
        self.maxBins = maxBins
        self.measure = measure
        self.rateWeight = rateWeight
        self.rate = rate
        self.gridPoints = max(gridPoints, 2)
        self.refinements = refinements
    }

    /// The cost-minimizing `(Δ, N)` for one layer's weights (finite values expected).
    public func calibrate(weights: [Float]) -> Choice {
        let m = Double(StepCalibration.maxAbs(weights))
        var best = evaluate(weights, bins: 1, step: 1)
        guard m > 0 else { return best }

        func bins(for logStep: Double) -> Int {
            let k = (m / exp(logStep)).rounded()
            return k >= Double(maxBins / 2) ? maxBins : 2 * Int(k) + 1
        }
        func choice(_ logStep: Double) -> Choice {
            let step = StepCalibration.clampStep(Float(exp(logStep)))
            return evaluate(weights, bins: bins(for: logStep), step: step)
        }

        // Steps down to m/508 (≈ 1017 bins: finer than any 255-bin choice); when split levels
        // allow more bins, the same spacing continues below, down to m/(maxBins − 1), so a layer
        // whose choice stays within 255 bins gets the same grid, and the same result, either way.
        let lo = log(m / 508), hi = log(2 * m)
        let spacing = (hi - lo) / Double(gridPoints - 1)
        let finest = log(m / Double(max(508, maxBins - 1)))
        let below = finest < lo ? Int(((lo - finest) / spacing).rounded(.up)) : 0
        let grid = (-below..<gridPoints).map { lo + (hi - lo) * Double($0) / Double(gridPoints - 1) }
        var gridCosts = [Double]()
        gridCosts.reserveCapacity(grid.count)
        var bestIndex = 0
        for (i, x) in grid.enumerated() {
            let c = choice(x)
            gridCosts.append(c.cost)
            if c.cost < gridCosts[bestIndex] { bestIndex = i }
            if c.cost < best.cost { best = c }
        }
        if refinements > 0 {
            let a = grid[max(bestIndex - 1, 0)], b = grid[min(bestIndex + 1, grid.count - 1)]
            let (x, _) = GoldenSection.minimize({ choice($0).cost }, in: a...b, iterations: refinements)
            let refined = choice(x)
            if refined.cost < best.cost { best = refined }
        }
        // Clipping: fewer bins at the same step, while that pays.
        var n = best.quantizer.bins - 2
        while n >= 3 {
            let clipped = evaluate(weights, bins: n, step: best.quantizer.step)
            guard clipped.cost < best.cost else { break }
            best = clipped
            n -= 2
        }
        return best
    }

    /// Cost of one candidate: one pass for histogram, squared error (and the symbols, when the
    /// rate model codes them), then one rate call.
    public func evaluate(_ weights: [Float], bins: Int, step: Float) -> Choice {
        let q = try! ZeroPointQuantizer(bins: bins, step: step)
        // Above 255 bins the levels are stored split (SplitLevels): the rate model sees the
        // coarse symbols `(level + K) >> s` and each weight adds its s raw bits.
        let fineBits = SplitLevels.fineBits(forBins: bins)
        var counts = [Int](repeating: 0, count: SplitLevels.coarseBins(bins: bins, fineBits: fineBits))
        var sse = 0.0, energy = 0.0
        let n = rate.needsSymbols ? weights.count : 0
        let symbols = [UInt8](unsafeUninitializedCapacity: n) { out, initialized in
            counts.withUnsafeMutableBufferPointer { c in
                weights.withUnsafeBufferPointer { w in
                    for i in w.indices {
                        let x = w[i]
                        let level = q.level(for: x)
                        let s = (level &+ q.maxLevel) &>> fineBits
                        c[s] &+= 1
                        if n > 0 { out[i] = UInt8(truncatingIfNeeded: s) }
                        sse += StepCalibration.squaredError(x, level: level, step: q.step)
                        energy += StepCalibration.square(x)
                    }
                }
            }
            initialized = n
        }
        let bits = rate.bits(symbols, counts) + Double(fineBits * weights.count)
        let d = Distortion(squaredError: sse, signalEnergy: energy, count: weights.count)
        let distortion: Double
        switch measure {
        case .absolute: distortion = sse
        case .relative: distortion = energy > 0 ? sse * Double(weights.count) / energy : 0
        }
        return Choice(quantizer: q, distortion: d, bits: bits, cost: distortion + rateWeight * bits)
    }
}
