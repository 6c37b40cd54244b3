import EntropyCoding
import ModelIO
import Quantization

/// The safetensors fuzz target: what `subbit compress` and `decompress` do with a file — parse
/// it, read every tensor's values, and, if it parses, check that it round-trips through the
/// writer and that compressing it either fails with a message or yields a model that
/// decompresses (a writer never produces what its reader refuses). Inputs: valid files of
/// every dtype, their byte mutations, JSON-level mutations of the header (dtypes, shapes,
/// offsets, names — including `__metadata__`, control characters and decoys), and size bombs
/// (header lengths up to 2⁶³, shapes whose product overflows, offsets past the end).
///
/// ```swift
/// var random = FuzzRandom(seed: 1)
/// _ = try SafeTensorsTarget.feed(SafeTensorsTarget.generate(&random))
/// ```
/// - Complexity: bounded by the file's size (every size is checked against the bytes).
enum SafeTensorsTarget {
    static func generate(_ random: inout FuzzRandom) -> [UInt8] {
        let seed = valid(&random)
        let headerLength = seed.count >= 8 ? Int(seed[0]) | Int(seed[1]) << 8 : 0
        switch random.below(10) {
        case 0:
            // Header-length bomb.
            var bytes = seed
            let value = random.pick([UInt64.max, 1 << 63, 1 << 40, UInt64(100_000_001), UInt64(headerLength + 1 + random.below(64))])
            for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
            return bytes
        case 1, 2, 3, 4:
            return jsonMutation(seed, headerLength: headerLength, &random)
        case 5:
            return seed
        default:
            return ByteMutator.mutate(seed, random: &random)
        }
    }

    static func feed(_ bytes: [UInt8]) throws -> Bool {
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(bytes: bytes)
        } catch is SafeTensorsError {
            return false
        }
        for name in file.names {
            let t = file.tensors[name]!
            do { if t.dtype.isFloatingPoint { _ = try t.floats() } else { _ = try t.integers() } } catch is TensorDataError {}
        }
        if !file.tensors.keys.contains("__metadata__") {
            guard try SafeTensorsFile(bytes: file.serialized()) == file else {
                throw FuzzFinding("safetensors file does not read back as written")
            }
        }
        // Compress → decompress: either a clear refusal, or an output its reader accepts.
        do {
            let model = try ModelQuantizer(calibration: .fixed(try LayerBins(bins: 7), .maxAbs)).quantize(file)
            let encoded = try SBWModelCodec.encode(model, options: try CodecOptions(tableLog: 7))
            let back = try SBWModelCodec.decode(encoded)
            _ = try back.dequantized(metadata: ["format": "pt"]).serialized()
        } catch is QuantizationError {
        } catch is TensorDataError {
        } catch let error as EntropyCodingError {
            throw FuzzFinding("compress wrote a file its own reader refuses: \(error)")
        }
        return true
    }

    static func valid(_ random: inout FuzzRandom) -> [UInt8] {
        var file = SafeTensorsFile(metadata: random.chance(0.5) ? ["format": "pt"] : [:])
        for i in 0..<(1 + random.below(4)) {
            let dtype = random.pick(DType.allCases)
            let shape = random.chance(0.3) ? [2, 3] : [1 + random.below(6)]
            let count = shape.reduce(1, *)
            let name = random.chance(0.9) ? "layer\(i).weight" : random.pick(["a\nb", "\u{0}", "\"q\"", "λ", "__metadata__x"])
            var bytes = (0..<(count * dtype.byteSize)).map { _ in random.byte() }
            if dtype == .bool { bytes = bytes.map { $0 & (random.chance(0.9) ? 1 : 0xFF) } }
            if dtype.isFloatingPoint { bytes = bytes.map { $0 & 0x3F } }   // mostly finite values
            if let tensor = try? TensorData(dtype: dtype, shape: shape, bytes: bytes) { file.tensors[name] = tensor }
        }
        return file.serialized()
    }

    static let tokens = ["\"__metadata__\"", "\"BOOL\"", "\"F64\"", "\"U64\"", "\"X9\"", "-1", "18446744073709551615",
                         "9223372036854775807", "1e3", "[]", "{}", "null", "\"\\n\"", "\"\\u0000\"", ",", ":", "\"shape\"",
                         "\"dtype\"", "\"data_offsets\"", "[4294967296,4294967296]", "0"]

    /// Replaces a token of the JSON header (a number, a string, a bracket) and fixes the length.
    static func jsonMutation(_ seed: [UInt8], headerLength: Int, _ random: inout FuzzRandom) -> [UInt8] {
        guard seed.count >= 8 + headerLength, headerLength > 2 else { return seed }
        var header = Array(seed[8..<(8 + headerLength)])
        let data = Array(seed[(8 + headerLength)...])
        for _ in 0...random.below(3) {
            let position = random.below(header.count)
            var end = position
            while end < header.count, !",:[]{}".utf8.contains(header[end]) { end += 1 }
            header.replaceSubrange(position..<max(position, end), with: Array(random.pick(tokens).utf8))
        }
        let length = UInt64(header.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + header + data
    }
}
