import EntropyCoding
import ModelIO
import Quantization

/// The `.sbw` fuzz target: what `subbit decode`, `inspect` and `decompress` do with a file —
/// parse with the default limits, decode every coded tensor, take its histogram, read it as a
/// compressed model, dequantize it and (when small) check the safetensors it would write reads
/// back — fed with valid files of every codec, their mutations (most with the record and file
/// CRC-32C recomputed so the mutation reaches the parser; kept tensors in every record kind:
/// float32, float16 and 8-bit; plain and front-coded names), and size bombs: constant-mode and
/// zero-bit tANS streams claiming up to 2⁴⁰ symbols, files of many tensors each under the
/// per-tensor limit, integer metadata with huge shapes.
///
/// ```swift
/// var random = FuzzRandom(seed: 1)
/// let bytes = SBWTarget.generate(&random)
/// let outcome = try SBWTarget.feed(bytes)
/// ```
/// - Complexity: each case is bounded by the file's size and ``SBWFile/Limits``.
enum SBWTarget {
    static func generate(_ random: inout FuzzRandom) -> [UInt8] {
        switch random.below(20) {
        case 0, 1: return sizeBomb(&random)
        case 2: return validModel(&random)
        default:
            let seed = validModel(&random)
            let records = recordRanges(seed)
            let choice = random.below(10)
            if choice < 6, let record = records.isEmpty ? nil : random.pick(records) {
                let bodyStart = record.lowerBound
                var mutated = ByteMutator.mutate(seed, in: bodyStart..<record.upperBound, random: &random)
                // Forge: recompute the record's and the file's CRCs where the layout still parses.
                forgeChecksums(&mutated)
                return mutated
            }
            var mutated = ByteMutator.mutate(seed, random: &random)
            if choice < 8 { forgeFileChecksum(&mutated) }
            return mutated
        }
    }

    /// Runs the readers; returns whether the input decoded. Throws only unexpected errors.
    static func feed(_ bytes: [UInt8]) throws -> Bool {
        do {
            let file = try SBWFile(bytes: bytes)
            var decodedBytes = 0
            for tensor in file.tensors {
                if case .quantized(let q) = tensor.payload {
                    let symbols = try q.symbols()
                    _ = try SymbolStatistics.histogram(symbols, alphabetSize: q.coded.alphabetSize)
                    _ = try q.indices()
                    decodedBytes += symbols.count * 4
                }
                _ = tensor.storedBits
            }
            let model = try SBWModelCodec.decode(bytes)
            let output = try model.dequantized(metadata: ["format": "pt"])
            if decodedBytes <= 16 << 20, !output.tensors.keys.contains("__metadata__") {
                let back = try SafeTensorsFile(bytes: output.serialized())
                guard back == output else { throw FuzzFinding("decompress output does not read back as written") }
            }
            return true
        } catch is EntropyCodingError {
            return false
        } catch is QuantizationError {
            return false
        } catch is TensorDataError {
            return false
        }
    }

    // MARK: Valid files

