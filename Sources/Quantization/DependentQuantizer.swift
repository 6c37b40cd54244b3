import EntropyCoding

/// Dependent (trellis-coded) quantization: a layer's levels chosen by a Viterbi search over a
/// ``DQStateMachine`` so that
///
///     Σ (w − ŵ)² + μ · Σ bits(k)
///
/// is smallest, `ŵ` the state machine's reconstruction (`2k·Δ` in Q0, `(2k − sgn k)·Δ` in Q1)
/// and `bits(k)` the ideal tANS code length of the level under the layer's normalized table
/// (``TANSCodeLengths``, as ``RDOQ`` charges it).
///
/// **Step and bins.** The two quantizers have spacing `2Δ` each and share the fine grid `Δ`, so
/// for a plain quantizer of `N = 2K + 1` bins and step `Δₚ`, ``quantizer(for:)`` keeps `N`
/// and halves the step: the levels span the same range `±K·Δₚ` and, at nearly the same rate,
/// the trellis reaches a finer reconstruction than nearest rounding.
///
/// **Trellis.** Per weight and state, the candidates are zero and, for each parity, the level of
/// that parity whose reconstruction in the state's quantizer is nearest `|w|` (sign of `w`,
/// `|k| ≤ K`) — the same candidate set as NNCodec's `TCQ::PreQuant`. The search keeps one
/// survivor per state (prev state and symbol per weight and state, 2 bytes), starts in state 0,
/// ends in the cheapest state (lowest index on a tie), and visits states and candidates in a
/// fixed order with strict comparisons: the result does not depend on the machine.
///
/// **Iteration.** As ``RDOQ``: a first pass on distortion alone → histogram → normalized
/// counts → code lengths → trellis at μ → …, until the levels repeat or `maxIterations`
/// passes; of all iterates the lowest `D + μ·R` by the *exact* coded bits of `rate` is kept.
/// μ = 0 is the distortion-only pass. The distortion follows `measure` (absolute, or relative to
/// the layer's mean squared weight).
///
/// ```swift
/// let plain = try ZeroPointQuantizer(bins: 15, step: 0.02)
/// let dq = try DependentQuantizer(rateWeight: 0.02, measure: .relative, codec: codec)
/// let q = DependentQuantizer.quantizer(for: plain)!         // 15 bins, step 0.01
/// let result = dq.quantize(weights, with: q)
/// dq.machine.dequantize(result.symbols, maxLevel: 7, step: 0.01)  // what the decoder rebuilds
/// ```
/// - Complexity: O(iterations · n · S) for `n` weights and `S` states (3 branches per state),
///   `2·n·S` bytes of decisions allocated once per call; the inner loop allocates nothing.
public struct DependentQuantizer: Sendable {
    /// μ ≥ 0, in the units of `measure` per bit.
    public let rateWeight: Double
    /// What the distortion term measures.
    public let measure: RateDistortionCalibration.Measure
    /// The tANS table log R the code lengths are computed for.
    public let tableLog: Int
    /// The exact coded-size model that picks the best iterate.
    public let rate: RateModel
    /// The state machine (NNC's 8 states by default).
    public let machine: DQStateMachine
    /// Most trellis passes after the distortion-only one (the default 8).
    let maxIterations: Int

    /// The levels of one layer and what they cost.
    public struct Result: Sendable {
        /// Symbols `k + K`, one per weight, to be reconstructed by `machine`.
        public var symbols: [UInt8]
        /// Trellis passes run (the distortion-only pass included).
        public var iterations: Int
        /// `D + μ·R` of `symbols` (distortion per `measure`, `R` by `rate`).
        public var cost: Double
        /// Σ (w − ŵ)² of `symbols`, absolute.
        var squaredError: Double
    }

    /// - Throws: ``QuantizationError/invalidRateWeight(_:)`` for μ < 0 or not finite;
    ///   ``EntropyCodingError/invalidParameter(_:)`` for a table log outside 5…15.
    public init(rateWeight: Double, measure: RateDistortionCalibration.Measure = .absolute, tableLog: Int,
                rate: RateModel, machine: DQStateMachine = .eightState, maxIterations: Int = RDOQ.defaultIterations) throws {
        try RDOQ.check(rateWeight: rateWeight, tableLog: tableLog)
        self.rateWeight = rateWeight
        self.measure = measure
        self.tableLog = tableLog
        self.rate = rate
        self.machine = machine
        self.maxIterations = max(1, maxIterations)
    }

