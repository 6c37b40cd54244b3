import ModelIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What compressing one model at one operating point cost and achieved, per tensor and in
/// total — the table `subbit compress` prints and `subbit compress-sweep` writes.
///
/// Every size is a real encoded size: each quantized layer's symbols are coded with the
/// fixed-width, Huffman and tANS coders of `EntropyCoding` (header — code lengths or
/// normalized counts, lane states — included), and `fileBytes` is the written `.sbw` file.
/// Two bits-per-weight figures are reported, never mixed up:
/// - **bits per quantized weight** = coded bits of the quantized layers / their weight count;
/// - **bits per parameter** = every byte of the `.sbw` file (quantized layers, float and
///   integer tensors, container metadata) × 8 / all parameters of the model.
public struct CompressionReport: Sendable {
    /// One quantized layer.
    public struct Layer: Sendable, Hashable {
        public var name: String
        public var shape: [Int]
        public var bins: Int
        public var step: Float
        public var distortion: Distortion
        /// Empirical entropy of the symbols, bits per weight.
        var entropyBitsPerWeight: Double
        /// Encoded sizes of the layer's symbols, bytes, header included.
        var fixedWidthBytes: Int
        var huffmanBytes: Int
        var tansBytes: Int

        public var parameterCount: Int { distortion.count }
        func bitsPerWeight(_ bytes: Int) -> Double {
            parameterCount == 0 ? 0 : Double(bytes) * 8 / Double(parameterCount)
        }
        var fixedWidthBitsPerWeight: Double { bitsPerWeight(fixedWidthBytes) }
        var huffmanBitsPerWeight: Double { bitsPerWeight(huffmanBytes) }
        var tansBitsPerWeight: Double { bitsPerWeight(tansBytes) }
    }

    /// One tensor kept without quantization.
    public struct Kept: Sendable, Hashable {
        public var name: String
        public var shape: [Int]
        public var dtype: String
        public var parameterCount: Int
        public var bytes: Int
    }

    /// A short description of the operating point ("mse, 15 bins", "rd, μ=1e-05").
    public var label: String
    public var layers: [Layer]
    public var kept: [Kept]
    /// The codec the `.sbw` file was written with.
    public var codec: String
    /// Size of the written `.sbw` file, bytes.
    public var fileBytes: Int

    public init(label: String, layers: [Layer], kept: [Kept], codec: String, fileBytes: Int) {
        self.label = label
        self.layers = layers
        self.kept = kept
        self.codec = codec
        self.fileBytes = fileBytes
    }

    // MARK: Totals

