/// Canonical, length-limited Huffman coding — the "1-bit frontier" baseline: every symbol costs
/// at least one bit (except a one-symbol sequence, which is header only).
///
/// Code lengths are optimal under the length limit (package-merge, Larmore & Hirschberg 1990);
/// codes are canonical (assigned in order of (length, symbol)), so the header only stores the
/// lengths. Codes are written most significant bit first.
///
/// ```swift
/// let coded = try HuffmanCodec.encode([0, 0, 0, 1, 2, 0], alphabetSize: 3)
/// try HuffmanCodec.decode(coded) == [0, 0, 0, 1, 2, 0]
/// ```
public enum HuffmanCodec {
    /// Longest code allowed (2^15 ≥ 256 symbols, and the decode table stays small).
    public static let maxCodeLengthLimit = 15

    /// Optimal code lengths (0 for absent symbols) with no length above `maxLength`.
    public static func codeLengths(histogram: [Int], maxLength: Int = maxCodeLengthLimit) throws -> [Int] {
        let present = histogram.indices.filter { histogram[$0] > 0 }.sorted { (histogram[$0], $0) < (histogram[$1], $1) }
        var lengths = [Int](repeating: 0, count: histogram.count)
        guard present.count >= 2 else {
            if let only = present.first { lengths[only] = 1 }
            return lengths
        }
        guard maxLength >= 1, maxLength <= maxCodeLengthLimit, 1 << maxLength >= present.count else {
            throw EntropyCodingError.invalidParameter("\(present.count) symbols do not fit Huffman codes of at most \(maxLength) bits")
        }
        // Package-merge: nodes are leaves (symbol ≥ 0) or packages of two earlier nodes.
        var weight = [Int](), left = [Int](), right = [Int](), symbol = [Int]()
        for s in present { weight.append(histogram[s]); left.append(-1); right.append(-1); symbol.append(s) }
        let leaves = Array(0..<present.count)
        var current = leaves
        for _ in 1..<maxLength {
            var packages = [Int]()
            var i = 0
            while i + 1 < current.count {
                weight.append(weight[current[i]] + weight[current[i + 1]])
                left.append(current[i]); right.append(current[i + 1]); symbol.append(-1)
                packages.append(weight.count - 1)
                i += 2
            }
            var merged = [Int]()
            merged.reserveCapacity(leaves.count + packages.count)
            var a = 0, b = 0
            while a < leaves.count || b < packages.count {
                if b == packages.count || (a < leaves.count && weight[leaves[a]] <= weight[packages[b]]) {
                    merged.append(leaves[a]); a += 1
                } else {
                    merged.append(packages[b]); b += 1
                }
            }
            current = merged
        }
        var stack = Array(current.prefix(2 * (present.count - 1)))
        while let node = stack.popLast() {
            if symbol[node] >= 0 { lengths[symbol[node]] += 1 } else { stack.append(left[node]); stack.append(right[node]) }
        }
        return lengths
    }

    /// Canonical codes for `lengths` (value of `length` bits per symbol).
    static func canonicalCodes(_ lengths: [Int]) -> [UInt32] {
        var codes = [UInt32](repeating: 0, count: lengths.count)
        let order = lengths.indices.filter { lengths[$0] > 0 }.sorted { (lengths[$0], $0) < (lengths[$1], $1) }
        var code: UInt32 = 0
        var previous = 0
        for s in order {
            code <<= UInt32(lengths[s] - previous)
            codes[s] = code
            code += 1
            previous = lengths[s]
        }
        return codes
    }

    public static func encode(_ symbols: [UInt8], alphabetSize: Int, maxCodeLength: Int = maxCodeLengthLimit) throws -> HuffmanEncoded {
        guard TANSCodec.alphabetSizes.contains(alphabetSize) else {
            throw EntropyCodingError.invalidParameter("alphabet size \(alphabetSize) is outside 1…256")
        }
        let histogram = try SymbolStatistics.histogram(symbols, alphabetSize: alphabetSize)
        let present = histogram.filter { $0 > 0 }.count
        guard present >= 2 else {
            return HuffmanEncoded(symbolCount: symbols.count, alphabetSize: alphabetSize,
                                  constantSymbol: UInt8(histogram.firstIndex { $0 > 0 } ?? 0), codeLengths: [], payload: [], payloadBits: 0)
        }
        let lengths = try codeLengths(histogram: histogram, maxLength: maxCodeLength)
        let codes = canonicalCodes(lengths)
        var writer = BitWriter()
        var bits = 0
        for s in 0..<alphabetSize { bits += histogram[s] * lengths[s] }
        writer.reserveCapacity(bits: bits)
        for s in symbols { writer.appendBits(UInt64(codes[Int(s)]), lengths[Int(s)]) }
        return HuffmanEncoded(symbolCount: symbols.count, alphabetSize: alphabetSize, constantSymbol: nil,
                              codeLengths: lengths, payload: writer.bytes, payloadBits: writer.bitCount)
    }