    static func validModel(_ random: inout FuzzRandom) -> [UInt8] {
        for _ in 0..<8 {
            do {
                var quantized: [QuantizedTensor] = []
                for t in 0..<(1 + random.below(3)) {
                    let count = 1 + random.below(random.chance(0.8) ? 64 : 2048)
                    // Split levels (record kind 6: more than 255 bins) on some layers.
                    if random.chance(0.15) {
                        let wide = 2 * (128 + random.below(1920)) + 1
                        let indices = (0..<count).map { _ in UInt16(random.below(wide)) }
                        quantized.append(try QuantizedTensor(name: "layer\(t).weight", shape: [count],
                                                             quantizer: ZeroPointQuantizer(bins: wide, step: 0.001 * Float(1 + random.below(9))),
                                                             indices: indices))
                        continue
                    }
                    let bins = 2 * random.below(random.chance(0.5) ? 8 : 128) + 1
                    let zero = bins / 2
                    let spread = max(1, random.below(bins))
                    let symbols = (0..<count).map { _ -> UInt8 in
                        random.chance(0.7) ? UInt8(zero) : UInt8(max(0, min(bins - 1, zero + random.below(2 * spread + 1) - spread)))
                    }
                    let shape = count % 4 == 0 && random.chance(0.5) ? [4, count / 4] : [count]
                    let step = 0.01 * Float(1 + random.below(9))
                    // Per-channel steps (record kind 5) on some layers of ≥ 3 bins.
                    let channelSteps = bins >= 3 && random.chance(0.3)
                        ? try ChannelSteps(base: step, codes: (0..<shape[0]).map { _ in UInt8(random.below(256)) }) : nil
                    quantized.append(try QuantizedTensor(name: "layer\(t).weight", shape: shape,
                                                         quantizer: ZeroPointQuantizer(bins: bins, step: step),
                                                         symbols: symbols, channelSteps: channelSteps))
                }
                var kept: [KeptTensor] = []
                if random.chance(0.5) {
                    kept.append(KeptTensor(name: "layer0.bias", data: try TensorData(floats: (0..<4).map { Float($0) - 1.5 }, shape: [4])))
                }
                if random.chance(0.3) {
                    kept.append(KeptTensor(name: "bn.num_batches_tracked", data: try TensorData(integers: [Int64(random.below(1000))], shape: [], dtype: .i64)))
                }
                if random.chance(0.2) {
                    kept.append(KeptTensor(name: "half", data: try TensorData(floats: [0.5, -2], shape: [2], dtype: .f16)))
                }
                if random.chance(0.4) {
                    // An 8-bit kept tensor (record kind 4), sometimes constant.
                    let n = 1 + random.below(40)
                    let values = (0..<n).map { _ in random.chance(0.2) ? 1 : Float(random.below(2001)) / 1000 - 1 }
                    kept.append(try KeptTensor(name: "bn.running_var", data: TensorData(floats: values, shape: [n]), storage: .q8))
                }
                let codec = random.pick(CodecKind.allCases)
                var options = try CodecOptions(codec: codec, tableLog: 5 + random.below(8), lanes: random.pick([1, 1, 2, 4, 8, 12, 16]),
                                               layout: random.chance(0.5) ? .split : .interleaved)
                if random.chance(0.3) { options.nameCoding = .frontCoded }   // version 2: names share prefixes
                return try SBWModelCodec.encode(QuantizedModel(quantized: quantized, kept: kept), options: options)
            } catch {
                continue   // e.g. too many bins for a small table log: draw again
            }
        }
        return SBWFile(metadata: [:], tensors: []).serialized()
    }

    // MARK: Size bombs

    static func sizeBomb(_ random: inout FuzzRandom) -> [UInt8] {
        let limitElements = SBWFile.Limits.defaultMaxDecodedBytesPerTensor / 4
        let counts = [1 << 32, 1 << 40, limitElements + 1, limitElements, 1 << 24, 1 << 30, 65_536 * 65_536]
        // Claims under the limit decode for real (legitimately large): keep them rare.
        var count = random.pick(counts)
        if count <= limitElements && !random.chance(0.02) { count = limitElements + 1 + random.below(1 << 20) }
        var metadata = [SBWModelCodec.formatKey: SBWModelCodec.formatValue]
        var records: [[UInt8]] = []
        switch random.below(4) {
        case 0:
            records.append(record(name: "w", shape: [count], bins: 1, coded: constantStream(count: count, alphabet: 1, symbol: 0)))
        case 1:
            records.append(record(name: "w", shape: [count], bins: 3, coded: zeroBitStream(count: count, random: &random)))
        case 2:
            // Many tensors, each under the per-tensor limit, together over the per-file limit.
            let each = limitElements / 2 + 1 + random.below(1000)
            for i in 0..<(4 + random.below(6)) {
                records.append(record(name: "t\(i)", shape: [each], bins: 1, coded: constantStream(count: each, alphabet: 1, symbol: 0)))
            }
        default:
            metadata["int:big"] = "I64 \(count)x\(count) "
            records.append(record(name: "w", shape: [4], bins: 1, coded: constantStream(count: 4, alphabet: 1, symbol: 0)))
        }
        return file(metadata: metadata, records: records)
    }

