/// A kept (non-quantized) float tensor stored as one byte per value: value `i` is
/// `offset + Float(codes[i]) · step`, with `offset` and `step` stored once per tensor (record
/// kind 4 of ``SBWFile``). Decoded values are always F32, whatever the tensor was before.
///
/// **Why a per-tensor affine step.** The tensors kept in float are biases and batch-norm
/// weight, bias, running mean and running variance: few values (one per channel), rarely
/// centred on zero (batch-norm weights sit near 1, variances are all positive). A symmetric
/// zero-point grid like the weights' would spend half of its 256 codes on a range the tensor
/// never reaches; an affine grid from the tensor's minimum to its maximum puts all 256 codes on
/// the values' range, so the error is at most `step / 2 = (max − min) / 510`. Offset and step
/// cost 8 bytes per tensor, so a tensor of n values takes `n + 8` bytes against `2n` in float16:
/// smaller from n = 9 on (LeNet-5's biases have 6…120 values, ResNet-20's batch-norm tensors
/// 16…64).
///
/// Because `offset` is the minimum and `step ≥ 0`, every decoded value is `≥ offset` (IEEE
/// addition of a non-negative number never rounds below the other operand), so a tensor of
/// positive values (running variances) decodes to positive values; ``init(encoding:positive:)``
/// with `positive: true` also lifts non-positive inputs to the tensor's smallest positive value.
///
/// ```swift
/// let code = try SBWAffine8(encoding: [0.5, 1.0, 1.25])
/// code.values()      // [0.5, 1.0, 1.25] up to step / 2 = 0.75 / 510
/// ```
/// - Complexity: O(n) to encode and to decode.
public struct SBWAffine8: Sendable, Equatable, Hashable {
    /// The value of code 0 (the tensor's minimum when encoded here).
    public let offset: Float
    /// The distance between adjacent codes (`(max − min) / 255`; 0 for a constant tensor).
    public let step: Float
    /// One code per value.
    public let codes: [UInt8]

    /// Bytes of the per-tensor header (offset and step as Float32).
    public static let headerBytes = 8

    /// A code as read from a file.
    /// - Throws: ``EntropyCodingError/invalidParameter(_:)`` unless `offset` is finite, `step` is
    ///   finite and ≥ 0, and the largest value `offset + 255·step` is finite.
    public init(offset: Float, step: Float, codes: [UInt8]) throws {
        if let problem = Self.check(offset: offset, step: step) { throw EntropyCodingError.invalidParameter(problem) }
        self.offset = offset
        self.step = step
        self.codes = codes
    }

    /// Encodes `values` on 256 levels from their minimum to their maximum, each to the nearest
    /// level (error ≤ step / 2). With `positive`, values ≤ 0 are first raised to the smallest
    /// positive value of the tensor (or `Float.leastNormalMagnitude` if none), so that every
    /// decoded value is > 0 — what a batch-norm running variance needs.
    /// - Throws: ``EntropyCodingError/invalidParameter(_:)`` naming the first NaN or infinite
    ///   value, or when the range `max − min` overflows Float32.
    public init(encoding values: [Float], positive: Bool = false) throws {
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw EntropyCodingError.invalidParameter("value \(bad) is \(values[bad]); 8-bit storage needs finite values (store the tensor as f32 or f16)")
        }
        var values = values
        if positive, values.contains(where: { $0 <= 0 }) {
            let floor = values.filter { $0 > 0 }.min() ?? Float.leastNormalMagnitude
            values = values.map { max($0, floor) }
        }
        guard let low = values.min(), let high = values.max() else {
            try self.init(offset: 0, step: 0, codes: [])
            return
        }
        // (high − low) / 255 without overflowing for ranges wider than Float.greatestFiniteMagnitude.
        let step = high / 255 - low / 255
        guard step.isFinite, Self.check(offset: low, step: step) == nil else {
            throw EntropyCodingError.invalidParameter("the values span \(low)…\(high), too wide for 8-bit storage (store the tensor as f32)")
        }
        let codes: [UInt8] = step > 0
            ? values.map { UInt8(max(0, min(255, (($0 - low) / step).rounded()))) }
            : [UInt8](repeating: 0, count: values.count)
        try self.init(offset: low, step: step, codes: codes)
    }

    /// Why a record with this offset and step cannot be decoded to finite values, or nil.
    public static func check(offset: Float, step: Float) -> String? {
        guard offset.isFinite, step.isFinite, step >= 0, (offset + 255 * step).isFinite else {
            return "8-bit tensor needs a finite offset and a finite step ≥ 0 whose 255th level is finite, the record has offset \(offset), step \(step)"
        }
        return nil
    }

    /// The decoded F32 values, `offset + code · step`.
    public func values() -> [Float] {
        let levels = (0..<256).map { offset + Float($0) * step }
        return codes.map { levels[Int($0)] }
    }

    /// Stored bytes: offset, step and one byte per value.
    public var byteCount: Int { Self.headerBytes + codes.count }
}