    public static func decode(_ encoded: HuffmanEncoded) throws -> [UInt8] {
        let n = encoded.symbolCount
        guard encoded.constantSymbol == nil else { return [UInt8](repeating: encoded.constantSymbol!, count: n) }
        let lengths = encoded.codeLengths
        guard lengths.count == encoded.alphabetSize, let maxLength = lengths.max(), maxLength >= 1, maxLength <= maxCodeLengthLimit,
              lengths.allSatisfy({ $0 >= 0 && $0 <= maxCodeLengthLimit }) else {
            throw EntropyCodingError.corrupt("Huffman code lengths are out of range")
        }
        var kraft = 0
        for l in lengths where l > 0 { kraft += 1 << (maxLength - l) }
        guard kraft <= 1 << maxLength else { throw EntropyCodingError.corrupt("Huffman code lengths violate the Kraft inequality") }
        guard encoded.payloadBits <= encoded.payload.count * 8 else {
            throw EntropyCodingError.truncated("Huffman payload is shorter than its bit count")
        }
        // Lookup table over the next `maxLength` bits: symbol << 8 | length (0 = no codeword).
        let codes = canonicalCodes(lengths)
        var table = [UInt16](repeating: 0, count: 1 << maxLength)
        for s in lengths.indices where lengths[s] > 0 {
            let shift = maxLength - lengths[s]
            let first = Int(codes[s]) << shift
            for j in first..<(first + (1 << shift)) { table[j] = UInt16(s) << 8 | UInt16(lengths[s]) }
        }
        var output = [UInt8](repeating: 0, count: n)
        let padded = encoded.payload + [UInt8](repeating: 0, count: 8)
        var bit = 0
        let limitBits = encoded.payloadBits
        try padded.withUnsafeBufferPointer { stream in
            try table.withUnsafeBufferPointer { table in
                try output.withUnsafeMutableBufferPointer { out in
                    let base = stream.baseAddress!
                    let shift = UInt64(64 - maxLength)
                    for i in 0..<n {
                        guard bit <= limitBits else { throw EntropyCodingError.corrupt("Huffman stream read past its end") }
                        let peek = loadBigEndian64(base + (bit >> 3)) << UInt64(bit & 7)
                        let entry = table[Int(peek >> shift)]
                        guard entry & 0xFF != 0 else { throw EntropyCodingError.corrupt("Huffman stream holds an unused code") }
                        out[i] = UInt8(truncatingIfNeeded: entry >> 8)
                        bit += Int(entry & 0xFF)
                    }
                }
            }
        }
        guard bit == limitBits else {
            throw EntropyCodingError.corrupt("Huffman stream used \(bit) bits but has \(limitBits)")
        }
        return output
    }
}

/// A Huffman-coded sequence. Header: mode (1 bit: constant), alphabet size − 1 (8), symbol
/// count (6-bit width + value); constant: symbol (8); else one 4-bit code length per symbol
/// of the alphabet and the payload bit count. Payload: the codes, most significant bit first.
public struct HuffmanEncoded: SymbolStreamEncoding, Equatable, Hashable {
    public var symbolCount: Int
    public var alphabetSize: Int
    public var constantSymbol: UInt8?
    /// Code length per symbol (0 = absent); empty for constant sequences.
    public var codeLengths: [Int]
    public var payload: [UInt8]
    public var payloadBits: Int


    public func decode() throws -> [UInt8] { try HuffmanCodec.decode(self) }

    public func writeHeader(to writer: inout BitWriter) {
        writer.write(bit: constantSymbol != nil)
        writer.write(UInt64(alphabetSize - 1), bitCount: 8)
        writer.writeLengthPrefixed(symbolCount)
        if let constantSymbol {
            writer.write(UInt64(constantSymbol), bitCount: 8)
            return
        }
        for l in codeLengths { writer.write(UInt64(l), bitCount: 4) }
        writer.writeLengthPrefixed(payloadBits)
    }

    public init(symbolCount: Int, alphabetSize: Int, constantSymbol: UInt8?, codeLengths: [Int], payload: [UInt8], payloadBits: Int) {
        self.symbolCount = symbolCount
        self.alphabetSize = alphabetSize
        self.constantSymbol = constantSymbol
        self.codeLengths = codeLengths
        self.payload = payload
        self.payloadBits = payloadBits
    }

    public init(serialized bytes: [UInt8], maxSymbolCount: Int = 1 << 32) throws {
        var reader = BitReader(bytes: bytes)
        let constant = try reader.readBit("Huffman mode")
        (alphabetSize, symbolCount) = try reader.readStreamSizes(maxSymbolCount: maxSymbolCount)
        codeLengths = []
        payload = []
        payloadBits = 0
        if constant {
            let s = try reader.readInt(bitCount: 8, "constant symbol")
            guard s < alphabetSize else { throw EntropyCodingError.corrupt("constant symbol \(s) outside the alphabet") }
            constantSymbol = UInt8(s)
        } else {
            constantSymbol = nil
            for _ in 0..<alphabetSize { codeLengths.append(try reader.readInt(bitCount: 4, "Huffman code length")) }
            payloadBits = try reader.readLengthPrefixed("Huffman payload bits")
            // Every codeword is at least one bit long.
            guard symbolCount <= payloadBits else {
                throw EntropyCodingError.corrupt("Huffman stream claims \(symbolCount) symbols of at least 1 bit each but has \(payloadBits) payload bits")
            }
        }
        reader.alignToByte()
        let needed = (payloadBits + 7) / 8
        guard bytes.count - reader.bytePosition == needed else {
            throw EntropyCodingError.corrupt("Huffman payload has \(bytes.count - reader.bytePosition) bytes, expected \(needed)")
        }
        payload = Array(bytes[reader.bytePosition...])
    }
}
