import ModelIO

/// One operating point of a compression sweep: a fixed bin count (MSE-calibrated steps) or a
/// rate–distortion weight μ, optionally with a bin cap, each with nearest rounding or RDOQ levels.
///
/// Written and parsed as `bins=15`, `mu=1e-05` or `mu=0.001@3` (μ with at most 3 bins per layer),
/// `rmu=0.3` (relative distortion); `+rdoq` adds RDOQ: `mu=1e-05+rdoq`, `rmu=0.3@3+rdoq` (at the
/// point's own μ and measure), `bins=15+rdoq=1e-05` (absolute) or `bins=15+rrdoq=0.05` (relative).
///
/// ```swift
/// try OperatingPoint(parsing: "bins=15+rrdoq=0.05")   // .binsRDOQ(15, rateWeight: 0.05, measure: .relative)
/// try OperatingPoint(parsing: "mu=1e-4+rdoq").description   // "mu=0.0001+rdoq"
/// ```
public enum OperatingPoint: Hashable, Sendable, CustomStringConvertible {
    case bins(Int)
    case rateWeight(Double, maxBins: Int, measure: RateDistortionCalibration.Measure = .absolute)
    /// `N` bins, MSE step, RDOQ levels at μ.
    case binsRDOQ(Int, rateWeight: Double, measure: RateDistortionCalibration.Measure)
    /// Rate–distortion calibration at μ, then RDOQ levels at the same μ and measure.
    case rateWeightRDOQ(Double, maxBins: Int, measure: RateDistortionCalibration.Measure = .absolute)

    /// Parses `bins=N`, `mu=μ` or `mu=μ@N` (absolute squared error), `rmu=μ` or `rmu=μ@N`
    /// (relative: per-layer noise-to-signal), each μ point optionally followed by `+rdoq`, and
    /// `bins=N+rdoq=μ` / `bins=N+rrdoq=μ`.
    /// - Throws: ``QuantizationError/invalidOperatingPoint(_:)`` for anything else, or
    ///   ``QuantizationError/invalidRDOQPoint(_:reason:)`` naming what is wrong with a `+rdoq` part.
    public init(parsing text: String) throws {
        var base = text
        var rdoq: (measure: RateDistortionCalibration.Measure, mu: String?)?
        if let plus = text.range(of: "+r") {
            base = String(text[..<plus.lowerBound])
            let suffix = String(text[plus.lowerBound...].dropFirst())     // "rdoq", "rdoq=μ", "rrdoq=μ"
            let parts = suffix.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            switch parts[0] {
            case "rdoq": rdoq = (.absolute, parts.count == 2 ? parts[1] : nil)
            case "rrdoq": rdoq = (.relative, parts.count == 2 ? parts[1] : nil)
            default:
                throw QuantizationError.invalidRDOQPoint(text, reason: "'+\(parts[0])' is not +rdoq or +rrdoq")
            }
        }
        let parts = base.split(separator: "=", maxSplits: 1).map(String.init)
        if parts.count == 2, parts[0] == "bins", let n = Int(parts[1]) {
            guard (try? LayerBins(bins: n)) != nil else { throw QuantizationError.invalidOperatingPoint(text) }
            guard let rdoq else { self = .bins(n); return }
            guard let muText = rdoq.mu else {
                throw QuantizationError.invalidRDOQPoint(text, reason: "a bins point needs RDOQ's μ: write bins=\(n)+rdoq=μ or bins=\(n)+rrdoq=μ")
            }
            guard let mu = Double(muText), mu.isFinite, mu >= 0 else {
                throw QuantizationError.invalidRDOQPoint(text, reason: "RDOQ's μ '\(muText)' is not a number ≥ 0")
            }
            self = .binsRDOQ(n, rateWeight: mu, measure: rdoq.measure)
        } else if parts.count == 2, parts[0] == "mu" || parts[0] == "rmu" {
            let muAndCap = parts[1].split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let mu = Double(muAndCap[0]), mu.isFinite, mu >= 0 else { throw QuantizationError.invalidOperatingPoint(text) }
            let cap = muAndCap.count == 2 ? Int(muAndCap[1]) : ZeroPointQuantizer.maxBins
            guard let cap, (try? LayerBins(bins: cap)) != nil else { throw QuantizationError.invalidOperatingPoint(text) }
            let measure: RateDistortionCalibration.Measure = parts[0] == "mu" ? .absolute : .relative
            guard let rdoq else { self = .rateWeight(mu, maxBins: cap, measure: measure); return }
            guard rdoq.mu == nil, rdoq.measure == .absolute else {
                throw QuantizationError.invalidRDOQPoint(text, reason: "a \(parts[0]) point runs RDOQ at its own μ and measure: write \(base)+rdoq")
            }
            self = .rateWeightRDOQ(mu, maxBins: cap, measure: measure)
        } else {
            throw QuantizationError.invalidOperatingPoint(text)
        }
    }

