import EntropyCoding
import ModelIO

/// How the step (and, for rate–distortion, the bins) of each quantized layer is chosen.
public enum Calibration: Sendable {
    /// Step rules for a fixed bin count.
    public enum StepRule: String, Sendable, CaseIterable {
        case maxAbs = "max-abs"
        case mse
    }

    /// Bins from a `LayerBins`, step by `StepRule`.
    case fixed(LayerBins, StepRule)
    /// Bins and step per layer minimizing squared error + μ · coded bits.
    case rateDistortion(RateDistortionCalibration)

    /// A short label for reports: `"mse, 15 bins"`, `"rd, μ=0.0001"`.
    public var label: String {
        switch self {
        case .fixed(let bins, let rule): return "\(rule.rawValue), \(bins)"
        case .rateDistortion(let rd):
            let mu = "rd \(rd.measure.rawValue), μ=\(rd.rateWeight)"
            return rd.maxBins == ZeroPointQuantizer.maxBins ? mu : "\(mu), ≤ \(rd.maxBins) bins"
        }
    }
}

/// Post-training quantization of a whole model: applies a `TensorPolicy` to pick the tensors
/// to quantize and a `Calibration` to choose each one's quantizer.
///
/// ```swift
/// let file = try SafeTensorsFile(contentsOf: url)
/// let quantizer = ModelQuantizer(policy: TensorPolicy(floatStorage: .float16),
///                                calibration: .fixed(try LayerBins(bins: 7), .mse))
/// let model = try quantizer.quantize(file)
/// ```
///
/// With `rdoq`, each layer's levels are chosen by rate–distortion-optimized quantization at the
/// calibrated step and bins (``RDOQ``) instead of nearest rounding:
///
/// ```swift
/// let rd = try RateDistortionCalibration(rateWeight: 1e-4, rate: codec.rateModel)
/// let quantizer = ModelQuantizer(calibration: .rateDistortion(rd),
///                                rdoq: try RDOQ(rateWeight: 1e-4, codec: codec))
/// ```
///
/// With `dependentQuantizer`, each layer of at least 3 bins is stored with dependent
/// (trellis-coded) quantization at the calibrated bins and half the step
/// (``DependentQuantizer/quantizer(for:)``); the `.sbw` records the state machine.
///
/// Above 255 bins (fixed-bin calibration only) the levels are rounded to nearest and stored split
/// (``SplitLevels``: a coded coarse symbol and raw fine bits per weight); RDOQ, dependent
/// quantization and per-channel steps are refused there.
///
/// With `perChannel`, each layer of at least 3 bins gets one MSE-optimal step per output channel
/// at its calibrated bin count (``PerChannelQuantizer``; `.sbw` record kind 5):
///
/// ```swift
/// let quantizer = ModelQuantizer(calibration: .fixed(try LayerBins(bins: 15), .mse), perChannel: true)
/// ```
public struct ModelQuantizer: Sendable {
    public var policy: TensorPolicy
    public var calibration: Calibration
    /// Level decisions: nil rounds to the nearest level; an ``RDOQ`` trades error for bits.
    public var rdoq: RDOQ?
    /// Dependent quantization instead of independent levels (takes precedence over `rdoq`).
    public var dependentQuantizer: DependentQuantizer?
    /// Per-output-channel steps (``PerChannelQuantizer``) at the calibrated bin count, nearest
    /// rounding; not combined with `rdoq` or `dependentQuantizer` (``quantize(_:)`` throws).
    public var perChannel: Bool

    public init(policy: TensorPolicy = TensorPolicy(), calibration: Calibration, rdoq: RDOQ? = nil,
                dependentQuantizer: DependentQuantizer? = nil, perChannel: Bool = false) {
        self.policy = policy
        self.calibration = calibration
        self.rdoq = rdoq
        self.dependentQuantizer = dependentQuantizer
        self.perChannel = perChannel
    }

    /// A short label for reports: the calibration's (`"mse, 15 bins"`), then `" + rdoq"` when
    /// RDOQ runs at the calibration's own μ and measure, or `" + rdoq absolute, μ=…"`.
    public var label: String {
        if perChannel { return calibration.label + " + per-channel" }
        if let dq = dependentQuantizer {
            if case .rateDistortion(let rd) = calibration, rd.rateWeight == dq.rateWeight, rd.measure == dq.measure {
                return calibration.label + " + dq \(dq.machine)"
            }
            return calibration.label + " + dq \(dq.machine) \(dq.measure.rawValue), μ=\(dq.rateWeight)"
        }
        guard let rdoq else { return calibration.label }
        if case .rateDistortion(let rd) = calibration, rd.rateWeight == rdoq.rateWeight, rd.measure == rdoq.measure {
            return calibration.label + " + rdoq"
        }
        return calibration.label + " + rdoq \(rdoq.measure.rawValue), μ=\(rdoq.rateWeight)"
    }