    /// Dependent quantization with the tANS table log and exact coded size of `codec`.
    public init(rateWeight: Double, measure: RateDistortionCalibration.Measure = .absolute, codec: CodecOptions,
                machine: DQStateMachine = .eightState) throws {
        try self.init(rateWeight: rateWeight, measure: measure, tableLog: codec.tableLog, rate: codec.rateModel, machine: machine)
    }

    /// The dependent quantizer that stands in for the plain `plain`: the same bins and half the
    /// step; nil for fewer than 3 bins (such a layer stays plain: one bin is all zero).
    public static func quantizer(for plain: ZeroPointQuantizer) -> ZeroPointQuantizer? {
        guard plain.bins >= 3, let q = try? ZeroPointQuantizer(bins: plain.bins, step: plain.step / 2),
              SBWQuantizedTensor.checkDependentQuantization(step: q.step, bins: q.bins) == nil else { return nil }
        return q
    }

    /// The dependent-quantization levels of `weights` (finite values expected; a NaN counts as 0)
    /// with fine step `quantizer.step` and `quantizer.bins` levels (at least 3).
    public func quantize(_ weights: [Float], with quantizer: ZeroPointQuantizer) -> Result {
        precondition(quantizer.bins >= 3, "dependent quantization needs at least 3 bins")
        let scale = measure.scale(for: weights)
        var decisions = [UInt16](repeating: 0, count: weights.count * machine.stateCount)
        let zeroBits = [Double](repeating: 0, count: quantizer.bins)
        var current = trellis(weights, quantizer: quantizer, bits: zeroBits, rateWeight: 0, scale: 1, decisions: &decisions)
        var best = (symbols: current, cost: cost(current, weights: weights, quantizer: quantizer, scale: scale))
        var iterations = 1
        guard rateWeight > 0, scale > 0, !weights.isEmpty else {
            return Result(symbols: best.symbols, iterations: iterations, cost: best.cost,
                          squaredError: squaredError(best.symbols, weights: weights, quantizer: quantizer))
        }
        while iterations <= maxIterations {
            guard let lengths = try? TANSCodeLengths(histogram: EmpiricalEntropy.histogram(current, bins: quantizer.bins),
                                                     tableLog: tableLog) else { break }
            let next = trellis(weights, quantizer: quantizer, bits: lengths.bits, rateWeight: rateWeight, scale: scale,
                               decisions: &decisions)
            iterations += 1
            if next == current { break }
            current = next
            let c = cost(current, weights: weights, quantizer: quantizer, scale: scale)
            if c < best.cost { best = (current, c) }
        }
        return Result(symbols: best.symbols, iterations: iterations, cost: best.cost,
                      squaredError: squaredError(best.symbols, weights: weights, quantizer: quantizer))
    }

