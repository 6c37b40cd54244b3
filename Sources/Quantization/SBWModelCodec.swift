import Foundation
import EntropyCoding
import ModelIO

/// Writes a `QuantizedModel` as an `.sbw` file and reads it back.
///
/// Quantized tensors become coded `.sbw` tensors (step, bins, codec parameters, stream).
/// Kept float tensors become raw float32 or float16 tensors, or 8-bit tensors (record kind 4,
/// ``SBWAffine8``) that decode to F32; a kept BF16 tensor is stored as
/// float32 (exact) and its dtype recorded in the metadata (`dtype:<name>`), so it comes back
/// byte for byte. Integer tensors (`num_batches_tracked`), which `.sbw` has no raw kind for,
/// ride in the metadata as text (`int:<name>` = `<dtype> <shape> <values>`), exactly.
///
/// ```swift
/// let bytes = try SBWModelCodec.encode(model, options: try CodecOptions(tableLog: 11))
/// let back = try SBWModelCodec.decode(bytes)   // == model
/// ```
public enum SBWModelCodec {
    /// Metadata key marking files written by this codec.
    public static let formatKey = "subbit.model"
    public static let formatValue = "quantized/1"
    /// Integer tensors larger than this are refused (they would bloat the metadata).
    static let maxIntegerElements = 65_536

