/// RDOQ as the export rounding after quantization-aware training: each quantized tensor keeps
/// its quantizer (step and bins, as training ended) and its levels are chosen again from the
/// latent float weights training ended with, by ``RDOQ`` at μ (relative error: squared error
/// over the layer's mean squared weight, so one μ means the same for every layer) instead of
/// nearest rounding. The format and the decoder are unchanged.
///
/// ```swift
/// let exported = try qat.export(floatStorage: .float16)
/// let rounded = try ExportRDOQ(rateWeight: 0.05).apply(to: exported) { latent[$0] }
/// ```
/// - Complexity: O(iterations · n) over the model's `n` quantized weights (``RDOQ``).
public struct ExportRDOQ: Sendable {
    /// The tANS table log whose code lengths RDOQ weighs: fixed, because the export happens once
    /// per training while the table log is a codec axis (code lengths barely depend on it).
    public static let tableLog = 12

    public let rdoq: RDOQ

    /// - Throws: ``QuantizationError/invalidRateWeight(_:)`` for μ < 0 or not finite.
    public init(rateWeight: Double) throws {
        let codec = try CodecOptions(codec: .tans, tableLog: Self.tableLog, lanes: 1)
        rdoq = try RDOQ(rateWeight: rateWeight, measure: .relative, codec: codec)
    }

    /// `model` with every quantized tensor whose latent weights `latent(name)` gives (as many as
    /// its symbols) re-rounded by RDOQ; the others, and the kept tensors, unchanged. Also
    /// returns how many levels moved.
    public func apply(to model: QuantizedModel, latent: (String) -> [Float]?) throws -> (model: QuantizedModel, changed: Int) {
        var changed = 0
        let quantized = try model.quantized.map { t -> QuantizedTensor in
            guard t.dependentQuantization == nil, t.channelSteps == nil,
                  let w = latent(t.name), w.count == t.symbols.count, w.allSatisfy(\.isFinite) else { return t }
            let r = rdoq.quantize(w, with: t.quantizer)
            changed += r.changed
            return try QuantizedTensor(name: t.name, shape: t.shape, quantizer: t.quantizer, symbols: r.symbols)
        }
        return (try QuantizedModel(quantized: quantized, kept: model.kept), changed)
    }
}
