import EntropyCoding

/// A quantized model written as `.sbw` and read back, checked: the bytes, the parsed file (for
/// its per-record sizes) and the decoded model, whose symbols, quantizers and dependent
/// quantization are the written ones — so every figure measured on `decoded` is a figure of
/// what the file stores. The one write-and-verify step of `subbit train --lambda` and the
/// orchestrator's points.
///
/// ```swift
/// let stored = try SBWRoundTrip(model, options: try CodecOptions(tableLog: 11))
/// try AtomicFile.write(stored.bytes, to: url)
/// evaluate(stored.decoded)
/// ```
///
/// - Complexity: one encode, one parse and one decode: O(weights).
public struct SBWRoundTrip: Sendable {
    /// The `.sbw` bytes.
    public let bytes: [UInt8]
    /// The bytes parsed (records, sizes, metadata).
    public let file: SBWFile
    /// The model decoded from the bytes.
    public let decoded: QuantizedModel

    /// Encodes `model` with `options` and decodes it again.
    ///
    /// - Throws: what the codec throws, or ``QuantizationError/roundTripChanged(tensor:codec:)``
    ///   when a decoded tensor differs from the one written (a codec bug, never a user's mistake).
    public init(_ model: QuantizedModel, options: CodecOptions) throws {
        bytes = try SBWModelCodec.encode(model, options: options)
        file = try SBWFile(bytes: bytes)
        decoded = try SBWModelCodec.decode(file)
        for (written, read) in zip(model.quantized, decoded.quantized)
        where written.name != read.name || written.symbols != read.symbols || written.quantizer != read.quantizer
            || written.dependentQuantization != read.dependentQuantization || written.channelSteps != read.channelSteps {
            throw QuantizationError.roundTripChanged(tensor: written.name, codec: options.codec.rawValue)
        }
        guard model.quantized.count == decoded.quantized.count else {
            throw QuantizationError.roundTripChanged(tensor: "(tensor count)", codec: options.codec.rawValue)
        }
    }
}