    public static func encode(_ model: QuantizedModel, options: CodecOptions) throws -> [UInt8] {
        var metadata = [formatKey: formatValue]
        var tensors = [SBWTensor]()
        for name in model.quantized.map(\.name) + model.kept.map(\.name) where name == "__metadata__" {
            throw QuantizationError.reservedName(name)
        }
        for t in model.quantized {
            let q: SBWQuantizedTensor
            if options.layerForm == .smallest && options.codec == .tans {
                let choice = try StoredFormChoice(t.symbols, alphabetSize: t.codedAlphabetSize, tableLog: options.tableLog,
                                                  lanes: options.lanes, layout: options.layout)
                q = try SBWQuantizedTensor(step: t.quantizer.step, bins: t.quantizer.bins, coded: choice.coded,
                                           dependentQuantization: t.dependentQuantization, channelSteps: t.channelSteps,
                                           splitLevels: t.splitLevels)
            } else {
                q = try SBWQuantizedTensor(step: t.quantizer.step, bins: t.quantizer.bins,
                                           coded: options.configuration.encode(t.symbols, alphabetSize: t.codedAlphabetSize),
                                           dependentQuantization: t.dependentQuantization, channelSteps: t.channelSteps,
                                           splitLevels: t.splitLevels)
            }
            tensors.append(try SBWTensor(name: t.name, shape: t.shape, payload: .quantized(q)))
        }
        for k in model.kept {
            let d = k.data
            if let code = k.affine8 {
                tensors.append(try SBWTensor(name: k.name, shape: d.shape, payload: .affine8(code)))
                continue
            }
            switch d.dtype {
            case .f32:
                tensors.append(try SBWTensor(name: k.name, shape: d.shape, payload: .float32(d.floats())))
            case .f16:
                let bits = d.bytes.withUnsafeBytes { raw in
                    (0..<d.elementCount).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) }
                }
                tensors.append(try SBWTensor(name: k.name, shape: d.shape, payload: .float16(bits)))
            case .bf16:
                metadata["dtype:" + k.name] = d.dtype.rawValue
                tensors.append(try SBWTensor(name: k.name, shape: d.shape, payload: .float32(d.floats())))
            case .f64:
                throw QuantizationError.unsupportedDType(tensor: k.name, dtype: "F64 (store it as F32 first)")
            default:
                guard d.elementCount <= maxIntegerElements else {
                    throw QuantizationError.unsupportedDType(tensor: k.name, dtype: "\(d.dtype) with \(d.elementCount) elements")
                }
                let integers: [Int64]
                do { integers = try d.integers() } catch {
                    throw QuantizationError.invalidValues(tensor: k.name, reason: "\(error)")
                }
                let values = integers.map(String.init).joined(separator: ",")
                metadata["int:" + k.name] = "\(d.dtype.rawValue) \(d.shape.map(String.init).joined(separator: "x")) \(values)"
            }
        }
        return SBWFile(metadata: metadata, tensors: tensors, nameCoding: options.nameCoding).serialized()
    }

    /// Reads a model written by ``encode(_:options:)``; `limits` bound what the file may decode
    /// to (see ``SBWFile/Limits``).
    public static func decode(_ bytes: [UInt8], limits: SBWFile.Limits = .standard) throws -> QuantizedModel {
        try decode(try SBWFile(bytes: bytes, limits: limits))
    }

    /// The model an already parsed file holds (the container checks were done by
    /// `SBWFile(bytes:limits:)`), so a caller that also reads the file's records parses it once.
    public static func decode(_ file: SBWFile) throws -> QuantizedModel {
        let parsed = try parse(file)
        let quantized = try parsed.quantized.map { t in
            try QuantizedTensor(name: t.name, shape: t.shape, quantizer: t.quantizer, symbols: t.coded.symbols(),
                                dependentQuantization: t.coded.dependentQuantization, channelSteps: t.coded.channelSteps,
                                splitLevels: t.coded.splitLevels)
        }
        return try QuantizedModel(quantized: quantized, kept: parsed.kept)
    }

    /// Writes the model in `bytes` to `url` as safetensors — quantized tensors as their F32
    /// dequantized values, kept tensors as stored: the bytes of
    /// `decode(bytes).dequantized(metadata:).write(to:)` — decoding one tensor at a time, so
    /// memory holds the file and the largest tensor, never the whole decoded model.
    ///
    /// ```swift
    /// let written = try SBWModelCodec.decompress(try Array(Data(contentsOf: sbw)), to: out,
    ///                                             metadata: ["format": "pt"])
    /// ```
    /// - Returns: the quantized and kept tensor counts and the parameter count.
    /// - Throws: what ``decode(_:limits:)`` throws for the same file, or a ``FileAccessError``
    ///   naming `url` (a previous file there stays intact).
    @discardableResult
    public static func decompress(_ bytes: [UInt8], limits: SBWFile.Limits = .standard, to url: URL,
                                  metadata: [String: String]) throws -> (quantized: Int, kept: Int, parameters: Int) {
        let parsed = try parse(bytes, limits: limits)
        var seen = Set<String>()
        for name in parsed.quantized.map(\.name) + parsed.kept.map(\.name) where !seen.insert(name).inserted {
            throw QuantizationError.duplicateTensor(name)
        }
        let quantized = Dictionary(uniqueKeysWithValues: parsed.quantized.map { ($0.name, $0) })
        let kept = Dictionary(uniqueKeysWithValues: parsed.kept.map { ($0.name, $0) })
        let descriptors = try parsed.quantized.map { try SafeTensorsFile.Descriptor(name: $0.name, dtype: .f32, shape: $0.shape) }
            + parsed.kept.map { try SafeTensorsFile.Descriptor(name: $0.name, dtype: $0.data.dtype, shape: $0.data.shape) }
        try SafeTensorsFile.write(to: url, metadata: metadata, tensors: descriptors) { entry in
            if let t = quantized[entry.name] {
                let tensor = try QuantizedTensor(name: t.name, shape: t.shape, quantizer: t.quantizer, symbols: t.coded.symbols(),
                                                 dependentQuantization: t.coded.dependentQuantization,
                                                 channelSteps: t.coded.channelSteps, splitLevels: t.coded.splitLevels)
                return try TensorData(floats: tensor.dequantized(), shape: tensor.shape).bytes
            }
            return kept[entry.name]!.data.bytes
        }
        let parameters = parsed.quantized.reduce(0) { $0 + $1.coded.coded.symbolCount }
            + parsed.kept.reduce(0) { $0 + $1.data.elementCount }
        return (parsed.quantized.count, parsed.kept.count, parameters)
    }

    /// A quantized tensor of a parsed file, its symbols still coded.
    struct PendingTensor {
        let name: String
        let shape: [Int]
        let quantizer: ZeroPointQuantizer
        let coded: SBWQuantizedTensor
    }

    /// Parses and checks everything but the coded streams, which stay coded.
    static func parse(_ bytes: [UInt8], limits: SBWFile.Limits) throws -> (quantized: [PendingTensor], kept: [KeptTensor]) {
        try parse(try SBWFile(bytes: bytes, limits: limits))
    }

    static func parse(_ file: SBWFile) throws -> (quantized: [PendingTensor], kept: [KeptTensor]) {
        guard file.metadata[formatKey] == formatValue else {
            throw QuantizationError.malformedModel("no '\(formatKey)' metadata: not written by 'subbit compress'")
        }
        var quantized = [PendingTensor](), kept = [KeptTensor]()
        for t in file.tensors where t.name == "__metadata__" { throw QuantizationError.reservedName(t.name) }
        for t in file.tensors {
            switch t.payload {
            case .quantized(let q):
                let quantizer: ZeroPointQuantizer
                do { quantizer = try ZeroPointQuantizer(bins: q.bins, step: q.step) } catch {
                    throw QuantizationError.malformedModel("tensor '\(DisplayName.escaped(t.name))': \(error)")
                }
                quantized.append(PendingTensor(name: t.name, shape: t.shape, quantizer: quantizer, coded: q))
            case .float32(let values):
                let dtype = file.metadata["dtype:" + t.name].flatMap(DType.init(rawValue:)) ?? .f32
                guard dtype == .f32 || dtype == .bf16 else {
                    throw QuantizationError.malformedModel("tensor '\(DisplayName.escaped(t.name))' has recorded dtype \(dtype)")
                }
                kept.append(KeptTensor(name: t.name, data: try TensorData(floats: values, shape: t.shape, dtype: dtype)))
            case .float16(let bits):
                var raw = [UInt8]()
                raw.reserveCapacity(bits.count * 2)
                for b in bits { raw.append(UInt8(truncatingIfNeeded: b)); raw.append(UInt8(truncatingIfNeeded: b >> 8)) }
                kept.append(KeptTensor(name: t.name, data: try TensorData(dtype: .f16, shape: t.shape, bytes: raw)))
            case .affine8(let code):
                kept.append(try KeptTensor(name: t.name, shape: t.shape, affine8: code))
            }
        }
        for (key, value) in file.metadata.sorted(by: { $0.key < $1.key }) where key.hasPrefix("int:") {
            kept.append(KeptTensor(name: String(key.dropFirst(4)), data: try integerTensor(value, key: key)))
        }
        return (quantized, kept)
    }

    /// Parses `<dtype> <d0>x<d1>… <v0>,<v1>,…` (an empty shape or value list is an empty field).
    static func integerTensor(_ text: String, key: String) throws -> TensorData {
        let fields = text.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 3, let dtype = DType(rawValue: String(fields[0])), !dtype.isFloatingPoint else {
            throw QuantizationError.malformedModel("metadata '\(key)' is not '<dtype> <shape> <values>'")
        }
        let shape = fields[1].isEmpty ? [] : fields[1].split(separator: "x").map { Int($0) }
        let values = fields[2].isEmpty ? [] : fields[2].split(separator: ",").map { Int64($0) }
        guard shape.allSatisfy({ $0 != nil }), values.allSatisfy({ $0 != nil }),
              values.count <= maxIntegerElements else {
            throw QuantizationError.malformedModel("metadata '\(key)' has a bad shape or value")
        }
        do {
            return try TensorData(integers: values.map { $0! }, shape: shape.map { $0! }, dtype: dtype)
        } catch {
            throw QuantizationError.malformedModel("metadata '\(key)': \(error)")
        }
    }
}
