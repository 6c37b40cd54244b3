/// Which tensors of a model are quantized and how the rest are stored.
///
/// **Default rule:** a tensor is quantized when it holds floating-point values, has rank ≥ 2
/// (convolution kernels — including depthwise ones, `[C, 1, kh, kw]` — and linear weight
/// matrices), and matches no `keepFloat` pattern. Everything else stays as it is: rank-0/1
/// float tensors (biases, batch-norm weight, bias, running mean and variance) are stored in
/// `floatStorage` (float32 by default, so they come back untouched; float16 halves them),
/// and integer tensors (`num_batches_tracked`) are kept verbatim. No size cutoff: even the
/// 288-weight depthwise kernels of MobileNetV2 are quantized, because the rate–distortion
/// calibration can always give a tiny layer many bins, or prune it, at its true coded cost.
/// Every stored byte of the non-quantized tensors counts in every bits-per-parameter figure.
///
/// Patterns are shell-style globs over the tensor name: `*` matches any run of characters
/// (dots included), `?` one character; a pattern without wildcards must match the whole name.
///
/// ```swift
/// let policy = TensorPolicy(keepFloat: ["features.0.*", "classifier.*"])
/// policy.role(name: "features.0.0.weight", shape: [32, 3, 3, 3], isFloatingPoint: true)  // .float
/// policy.role(name: "features.1.conv.0.0.weight", shape: [32, 1, 3, 3], isFloatingPoint: true) // .quantized
/// ```
public struct TensorPolicy: Hashable, Sendable {
    /// How a tensor is carried in a compressed model.
    public enum Role: String, Hashable, Sendable {
        /// Zero-point quantized and entropy coded.
        case quantized
        /// Kept as floating point, stored as `floatStorage`.
        case float
        /// Kept verbatim (integer and boolean tensors).
        case verbatim
    }

    /// The storage precision of floating-point tensors that are not quantized.
    ///
    /// `q8` stores each tensor as 8-bit codes with a per-tensor offset and step
    /// (``SBWAffine8``, `.sbw` record kind 4; the error is at most `(max − min) / 510` per value,
    /// running variances stay positive); such tensors decode as F32.
    public enum FloatStorage: String, Hashable, Sendable, CaseIterable {
        case float16 = "f16"
        case float32 = "f32"
        case q8 = "q8"

        /// Bits per stored element (for `q8` without its 8-byte per-tensor offset and step).
        var bitsPerElement: Int {
            switch self {
            case .float16: return 16
            case .float32: return 32
            case .q8: return 8
            }
        }
    }

    /// Whether `name` is training-only state that inference never reads: batch norm's
    /// `num_batches_tracked` counter (an integer tensor). ``dropTrainingState`` leaves such
    /// tensors out of the compressed file; PyTorch then loads the decoded model with
    /// `load_state_dict(strict=False)` (the counter only matters to `momentum=None` training).
    static func isTrainingState(name: String, isFloatingPoint: Bool) -> Bool {
        !isFloatingPoint && (name == "num_batches_tracked" || name.hasSuffix(".num_batches_tracked"))
    }

    /// Name patterns of tensors that stay in float even though the rank rule would quantize them.
    public var keepFloat: [String]
    /// Tensors of lower rank stay in float.
    var minimumRank: Int
    /// Storage of float tensors.
    public var floatStorage: FloatStorage
    /// Leave training-only state (``isTrainingState(name:isFloatingPoint:)``) out of the
    /// compressed model (off by default: the decoded file then matches the input's names).
    public var dropTrainingState: Bool

    public init(keepFloat: [String] = [], minimumRank: Int = 2, floatStorage: FloatStorage = .float32,
                dropTrainingState: Bool = false) {
        self.keepFloat = keepFloat
        self.minimumRank = minimumRank
        self.floatStorage = floatStorage
        self.dropTrainingState = dropTrainingState
    }

    /// The role of one tensor.
    public func role(name: String, shape: [Int], isFloatingPoint: Bool) -> Role {
        guard isFloatingPoint else { return .verbatim }
        if shape.count < minimumRank { return .float }
        if keepFloat.contains(where: { Glob.matches(pattern: $0, name) }) { return .float }
        return .quantized
    }
}

/// Shell-style glob matching (`*`, `?`), used for tensor-name patterns.
public enum Glob {
    /// True when `pattern` matches all of `name`.
    public static func matches(pattern: String, _ name: String) -> Bool {
        let p = Array(pattern.utf8), s = Array(name.utf8)
        var pi = 0, si = 0
        var starP = -1, starS = 0
        while si < s.count {
            if pi < p.count, p[pi] == UInt8(ascii: "?") || p[pi] == s[si] {
                pi += 1; si += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "*") {
                starP = pi; starS = si; pi += 1
            } else if starP >= 0 {
                // Backtrack: let the last `*` swallow one more character.
                pi = starP + 1; starS += 1; si = starS
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
