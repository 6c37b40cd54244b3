import ModelIO

/// One operating point of a compression sweep: a fixed bin count (MSE-calibrated steps) or a
/// rate–distortion weight μ, optionally with a bin cap.
///
/// Written and parsed as `bins=15`, `mu=1e-05` or `mu=0.001@3` (μ with at most 3 bins per layer).
public enum OperatingPoint: Hashable, Sendable, CustomStringConvertible {
    case bins(Int)
    case rateWeight(Double, maxBins: Int, measure: RateDistortionCalibration.Measure = .absolute)

    /// Parses `bins=N`, `mu=μ` or `mu=μ@N` (absolute squared error), `rmu=μ` or `rmu=μ@N`
    /// (relative: per-layer noise-to-signal).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        if parts.count == 2, parts[0] == "bins", let n = Int(parts[1]) {
            guard (try? BinPolicy(bins: n)) != nil else { throw QuantizationError.invalidOperatingPoint(text) }
            self = .bins(n)
        } else if parts.count == 2, parts[0] == "mu" || parts[0] == "rmu" {
            let muAndCap = parts[1].split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let mu = Double(muAndCap[0]), mu.isFinite, mu >= 0 else { throw QuantizationError.invalidOperatingPoint(text) }
            let cap = muAndCap.count == 2 ? Int(muAndCap[1]) : 255
            guard let cap, (try? BinPolicy(bins: cap)) != nil else { throw QuantizationError.invalidOperatingPoint(text) }
            self = .rateWeight(mu, maxBins: cap, measure: parts[0] == "mu" ? .absolute : .relative)
        } else {
            throw QuantizationError.invalidOperatingPoint(text)
        }
    }

    public var description: String {
        switch self {
        case .bins(let n): return "bins=\(n)"
        case .rateWeight(let mu, let cap, let measure):
            let key = measure == .absolute ? "mu" : "rmu"
            return cap == 255 ? "\(key)=\(mu)" : "\(key)=\(mu)@\(cap)"
        }
    }

    /// The calibration of this point, with `rate` as the coded-size model for μ points.
    public func calibration(rate: RateModel) throws -> Calibration {
        switch self {
        case .bins(let n): return .fixed(try BinPolicy(bins: n), .mse)
        case .rateWeight(let mu, let cap, let measure):
            return .rateDistortion(try RateDistortionCalibration(rateWeight: mu, rate: rate, maxBins: cap, measure: measure))
        }
    }
}

/// Compresses one model at several operating points and renders the comparison —
/// `Results/<model>/compression.md`, `compression.csv` (one row per point) and
/// `compression_layers.csv` (one row per layer per point).
///
/// ```swift
/// let sweep = CompressionSweep(points: [.bins(3), .bins(255), .rateWeight(1e-5)],
///                              policy: TensorPolicy(), codec: try CodecOptions())
/// let reports = try sweep.run(model)
/// let files = sweep.render(reports, modelName: "mobilenet_v2", command: "subbit compress-sweep …")
/// ```
public struct CompressionSweep: Sendable {
    public var points: [OperatingPoint]
    public var policy: TensorPolicy
    public var codec: CodecOptions

    public init(points: [OperatingPoint], policy: TensorPolicy = TensorPolicy(), codec: CodecOptions) {
        self.points = points
        self.policy = policy
        self.codec = codec
    }

    /// One report per point, in order.
    public func run(_ file: SafeTensorsFile) throws -> [CompressionReport] {
        try points.map { point in
            let quantizer = ModelQuantizer(policy: policy, calibration: try point.calibration(rate: codec.rateModel))
            var report = try CompressionPipeline(quantizer: quantizer, codec: codec).compress(file).report
            report.label = point.description
            return report
        }
    }

    /// Header of the per-point CSV.
    public static let summaryCSVHeader =
        "point,codec,table_log,lanes,float_dtype,params,params_quantized,params_kept,kept_bytes,bins_min,bins_max,sqnr_db,entropy_bits_per_quantized_weight,fixed_bits_per_quantized_weight,huffman_bits_per_quantized_weight,tans_bits_per_quantized_weight,fixed_bytes,huffman_bytes,tans_bytes,file_bytes,file_bits_per_param,size_mb,compression_ratio_vs_f32,sub_bit_layers"