    /// Quantizes every tensor the policy selects; throws for non-finite weights, for bin
    /// overrides that match nothing, and for an empty model.
    public func quantize(_ file: SafeTensorsFile) throws -> QuantizedModel {
        guard !file.tensors.isEmpty else { throw QuantizationError.emptyModel }
        if perChannel, rdoq != nil || dependentQuantizer != nil {
            throw QuantizationError.incompatibleOptions("per-channel steps are not combined with \(rdoq != nil ? "RDOQ" : "dependent quantization")")
        }
        var quantized = [QuantizedTensor](), kept = [KeptTensor]()
        let isRateDistortion: Bool
        if case .rateDistortion = calibration { isRateDistortion = true } else { isRateDistortion = false }
        for name in file.names {
            let data = file.tensors[name]!
            switch policy.role(name: name, shape: data.shape, isFloatingPoint: data.dtype.isFloatingPoint) {
            case .quantized:
                let weights = try data.floats()
                guard weights.allSatisfy(\.isFinite) else { throw QuantizationError.nonFiniteWeights(tensor: name) }
                let q = quantizer(for: name, weights: weights)
                if q.isSplit {
                    // More than 255 bins: nearest rounding, levels stored split (SplitLevels).
                    if perChannel || dependentQuantizer != nil || rdoq != nil {
                        let tool = perChannel ? "per-channel steps" : dependentQuantizer != nil ? "dependent quantization" : "RDOQ"
                        throw QuantizationError.incompatibleOptions("\(tool) works on at most \(ZeroPointQuantizer.maxBins) bins; tensor '\(DisplayName.escaped(name))' has \(q.bins) — use at most \(ZeroPointQuantizer.maxBins) bins with \(tool), or drop it")
                    }
                    quantized.append(try QuantizedTensor(name: name, shape: data.shape, quantizer: q, indices: q.indices(weights)))
                    continue
                }
                if perChannel, PerChannelQuantizer.applies(shape: data.shape, bins: q.bins) {
                    let (steps, symbols) = PerChannelQuantizer.quantize(weights, shape: data.shape, bins: q.bins,
                                                                        rateDistortionStep: isRateDistortion ? q.step : nil)
                    quantized.append(try QuantizedTensor(name: name, shape: data.shape,
                                                         quantizer: ZeroPointQuantizer(bins: q.bins, step: steps.base),
                                                         symbols: symbols, channelSteps: steps))
                    continue
                }
                if let dq = dependentQuantizer, let fine = DependentQuantizer.quantizer(for: q) {
                    let symbols = dq.quantize(weights, with: fine).symbols
                    quantized.append(try QuantizedTensor(name: name, shape: data.shape, quantizer: fine, symbols: symbols,
                                                         dependentQuantization: dq.machine))
                    continue
                }
                let symbols = rdoq.map { $0.quantize(weights, with: q).symbols } ?? q.quantize(weights)
                quantized.append(try QuantizedTensor(name: name, shape: data.shape, quantizer: q, symbols: symbols))
            case .float:
                guard data.dtype != .f64 else {
                    throw QuantizationError.wouldNarrow(tensor: name, dtype: "F64")
                }
                kept.append(try KeptTensor(name: name, data: data, storage: policy.floatStorage))
            case .verbatim:
                if policy.dropTrainingState && TensorPolicy.isTrainingState(name: name, isFloatingPoint: false) { continue }
                kept.append(KeptTensor(name: name, data: data))
            }
        }
        if case .fixed(let bins, _) = calibration {
            for o in bins.overrides where !quantized.contains(where: { Glob.matches(pattern: o.pattern, $0.name) }) {
                throw QuantizationError.unmatchedOverride(o.pattern)
            }
        }
        return try QuantizedModel(quantized: quantized, kept: kept)
    }

    /// The calibrated quantizer of one layer.
    public func quantizer(for name: String, weights: [Float]) -> ZeroPointQuantizer {
        switch calibration {
        case .fixed(let policy, let rule):
            let bins = policy.bins(for: name)
            let step = rule == .maxAbs ? StepCalibration.maxAbsStep(weights: weights, bins: bins)
                : StepCalibration.mseOptimalStep(weights: weights, bins: bins)
            return try! ZeroPointQuantizer(bins: bins, step: step)
        case .rateDistortion(let rd):
            return rd.calibrate(weights: weights).quantizer
        }
    }

}

extension KeptTensor {
    /// A float tensor in the storage precision: `.float32` keeps F32, F16 and BF16 bytes
    /// untouched; `.float16` stores F16; `.q8` stores 8-bit codes (``SBWAffine8``; a tensor
    /// named `…running_var` is encoded with `positive: true`) that decode to F32. (F64 kept
    /// tensors are refused before this by ``ModelQuantizer``: they would not come back as they
    /// went in.)
    /// - Throws: ``QuantizationError/invalidValues(tensor:reason:)`` for a NaN or infinite value
    ///   under `.q8`.
    public init(name: String, data: TensorData, storage: TensorPolicy.FloatStorage) throws {
        switch (storage, data.dtype) {
        case (.float32, .f32), (.float32, .f16), (.float32, .bf16), (.float16, .f16):
            self.init(name: name, data: data)
        case (.float32, _):
            self.init(name: name, data: try TensorData(floats: data.floats(), shape: data.shape, dtype: .f32))
        case (.float16, _):
            self.init(name: name, data: try TensorData(floats: data.floats(), shape: data.shape, dtype: .f16))
        case (.q8, _):
            let code: SBWAffine8
            do {
                code = try SBWAffine8(encoding: try data.floats(), positive: name.hasSuffix("running_var"))
            } catch let error as EntropyCodingError {
                throw QuantizationError.invalidValues(tensor: name, reason: error.message)
            }
            try self.init(name: name, shape: data.shape, affine8: code)
        }
    }
}
