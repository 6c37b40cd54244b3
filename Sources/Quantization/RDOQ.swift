import EntropyCoding

/// Rate–distortion-optimized quantization (RDOQ): for a layer's quantizer (step `Δ`, `N` bins),
/// chooses each weight's level to minimise
///
///     (w − q·Δ)² + μ · bits(q),
///
/// with `bits(q)` the ideal tANS code length of `q` under the layer's normalized table,
/// `−log₂(f_q / 2^R)` (escape path included, ``TANSCodeLengths``). The decoder and the format
/// are unchanged: only the levels written differ, and they stay inside the `N` bins.
///
/// **Candidates.** The nearest level `q₀` (``ZeroPointQuantizer/level(for:)``: clamped to
/// `±K`), its neighbour toward zero `q₀ − sign(q₀)`, and zero. A weight leaves `q₀` only when
/// that strictly lowers its cost, preferring the candidate nearer `q₀` on a tie; so `μ = 0`
/// is nearest rounding exactly (RDOQ is then skipped).
///
/// **Iteration.** The code lengths depend on the histogram the levels make: nearest rounding →
/// histogram → normalized counts → code lengths → decide every weight → histogram → …, until no
/// level changes or `maxIterations` passes. Each pass visits the weights in index order on one
/// thread, so the result does not depend on the machine. Of all the level sets visited
/// (nearest rounding included) the one with the lowest `D + μ·R` — `R` the exact coded bits of
/// `rate`, as ``RateDistortionCalibration`` measures them — is returned, so RDOQ never costs
/// more than nearest rounding by that measure.
///
/// **Distortion.** `measure` as in ``RateDistortionCalibration``: `.absolute` squared error, or
/// `.relative` (squared error over the layer's mean squared weight), so one μ means the same in
/// the calibration and here.
///
/// ```swift
/// let q = try ZeroPointQuantizer(bins: 15, step: 0.02)
/// let rdoq = try RDOQ(rateWeight: 1e-4, tableLog: 11, rate: .coded(.tans(tableLog: 11, lanes: 1)))
/// let result = rdoq.quantize(weights, with: q)
/// result.symbols            // what the .sbw stores; result.cost ≤ result.nearestCost
/// ```
/// - Complexity: O(iterations · n) for `n` weights, plus one `rate` call per iteration.
public struct RDOQ: Sendable {
    /// μ ≥ 0, in the units of `measure` per bit.
    public let rateWeight: Double
    /// What the distortion term measures.
    public let measure: RateDistortionCalibration.Measure
    /// The tANS table log R the code lengths are computed for.
    public let tableLog: Int
    /// The exact coded-size model that picks the best iterate.
    public let rate: RateModel
    /// Most decision passes (the default 8).
    let maxIterations: Int

    /// The default number of passes: MobileNetV2's layers settle in 2–5.
    public static let defaultIterations = 8

    /// The levels of one layer and what they cost.
    public struct Result: Sendable {
        /// Symbols `q + K`, one per weight.
        public var symbols: [UInt8]
        /// Decision passes run.
        public var iterations: Int
        /// `D + μ·R` of `symbols` (distortion per `measure`, `R` by `rate`).
        public var cost: Double
        /// `D + μ·R` of nearest rounding.
        var nearestCost: Double
        /// Weights whose level differs from nearest rounding.
        public var changed: Int
    }

    /// - Throws: ``QuantizationError/invalidRateWeight(_:)`` for μ < 0 or not finite;
    ///   ``EntropyCodingError/invalidParameter(_:)`` for a table log outside 5…15.
    public init(rateWeight: Double, measure: RateDistortionCalibration.Measure = .absolute, tableLog: Int,
                rate: RateModel, maxIterations: Int = RDOQ.defaultIterations) throws {
        try Self.check(rateWeight: rateWeight, tableLog: tableLog)
        self.rateWeight = rateWeight
        self.measure = measure
        self.tableLog = tableLog
        self.rate = rate
        self.maxIterations = max(1, maxIterations)
    }