    /// One Viterbi pass: the symbols minimising `scale·Σ(w − ŵ)² + rateWeight·Σ bits[s]`.
    /// `decisions` holds `n·S` entries (`prev << 8 | symbol`), reused across passes.
    func trellis(_ weights: [Float], quantizer: ZeroPointQuantizer, bits: [Double], rateWeight mu: Double, scale: Double,
                 decisions: inout [UInt16]) -> [UInt8] {
        let states = machine.stateCount
        let k = quantizer.maxLevel
        let step = Double(quantizer.step)
        let nextTable = machine.transitions, quantizerTable = machine.quantizers
        let n = weights.count
        guard n > 0 else { return [] }
        // Largest level of each parity (0: even ≥ 2, 1: odd ≥ 1); below the smallest there is none.
        let top = (even: k % 2 == 0 ? k : k - 1, odd: k % 2 == 1 ? k : k - 1)
        var cost = [Double](repeating: .infinity, count: states)
        var fresh = [Double](repeating: .infinity, count: states)
        cost[0] = 0
        // Candidates per quantizer q and parity p at index 2q + p: level magnitude (0: none) and cost.
        var level = [Int](repeating: 0, count: 4)
        var branch = [Double](repeating: 0, count: 4)
        weights.withUnsafeBufferPointer { w in
        bits.withUnsafeBufferPointer { bits in
        nextTable.withUnsafeBufferPointer { nextTable in
        quantizerTable.withUnsafeBufferPointer { quantizerTable in
        decisions.withUnsafeMutableBufferPointer { decisions in
        cost.withUnsafeMutableBufferPointer { cost in
        fresh.withUnsafeMutableBufferPointer { fresh in
        level.withUnsafeMutableBufferPointer { level in
        branch.withUnsafeMutableBufferPointer { branch in
            for i in 0..<n {
                let x = w[i].isNaN ? 0 : Double(w[i])
                let negative = x < 0
                let magnitude = abs(x)
                let t = min(magnitude / step, Double(2 * k + 2))
                let zeroCost = scale * magnitude * magnitude + mu * bits[k]
                for q in 0..<2 {
                    for p in 0..<2 {
                        let lowest = p == 1 ? 1 : 2, highest = p == 1 ? top.odd : top.even
                        var m = 0
                        if highest >= lowest {
                            // Nearest level of parity p to (t + q) / 2, clamped to the class.
                            let j = Int(((t + Double(q)) / 2 - Double(p)) / 2 + 0.5)
                            m = min(max(p + 2 * j, lowest), highest)
                            let d = magnitude - Double(2 * m - q) * step
                            let symbol = negative ? k - m : k + m
                            branch[2 * q + p] = scale * d * d + mu * bits[symbol]
                        }
                        level[2 * q + p] = m
                    }
                }
                for s in 0..<states { fresh[s] = .infinity }
                let row = i &* states
                for prev in 0..<states where cost[prev] < .infinity {
                    let q = Int(quantizerTable[prev])
                    let base = cost[prev]
                    // Zero (parity 0), then the parity-0 and parity-1 levels of the state's quantizer.
                    let even = Int(nextTable[2 &* prev]), odd = Int(nextTable[2 &* prev &+ 1])
                    var c = base + zeroCost
                    if c < fresh[even] { fresh[even] = c; decisions[row &+ even] = UInt16(prev) << 8 | UInt16(k) }
                    let m0 = level[2 * q]
                    if m0 > 0 {
                        c = base + branch[2 * q]
                        if c < fresh[even] {
                            fresh[even] = c
                            decisions[row &+ even] = UInt16(prev) << 8 | UInt16(negative ? k - m0 : k + m0)
                        }
                    }
                    let m1 = level[2 * q + 1]
                    if m1 > 0 {
                        c = base + branch[2 * q + 1]
                        if c < fresh[odd] {
                            fresh[odd] = c
                            decisions[row &+ odd] = UInt16(prev) << 8 | UInt16(negative ? k - m1 : k + m1)
                        }
                    }
                }
                for s in 0..<states { cost[s] = fresh[s] }
            }
        }}}}}}}}}
        var state = 0
        for s in 1..<states where cost[s] < cost[state] { state = s }
        return [UInt8](unsafeUninitializedCapacity: n) { out, initialized in
            decisions.withUnsafeBufferPointer { decisions in
                for i in stride(from: n - 1, through: 0, by: -1) {
                    let d = decisions[i &* states &+ state]
                    out[i] = UInt8(truncatingIfNeeded: d)
                    state = Int(d >> 8)
                }
            }
            initialized = n
        }
    }

    /// Σ (w − ŵ)² of `symbols` under the state machine, with the decoder's `Float` reconstruction.
    func squaredError(_ symbols: [UInt8], weights: [Float], quantizer: ZeroPointQuantizer) -> Double {
        let rebuilt = machine.dequantize(symbols, maxLevel: quantizer.maxLevel, step: quantizer.step)
        return Distortion(weights: weights, reconstruction: rebuilt).squaredError
    }

    /// `D + μ·R` of `symbols`: the distortion per `measure` (`scale` = 1 or n / Σw²) and the
    /// exact coded bits of `rate`.
    func cost(_ symbols: [UInt8], weights: [Float], quantizer: ZeroPointQuantizer, scale: Double) -> Double {
        let counts = EmpiricalEntropy.histogram(symbols, bins: quantizer.bins)
        return scale * squaredError(symbols, weights: weights, quantizer: quantizer) + rateWeight * rate.bits(symbols, counts)
    }
}