    static func constantStream(count: Int, alphabet: Int, symbol: Int) -> [UInt8] {
        var w = BitWriter()
        w.write(1, bitCount: 2)
        w.write(UInt64(alphabet - 1), bitCount: 8)
        w.writeLengthPrefixed(count)
        w.write(UInt64(symbol), bitCount: 8)
        w.padToByte()
        return w.bytes
    }

    /// A tANS stream whose most frequent symbol holds more than half the table, so runs of it
    /// cost zero bits: only the decoded-size limit stops a huge claim.
    static func zeroBitStream(count: Int, random: inout FuzzRandom) -> [UInt8] {
        let counts = try! NormalizedCounts(validatingCounts: [1, 30, 1], tableLog: 5)
        let lanes = random.pick([1, 4])
        var w = BitWriter()
        w.write(2, bitCount: 2)
        w.write(2, bitCount: 8)
        w.writeLengthPrefixed(count)
        w.write(5, bitCount: 4)
        w.write(UInt64(lanes - 1), bitCount: 6)
        w.write(bit: false)
        NormalizedCountsCoding.write(counts, to: &w)
        for _ in 0..<min(count, lanes) { w.write(UInt64(1 + random.below(30)), bitCount: 5) }
        for _ in 0..<lanes { w.writeLengthPrefixed(random.below(64)) }
        w.padToByte()
        w.append(bytes: [UInt8](repeating: 0, count: 8 * lanes))
        return w.bytes
    }

    // MARK: Layout

    static func record(name: String, shape: [Int], bins: Int, coded: [UInt8]) -> [UInt8] {
        var body = ByteMutator.varint(UInt64(name.utf8.count)) + Array(name.utf8)
        body += ByteMutator.varint(UInt64(shape.count))
        for d in shape { body += ByteMutator.varint(UInt64(d)) }
        body.append(0)
        body += littleEndian(Float(0.01).bitPattern)
        body += ByteMutator.varint(UInt64(bins))
        body.append(0)   // tANS
        body += coded
        return ByteMutator.varint(UInt64(body.count)) + body + littleEndian(CRC32C.checksum(body))
    }

    static func file(metadata: [String: String], records: [[UInt8]]) -> [UInt8] {
        var out = SBWFile.magic + [1, 0]
        out += ByteMutator.varint(UInt64(metadata.count))
        for key in metadata.keys.sorted() {
            for s in [key, metadata[key]!] { out += ByteMutator.varint(UInt64(s.utf8.count)) + Array(s.utf8) }
        }
        out += ByteMutator.varint(UInt64(records.count))
        for r in records { out += r }
        return out + littleEndian(CRC32C.checksum(out))
    }

    static func littleEndian(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }

    /// The byte ranges of the record bodies, walking the layout as far as it parses.
    static func recordRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        var position = 6
        func varint() -> Int? {
            var value = 0, shift = 0
            while position < bytes.count, shift < 63 {
                let b = bytes[position]
                position += 1
                value |= Int(b & 0x7F) << shift
                if b & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        guard bytes.count > 10, let metadata = varint() else { return [] }
        for _ in 0..<(2 * min(metadata, 1 << 16)) {
            guard let length = varint(), length <= bytes.count - position else { return [] }
            position += length
        }
        guard let tensors = varint() else { return [] }
        var ranges: [Range<Int>] = []
        for _ in 0..<min(tensors, 1 << 16) {
            guard let length = varint(), length <= bytes.count - position - 8 else { break }
            ranges.append(position..<(position + length))
            position += length + 4
        }
        return ranges
    }

    static func forgeChecksums(_ bytes: inout [UInt8]) {
        for record in recordRanges(bytes) where record.upperBound + 4 <= bytes.count - 4 {
            let crc = littleEndian(CRC32C.checksum(bytes[record]))
            bytes.replaceSubrange(record.upperBound..<(record.upperBound + 4), with: crc)
        }
        forgeFileChecksum(&bytes)
    }

    static func forgeFileChecksum(_ bytes: inout [UInt8]) {
        guard bytes.count >= 10 else { return }
        let crc = littleEndian(CRC32C.checksum(bytes[0..<(bytes.count - 4)]))
        bytes.replaceSubrange((bytes.count - 4)..<bytes.count, with: crc)
    }
}