    /// The checks of a rate-weighted level decision (RDOQ's and the dependent quantizer's trellis):
    /// a finite μ ≥ 0 and a tANS table log.
    static func check(rateWeight: Double, tableLog: Int) throws {
        guard rateWeight.isFinite, rateWeight >= 0 else { throw QuantizationError.invalidRateWeight(rateWeight) }
        guard TANSCodec.tableLogs.contains(tableLog) else {
            throw EntropyCodingError.invalidParameter("table log \(tableLog) is outside \(TANSCodec.tableLogs)")
        }
    }

    /// RDOQ with the tANS table log and exact coded size of `codec`.
    public init(rateWeight: Double, measure: RateDistortionCalibration.Measure = .absolute,
                codec: CodecOptions) throws {
        try self.init(rateWeight: rateWeight, measure: measure, tableLog: codec.tableLog, rate: codec.rateModel)
    }

    /// The RDOQ levels of `weights` (finite values expected) under `quantizer`.
    public func quantize(_ weights: [Float], with quantizer: ZeroPointQuantizer) -> Result {
        let nearest = quantizer.quantize(weights)
        let scale = measure.scale(for: weights)
        let nearestCost = cost(nearest, weights: weights, quantizer: quantizer, scale: scale)
        guard rateWeight > 0, quantizer.bins > 1, scale > 0, !weights.isEmpty else {
            return Result(symbols: nearest, iterations: 0, cost: nearestCost, nearestCost: nearestCost, changed: 0)
        }
        var best = (symbols: nearest, cost: nearestCost)
        var current = nearest
        var iterations = 0
        while iterations < maxIterations {
            guard let lengths = try? TANSCodeLengths(histogram: EmpiricalEntropy.histogram(current, bins: quantizer.bins),
                                                     tableLog: tableLog) else { break }
            let next = decide(weights, quantizer: quantizer, lengths: lengths.bits, scale: scale)
            iterations += 1
            if next == current { break }
            current = next
            let c = cost(current, weights: weights, quantizer: quantizer, scale: scale)
            if c < best.cost { best = (current, c) }
        }
        var changed = 0
        for i in nearest.indices where nearest[i] != best.symbols[i] { changed += 1 }
        return Result(symbols: best.symbols, iterations: iterations, cost: best.cost, nearestCost: nearestCost,
                      changed: changed)
    }

    /// One decision pass: each weight's cheapest candidate under the code lengths `bits`
    /// (indexed by symbol), in index order.
    func decide(_ weights: [Float], quantizer: ZeroPointQuantizer, lengths bits: [Double], scale: Double) -> [UInt8] {
        let k = quantizer.maxLevel, step = quantizer.step
        let mu = rateWeight
        return [UInt8](unsafeUninitializedCapacity: weights.count) { out, initialized in
            weights.withUnsafeBufferPointer { w in
                bits.withUnsafeBufferPointer { bits in
                    for i in w.indices {
                        let x = w[i]
                        let q0 = quantizer.level(for: x)
                        var chosen = q0
                        if q0 != 0 {
                            var bestCost = scale * StepCalibration.squaredError(x, level: q0, step: step) + mu * bits[q0 + k]
                            let q1 = q0 > 0 ? q0 - 1 : q0 + 1
                            let c1 = scale * StepCalibration.squaredError(x, level: q1, step: step) + mu * bits[q1 + k]
                            if c1 < bestCost { bestCost = c1; chosen = q1 }
                            if q1 != 0 {
                                let c2 = scale * StepCalibration.square(x) + mu * bits[k]
                                if c2 < bestCost { chosen = 0 }
                            }
                        }
                        out[i] = UInt8(truncatingIfNeeded: chosen &+ k)
                    }
                }
            }
            initialized = weights.count
        }
    }

    /// `D + μ·R` of `symbols`: the distortion per `measure` (`scale` = 1 or n / Σw²) and the
    /// exact coded bits of `rate`.
    func cost(_ symbols: [UInt8], weights: [Float], quantizer: ZeroPointQuantizer, scale: Double) -> Double {
        let counts = EmpiricalEntropy.histogram(symbols, bins: quantizer.bins)
        let sse = Distortion(weights: weights, symbols: symbols, quantizer: quantizer).squaredError
        return scale * sse + rateWeight * rate.bits(symbols, counts)
    }
}
