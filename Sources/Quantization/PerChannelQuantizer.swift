import EntropyCoding

/// Per-output-channel steps: each output channel (dimension 0) of a layer gets its own
/// MSE-optimal step for the layer's one bin count N, stored compactly as ``ChannelSteps`` (a
/// float32 base and one byte per channel), and its weights are rounded to the nearest level of
/// the *stored* step, so the decoder's reconstruction `(s − K)·Δ_c` is exactly what was measured.
/// One alphabet per layer: the entropy coder and its table are unchanged.
///
/// The base: the smallest channel target, unless the targets span more than the codes reach
/// (2^(255/32) ≈ 250×); then the base is the largest target / 250, so the coarse channels —
/// which carry most of the error energy — keep their steps and the finest channels are rounded
/// coarser (code 0). All-zero channels get code 0 (any step is exact for them).
///
/// ```swift
/// let (steps, symbols) = PerChannelQuantizer.quantize(weights, shape: [32, 3, 3, 3], bins: 15)
/// let t = try QuantizedTensor(name: "conv.weight", shape: [32, 3, 3, 3],
///                             quantizer: ZeroPointQuantizer(bins: 15, step: steps.base),
///                             symbols: symbols, channelSteps: steps)
/// ```
public enum PerChannelQuantizer {
    /// Whether a layer of this shape and bin count is stored with per-channel steps: at least 3
    /// bins (1 bin prunes the layer), rank ≥ 1 and a non-empty dimension 0.
    public static func applies(shape: [Int], bins: Int) -> Bool {
        bins >= 3 && (shape.first ?? 0) >= 1 && shape.reduce(1, *) > 0
    }

    /// The per-channel MSE-optimal steps (``StepCalibration/mseOptimalStep(weights:bins:gridPoints:refinements:)``
    /// on each channel's weights), before compaction; 0 for an all-zero channel.
    /// - Complexity: O(n · (grid points + refinements)), as one per-tensor calibration.
    static func targetSteps(_ weights: [Float], channels: Int, bins: Int) -> [Float] {
        let per = weights.count / channels
        return (0..<channels).map { c in
            let slice = Array(weights[(c * per)..<((c + 1) * per)])
            return StepCalibration.maxAbs(slice) > 0 ? StepCalibration.mseOptimalStep(weights: slice, bins: bins) : 0
        }
    }

    /// Compact steps for targets (see the type's documentation for the base).
    public static func compact(_ targets: [Float]) -> ChannelSteps {
        let positive = targets.filter { $0.isFinite && $0 > 0 }
        let lo = positive.min() ?? 1, hi = positive.max() ?? 1
        let reach = ChannelSteps.step(base: 1, code: UInt8(ChannelSteps.maxCode))
        let base = max(lo, hi / reach)
        return try! ChannelSteps(base: base, codes: targets.map { ChannelSteps.code(for: $0, base: base) })
    }

    /// Nearest-rounding symbols of every channel at its stored step.
    public static func symbols(_ weights: [Float], steps: ChannelSteps, bins: Int) -> [UInt8] {
        let per = weights.count / steps.channelCount
        var out = [UInt8]()
        out.reserveCapacity(weights.count)
        for c in 0..<steps.channelCount {
            let q = try! ZeroPointQuantizer(bins: bins, step: steps.step(channel: c))
            for i in (c * per)..<((c + 1) * per) { out.append(q.symbol(for: weights[i])) }
        }
        return out
    }

    /// Calibrates, compacts and rounds one layer of `shape` (dimension 0 = output channels).
    ///
    /// `rateDistortionStep`: the step a rate–distortion calibration chose for the layer, or nil
    /// for MSE steps. With entropy coding one step for every channel is what minimizes
    /// distortion + μ·rate at high rate (each channel's `D ≈ Δ²/12` and `R ≈ h − log₂Δ` give the
    /// same optimal Δ whatever its spread), so a channel keeps the layer's step and only a channel
    /// whose own MSE-optimal step is wider — one that the layer's N bins would clip — takes that.
    /// Nil: every channel its MSE-optimal step (the fixed-bin, MSE-calibrated case).
    /// - Precondition: ``applies(shape:bins:)`` and `weights.count` = the shape's element count.
    public static func quantize(_ weights: [Float], shape: [Int], bins: Int, rateDistortionStep: Float? = nil)
        -> (steps: ChannelSteps, symbols: [UInt8]) {
        precondition(applies(shape: shape, bins: bins) && weights.count == shape.reduce(1, *))
        var targets = targetSteps(weights, channels: shape[0], bins: bins)
        if let step = rateDistortionStep, step.isFinite, step > 0 {
            targets = targets.map { max($0, step) }
        }
        let steps = compact(targets)
        return (steps, symbols(weights, steps: steps, bins: bins))
    }
}
