import ModelIO

/// Quantize → encode → verify → measure: compresses a model into `.sbw` bytes and reports what every
/// layer cost with each coder.
///
/// ```swift
/// let pipeline = CompressionPipeline(
///     quantizer: ModelQuantizer(calibration: .fixed(try LayerBins(bins: 7), .mse)),
///     codec: try CodecOptions(codec: .tans, tableLog: 11, lanes: 1))
/// let result = try pipeline.compress(try SafeTensorsFile(contentsOf: url))
/// try AtomicFile.write(result.bytes, to: out)
/// print(result.report.summary())
/// ```
public struct CompressionPipeline: Sendable {
    public var quantizer: ModelQuantizer
    public var codec: CodecOptions

    /// The compressed file, the model it holds, and the report.
    public struct Result: Sendable {
        public var bytes: [UInt8]
        public var model: QuantizedModel
        public var report: CompressionReport
    }

    public init(quantizer: ModelQuantizer, codec: CodecOptions) {
        self.quantizer = quantizer
        self.codec = codec
    }

    public func compress(_ file: SafeTensorsFile) throws -> Result {
        let model = try quantizer.quantize(file)
        // Written and read back: a file whose decoded weights differ from the quantized ones is
        // never handed out (a codec bug surfaces here, not in a user's deployment).
        let bytes = try SBWRoundTrip(model, options: codec).bytes
        var layers = [CompressionReport.Layer]()
        for t in model.quantized {
            let weights = try file.tensor(t.name).floats()
            let sizes = try LayerCodeSizes(t, options: codec)
            let plain = t.dependentQuantization == nil && t.channelSteps == nil && t.splitLevels == nil
            layers.append(CompressionReport.Layer(
                name: t.name, shape: t.shape, bins: t.quantizer.bins, step: t.quantizer.step,
                distortion: plain ? Distortion(weights: weights, symbols: t.symbols, quantizer: t.quantizer)
                    : Distortion(weights: weights, reconstruction: t.dequantized()),
                // The levels' order-0 entropy (with split levels: of the bin indices, not the coarse symbols).
                entropyBitsPerWeight: t.splitLevels == nil ? EmpiricalEntropy.bitsPerSymbol(counts: t.histogram)
                    : EmpiricalEntropy.bitsPerSymbol(counts: t.indexHistogram),
                fixedWidthBytes: sizes.fixedWidth, huffmanBytes: sizes.huffman, tansBytes: sizes.tans))
        }
        let kept = model.kept.map {
            CompressionReport.Kept(name: $0.name, shape: $0.data.shape, dtype: $0.data.dtype.rawValue,
                                   parameterCount: $0.data.elementCount, bytes: $0.data.bytes.count)
        }
        let report = CompressionReport(label: quantizer.label, layers: layers, kept: kept,
                                       codec: codec.codec.rawValue, fileBytes: bytes.count)
        return Result(bytes: bytes, model: model, report: report)
    }
}