    /// The per-point CSV (with header).
    public func summaryCSV(_ reports: [CompressionReport]) -> String {
        var lines = [Self.summaryCSVHeader]
        for r in reports {
            let f = CompressionReport.f6
            lines.append([
                r.label, codec.codec.rawValue, "\(codec.tableLog)", "\(codec.lanes)", policy.floatStorage.rawValue,
                "\(r.parameterCount)", "\(r.quantizedParameterCount)", "\(r.keptParameterCount)", "\(r.keptBytes)",
                "\(r.bins?.lowerBound ?? 0)", "\(r.bins?.upperBound ?? 0)",
                CompressionReport.db(r.totalDistortion.sqnrDecibels),
                f(r.entropyBitsPerQuantizedWeight), f(r.fixedWidthBitsPerQuantizedWeight),
                f(r.huffmanBitsPerQuantizedWeight), f(r.tansBitsPerQuantizedWeight),
                "\(r.fixedWidthBytes)", "\(r.huffmanBytes)", "\(r.tansBytes)", "\(r.fileBytes)",
                f(r.fileBitsPerParameter), f(Double(r.fileBytes) / 1e6), f(r.compressionRatioVsFloat32),
                "\(r.subBitLayerCount)",
            ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The per-layer CSV (with header).
    public func layersCSV(_ reports: [CompressionReport]) -> String {
        ([CompressionReport.layersCSVHeader] + reports.flatMap { $0.layersCSVRows(point: $0.label) })
            .joined(separator: "\n") + "\n"
    }

    /// The Markdown document: settings, the per-point totals, then each point's per-layer table.
    public func markdown(_ reports: [CompressionReport], modelName: String, command: String) -> String {
        let f3 = CompressionReport.f3
        var md = """
            # \(modelName): post-training compression

            Generated by `\(command)` — do not edit; a test recomputes it when the weights are present.

            Codec of the `.sbw` files: **\(codec.codec.rawValue)**, table log \(codec.tableLog), \
            \(codec.lanes) lane(s). Quantized: float tensors of rank ≥ 2 (conv, depthwise conv and \
            linear weights); kept: everything else, floats stored as \(policy.floatStorage.rawValue). \
            `bins=N`: N bins in every layer, MSE-optimal step per layer. `mu=μ`: per layer, bins and \
            step minimizing squared error + μ·(tANS bits); `rmu=μ`: the same with each layer's error \
            relative to its mean squared weight (same SQNR slope in every layer); `@N`: at most N bins.

            Bits per weight count every coded byte of a layer, headers included (fixed-width: \
            ⌈log₂ N⌉ bits per weight; Huffman: canonical code lengths; tANS: normalized counts and \
            lane states). *b/qw* = bits per quantized weight; *b/param* = the whole `.sbw` file \
            (kept tensors and metadata too) over all parameters. Size MB = `.sbw` bytes / 10⁶. \
            *Sub-bit layers*: layers tANS codes under 1 bit per weight while Huffman needs ≥ 1.

            | point | bins | SQNR dB | entropy b/qw | fixed b/qw | Huffman b/qw | tANS b/qw | b/param | size MB | × vs f32 | sub-bit layers |
            | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |

            """
        for r in reports {
            md += "| \(r.label) | \(r.binsText) | \(CompressionReport.db(r.totalDistortion.sqnrDecibels)) | "
                + "\(f3(r.entropyBitsPerQuantizedWeight)) | \(f3(r.fixedWidthBitsPerQuantizedWeight)) | "
                + "\(f3(r.huffmanBitsPerQuantizedWeight)) | \(f3(r.tansBitsPerQuantizedWeight)) | "
                + "\(f3(r.fileBitsPerParameter)) | \(f3(Double(r.fileBytes) / 1e6)) | "
                + "\(CompressionReport.f2(r.compressionRatioVsFloat32)) | \(r.subBitLayerCount) |\n"
        }
        if let first = reports.first {
            md += "\nParameters: \(first.parameterCount) (\(first.quantizedParameterCount) quantized in "
                + "\(first.layers.count) tensors, \(first.keptParameterCount) kept in \(first.kept.count) tensors). "
                + "Float32 size: \(f3(Double(first.parameterCount) * 4 / 1e6)) MB.\n"
        }
        for r in reports {
            md += "\n## \(r.label)\n\n" + r.markdownTable()
        }
        if let first = reports.first, !first.kept.isEmpty {
            md += "\n## Kept tensors (every point)\n\n" + first.keptMarkdownTable()
        }
        return md
    }
}