    public var description: String {
        switch self {
        case .bins(let n): return "bins=\(n)"
        case .rateWeight(let mu, let cap, let measure):
            let key = measure == .absolute ? "mu" : "rmu"
            return cap == ZeroPointQuantizer.maxBins ? "\(key)=\(mu)" : "\(key)=\(mu)@\(cap)"
        case .binsRDOQ(let n, let mu, let measure):
            return "bins=\(n)+\(measure == .absolute ? "rdoq" : "rrdoq")=\(mu)"
        case .rateWeightRDOQ(let mu, let cap, let measure):
            return OperatingPoint.rateWeight(mu, maxBins: cap, measure: measure).description + "+rdoq"
        }
    }

    /// The calibration of this point, with `rate` as the coded-size model for μ points.
    public func calibration(rate: RateModel) throws -> Calibration {
        switch self {
        case .bins(let n), .binsRDOQ(let n, _, _): return .fixed(try LayerBins(bins: n), .mse)
        case .rateWeight(let mu, let cap, let measure), .rateWeightRDOQ(let mu, let cap, let measure):
            return .rateDistortion(try RateDistortionCalibration(rateWeight: mu, rate: rate, maxBins: cap, measure: measure))
        }
    }

    /// The RDOQ of this point with `codec`'s table log and coded size, or nil (nearest rounding).
    public func rdoq(codec: CodecOptions) throws -> RDOQ? {
        switch self {
        case .bins, .rateWeight: return nil
        case .binsRDOQ(_, let mu, let measure), .rateWeightRDOQ(let mu, _, let measure):
            return try RDOQ(rateWeight: mu, measure: measure, codec: codec)
        }
    }

    /// The model quantizer of this point.
    public func quantizer(policy: TensorPolicy, codec: CodecOptions) throws -> ModelQuantizer {
        ModelQuantizer(policy: policy, calibration: try calibration(rate: codec.rateModel), rdoq: try rdoq(codec: codec))
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
            let quantizer = try point.quantizer(policy: policy, codec: codec)
            var report = try CompressionPipeline(quantizer: quantizer, codec: codec).compress(file).report
            report.label = point.description
            return report
        }
    }

    /// Header of the per-point CSV.
    static let summaryCSVHeader =
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
        // Said only when a point uses RDOQ, so the documents of the other sweeps keep their bytes.
        let usesRDOQ = points.contains { if case .binsRDOQ = $0 { return true }; if case .rateWeightRDOQ = $0 { return true }; return false }
        let rdoqNote = usesRDOQ
            ? " `+rdoq`: levels chosen by rate–distortion-optimized quantization (RDOQ) at the point's μ instead of nearest rounding (`bins=N+rdoq=μ`: MSE step, RDOQ at μ with absolute error; `+rrdoq=μ`: relative)."
            : ""
        var md = """
            # \(modelName): post-training compression

            Generated by `\(command)` — do not edit; a test recomputes it when the weights are present.

            Codec of the `.sbw` files: **\(codec.codec.rawValue)**, table log \(codec.tableLog), \
            \(codec.lanes) lane(s). Quantized: float tensors of rank ≥ 2 (conv, depthwise conv and \
            linear weights); kept: everything else, floats stored as \(policy.floatStorage.rawValue). \
            `bins=N`: N bins in every layer, MSE-optimal step per layer. `mu=μ`: per layer, bins and \
            step minimizing squared error + μ·(tANS bits); `rmu=μ`: the same with each layer's error \
            relative to its mean squared weight (same SQNR slope in every layer); `@N`: at most N bins.\(rdoqNote)

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
