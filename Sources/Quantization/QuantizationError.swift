import Foundation
import ModelIO

/// Errors a user can cause in the Quantization module; each message names the problem and
/// the fix.
public enum QuantizationError: Error, Equatable, LocalizedError, CustomStringConvertible {
    /// The bin count is not an odd number in `1 … 255`.
    case invalidBinCount(Int)
    /// The step is zero, negative, or not finite.
    case invalidStep(Float)
    /// A tensor chosen for quantization holds NaN or infinity.
    case nonFiniteWeights(tensor: String)
    /// A quantized tensor's symbol count disagrees with its shape.
    case shapeMismatch(tensor: String, expected: Int, actual: Int)
    /// A symbol is outside `[0, bins)`.
    case symbolOutOfRange(tensor: String, symbol: Int, bins: Int)
    /// Two tensors share a name.
    case duplicateTensor(String)
    /// A tensor has a dtype the compressor cannot carry.
    case unsupportedDType(tensor: String, dtype: String)
    /// A float tensor would be stored in a narrower dtype than it has (F64 kept as F32).
    case wouldNarrow(tensor: String, dtype: String)
    /// A kept tensor holds values its dtype cannot carry through the format (a BOOL byte other
    /// than 0 or 1, a U64 value ≥ 2⁶³).
    case invalidValues(tensor: String, reason: String)
    /// A tensor is named `__metadata__`, the key safetensors reserves for its metadata map.
    case reservedName(String)
    /// A rate weight μ is negative or not finite.
    case invalidRateWeight(Double)
    /// The model has no tensor to compress.
    case emptyModel
    /// A bin override names a tensor pattern that matches no quantized tensor.
    case unmatchedOverride(String)
    /// The `.sbw` file does not describe a model this module wrote.
    case malformedModel(String)
    /// An operating point is not `bins=N` or `mu=μ`.
    case invalidOperatingPoint(String)
    /// An operating point's `+rdoq` part is malformed.
    case invalidRDOQPoint(String, reason: String)
    /// A tensor decoded from a just-written `.sbw` differs from the one written: a codec bug.
    case roundTripChanged(tensor: String, codec: String)
    /// Quantizer options that do not combine (e.g. per-channel steps with RDOQ).
    case incompatibleOptions(String)

    public var description: String {
        switch self {
        case .invalidBinCount(let n):
            return "invalid bin count \(n): use an odd number from 1 to \(ZeroPointQuantizer.maxBins) (1 prunes the tensor to zero), or up to \(ZeroPointQuantizer.maxSplitBins) for fixed bins after training (`compress --bins`; levels above \(ZeroPointQuantizer.maxBins) are stored split)"
        case .invalidStep(let s):
            return "invalid quantization step \(s): the step must be a positive finite number"
        case .nonFiniteWeights(let t):
            return "tensor '\(DisplayName.escaped(t))' contains NaN or infinity: fix the model, or keep the tensor in float with --keep-float '\(DisplayName.escaped(t))'"
        case .shapeMismatch(let t, let e, let a):
            return "tensor '\(DisplayName.escaped(t))' has \(a) symbols but its shape needs \(e): the file is corrupt; re-create it with 'subbit compress'"
        case .symbolOutOfRange(let t, let s, let n):
            return "tensor '\(DisplayName.escaped(t))' holds symbol \(s) but has only \(n) bins: the file is corrupt; re-create it with 'subbit compress'"
        case .duplicateTensor(let t):
            return "tensor name '\(DisplayName.escaped(t))' appears twice: give every tensor a unique name"
        case .unsupportedDType(let t, let d):
            return "tensor '\(DisplayName.escaped(t))' has dtype \(d), which cannot be stored: convert it to a float or integer dtype"
        case .wouldNarrow(let t, let d):
            return "tensor '\(DisplayName.escaped(t))' is \(d), which a compressed model stores only as F32 or F16 (it would not come back as it went in): convert it to F32 first, e.g. model.float() or tensor.to(torch.float32)"
        case .invalidValues(let t, let why):
            return "tensor '\(DisplayName.escaped(t))': \(why): fix the values (they would not come back as they went in)"
        case .reservedName(let t):
            return "tensor name '\(DisplayName.escaped(t))' is reserved by safetensors for its metadata map (the model could not be decompressed): rename the tensor"
        case .invalidRateWeight(let m):
            return "invalid rate weight μ = \(m): use a finite number ≥ 0 (0 = distortion only; larger = smaller file)"
        case .emptyModel:
            return "the model holds no tensors: check the input file"
        case .unmatchedOverride(let p):
            return "bin override '\(DisplayName.escaped(p))' matches no quantized tensor: check the tensor name (see 'subbit inspect')"
        case .invalidOperatingPoint(let p):
            return "invalid operating point '\(p)': write bins=N (N odd, 1…\(ZeroPointQuantizer.maxBins)), mu=μ (a number ≥ 0), rmu=μ (relative error), optionally @N (at most N bins), each optionally with RDOQ levels (mu=μ+rdoq, bins=N+rdoq=μ, bins=N+rrdoq=μ), e.g. bins=15, mu=1e-5, rmu=0.5@3, mu=1e-5+rdoq"
        case .invalidRDOQPoint(let p, let why):
            return "invalid operating point '\(p)': \(why) (RDOQ points: mu=μ+rdoq, rmu=μ+rdoq, bins=N+rdoq=μ, bins=N+rrdoq=μ)"
        case .roundTripChanged(let t, let codec):
            return "the \(codec) round trip changed tensor '\(DisplayName.escaped(t))': a codec bug, not a problem with the input. Fix: report it with the model and options that produced it"
        case .incompatibleOptions(let why):
            return "\(why): choose one of them"
        case .malformedModel(let why):
            return "the compressed model is malformed (\(why)): re-create it with 'subbit compress'"
        }
    }

    public var errorDescription: String? { description }
}