    public var quantizedParameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }
    var keptParameterCount: Int { kept.reduce(0) { $0 + $1.parameterCount } }
    public var parameterCount: Int { quantizedParameterCount + keptParameterCount }
    var keptBytes: Int { kept.reduce(0) { $0 + $1.bytes } }
    var totalDistortion: Distortion {
        layers.reduce(Distortion(squaredError: 0, signalEnergy: 0, count: 0)) { $0 + $1.distortion }
    }
    var fixedWidthBytes: Int { layers.reduce(0) { $0 + $1.fixedWidthBytes } }
    var huffmanBytes: Int { layers.reduce(0) { $0 + $1.huffmanBytes } }
    var tansBytes: Int { layers.reduce(0) { $0 + $1.tansBytes } }

    func perQuantizedWeight(_ bytes: Int) -> Double {
        quantizedParameterCount == 0 ? 0 : Double(bytes) * 8 / Double(quantizedParameterCount)
    }
    /// Σ n_l·H_l / Σ n_l.
    var entropyBitsPerQuantizedWeight: Double {
        let bits = layers.reduce(0.0) { $0 + $1.entropyBitsPerWeight * Double($1.parameterCount) }
        return quantizedParameterCount == 0 ? 0 : bits / Double(quantizedParameterCount)
    }
    var fixedWidthBitsPerQuantizedWeight: Double { perQuantizedWeight(fixedWidthBytes) }
    var huffmanBitsPerQuantizedWeight: Double { perQuantizedWeight(huffmanBytes) }
    var tansBitsPerQuantizedWeight: Double { perQuantizedWeight(tansBytes) }
    /// `.sbw` file bits / all parameters.
    var fileBitsPerParameter: Double {
        parameterCount == 0 ? 0 : Double(fileBytes) * 8 / Double(parameterCount)
    }
    /// Float32 size of all parameters / `.sbw` file size.
    var compressionRatioVsFloat32: Double {
        fileBytes == 0 ? 0 : Double(parameterCount) * 4 / Double(fileBytes)
    }
    /// Layers that tANS codes under 1 bit per weight while Huffman needs at least 1: where the
    /// "1-bit frontier" of symbol-by-symbol codes is broken.
    var subBitLayerCount: Int {
        layers.filter { $0.tansBitsPerWeight < 1 && $0.huffmanBitsPerWeight >= 1 }.count
    }

    public var bins: ClosedRange<Int>? {
        guard let lo = layers.map(\.bins).min(), let hi = layers.map(\.bins).max() else { return nil }
        return lo...hi
    }

    // MARK: Rendering

    /// The per-layer table (quantized layers, then kept tensors, then totals) as Markdown.
    public func markdownTable() -> String {
        var lines = [
            "| tensor | shape | params | bins | SQNR dB | entropy b/w | fixed b/w | Huffman b/w | tANS b/w | tANS bytes |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for l in layers {
            lines.append("| \(l.name) | \(Self.shape(l.shape)) | \(l.parameterCount) | \(l.bins) | "
                + "\(Self.db(l.distortion.sqnrDecibels)) | \(Self.f3(l.entropyBitsPerWeight)) | "
                + "\(Self.f3(l.fixedWidthBitsPerWeight)) | \(Self.f3(l.huffmanBitsPerWeight)) | "
                + "\(Self.f3(l.tansBitsPerWeight)) | \(l.tansBytes) |")
        }
        if !kept.isEmpty {
            let byType = Dictionary(grouping: kept, by: \.dtype).sorted { $0.key < $1.key }
            for (dtype, group) in byType {
                let params = group.reduce(0) { $0 + $1.parameterCount }
                let bytes = group.reduce(0) { $0 + $1.bytes }
                lines.append("| \(group.count) kept tensors (\(dtype)) | — | \(params) | — | — | — | — | — | — | \(bytes) |")
            }
        }
        let d = totalDistortion
        lines.append("| **quantized total** | | \(quantizedParameterCount) | \(binsText) | \(Self.db(d.sqnrDecibels)) | "
            + "\(Self.f3(entropyBitsPerQuantizedWeight)) | \(Self.f3(fixedWidthBitsPerQuantizedWeight)) | "
            + "\(Self.f3(huffmanBitsPerQuantizedWeight)) | \(Self.f3(tansBitsPerQuantizedWeight)) | \(tansBytes) |")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The totals as `key: value` lines, for the console.
    public func summary() -> String {
        """
        parameters: \(parameterCount) (\(quantizedParameterCount) quantized in \(layers.count) layers, \
        \(keptParameterCount) kept in \(kept.count) tensors, \(keptBytes) bytes)
        SQNR of quantized weights: \(Self.db(totalDistortion.sqnrDecibels)) dB
        bits per quantized weight: entropy \(Self.f3(entropyBitsPerQuantizedWeight)), \
        fixed-width \(Self.f3(fixedWidthBitsPerQuantizedWeight)), Huffman \(Self.f3(huffmanBitsPerQuantizedWeight)), \
        tANS \(Self.f3(tansBitsPerQuantizedWeight)); \(subBitLayerCount) layer(s) under 1 bit with tANS where Huffman needs ≥ 1
        file (\(codec)): \(fileBytes) bytes = \(Self.f3(Double(fileBytes) / 1e6)) MB, \
        \(Self.f3(fileBitsPerParameter)) bits per parameter (all \(parameterCount)), \
        \(Self.f2(compressionRatioVsFloat32))× smaller than float32
        """
    }

    /// Every kept tensor, one row each, as Markdown.
    func keptMarkdownTable() -> String {
        var lines = ["| kept tensor | shape | dtype | params | bytes |", "| --- | --- | --- | ---: | ---: |"]
        for k in kept {
            lines.append("| \(k.name) | \(Self.shape(k.shape)) | \(k.dtype) | \(k.parameterCount) | \(k.bytes) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Header of `layersCSVRows`.
    public static let layersCSVHeader =
        "point,tensor,role,dtype,shape,params,bins,step,sqnr_db,entropy_bits_per_weight,fixed_bits_per_weight,huffman_bits_per_weight,tans_bits_per_weight,fixed_bytes,huffman_bytes,tans_bytes,kept_bytes"

    /// One CSV row per quantized layer, then (with `includeKept`) one per kept tensor; no header.
    /// Quantized rows leave `dtype` and `kept_bytes` empty; kept rows leave the coding columns empty.
    public func layersCSVRows(point: String, includeKept: Bool = false) -> [String] {
        let quantized = layers.map { l in
            [point, l.name, "quantized", "", Self.shape(l.shape), "\(l.parameterCount)", "\(l.bins)", "\(l.step)",
             Self.db(l.distortion.sqnrDecibels), Self.f6(l.entropyBitsPerWeight), Self.f6(l.fixedWidthBitsPerWeight),
             Self.f6(l.huffmanBitsPerWeight), Self.f6(l.tansBitsPerWeight), "\(l.fixedWidthBytes)",
             "\(l.huffmanBytes)", "\(l.tansBytes)", ""].map(Self.csvField).joined(separator: ",")
        }
        guard includeKept else { return quantized }
        return quantized + kept.map { k in
            [point, k.name, "kept", k.dtype, Self.shape(k.shape), "\(k.parameterCount)", "", "", "", "", "", "", "",
             "", "", "", "\(k.bytes)"].map(Self.csvField).joined(separator: ",")
        }
    }

    /// An RFC 4180 field: quoted when it holds a comma, a quote or a line break (a point label
    /// such as `mse, 15 bins`, or a tensor name), with inner quotes doubled.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    var binsText: String {
        guard let b = bins else { return "—" }
        return b.lowerBound == b.upperBound ? "\(b.lowerBound)" : "\(b.lowerBound)–\(b.upperBound)"
    }

    static func shape(_ s: [Int]) -> String { s.map(String.init).joined(separator: "x") }
    static func f2(_ x: Double) -> String { fmt(x, 2) }
    static func f3(_ x: Double) -> String { fmt(x, 3) }
    static func f6(_ x: Double) -> String { fmt(x, 6) }
    static func db(_ x: Double) -> String { x.isInfinite ? (x > 0 ? "inf" : "-inf") : fmt(x, 2) }

    /// Fixed-point formatting without Foundation's locale-dependent `String(format:)`.
    static func fmt(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        let scale = pow(10.0, Double(digits))
        let r = (abs(x) * scale).rounded()
        let whole = Int(r / scale)
        let frac = Int(r - Double(whole) * scale)
        let sign = x < 0 && r > 0 ? "-" : ""
        guard digits > 0 else { return "\(sign)\(whole)" }
        let fracText = String(frac)
        return "\(sign)\(whole)." + String(repeating: "0", count: digits - fracText.count) + fracText
    }
}
