/// Reads bits, most significant bit first, from a byte range; every read is bounds-checked and
/// throws ``EntropyCodingError/truncated(_:)`` instead of reading past the end.
///
/// The bit order mirrors ``BitWriter``: the first bit read is bit 7 of the first byte.
///
/// ```swift
/// var reader = BitReader(bytes: [0b1011_1001, 0])
/// let a = try reader.read(bitCount: 3)   // 0b101
/// let b = try reader.read(bitCount: 8)   // 200
/// ```
public struct BitReader: Sendable {
    public let bytes: [UInt8]
    /// Absolute bit position of the next read, counted from bit 7 of `bytes[0]`.
    public private(set) var bitPosition: Int
    /// One past the last readable bit.
    public let bitLimit: Int

    /// A reader over `bytes[byteRange]` (default: all of it), limited to `bitCount` bits if given.
    public init(bytes: [UInt8], byteRange: Range<Int>? = nil, bitCount: Int? = nil) {
        let range = byteRange ?? 0..<bytes.count
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "byte range out of bounds")
        self.bytes = bytes
        self.bitPosition = range.lowerBound * 8
        var limit = range.upperBound * 8
        if let bitCount {
            precondition(bitCount >= 0 && bitCount <= range.count * 8, "bit count exceeds the byte range")
            limit = bitPosition + bitCount
        }
        self.bitLimit = limit
    }

    /// Bits left before the limit.
    public var bitsRemaining: Int { bitLimit - bitPosition }

    /// Index of the byte holding the next bit (after `alignToByte()`, the next whole byte).
    public var bytePosition: Int { bitPosition >> 3 }

    /// Reads `bitCount` (0…64) bits as an unsigned integer, most significant first.
    public mutating func read(bitCount: Int, _ what: @autoclosure () -> String = "bit field") throws -> UInt64 {
        precondition(bitCount >= 0 && bitCount <= 64, "BitReader.read: bitCount must be 0…64")
        guard bitCount <= bitsRemaining else {
            throw EntropyCodingError.truncated("\(what()) needs \(bitCount) bits but only \(bitsRemaining) remain")
        }
        var value: UInt64 = 0
        var need = bitCount
        while need > 0 {
            let byte = UInt64(bytes[bitPosition >> 3])
            let offset = bitPosition & 7
            let available = 8 - offset
            let take = min(available, need)
            let chunk = (byte >> UInt64(available - take)) & ((1 << UInt64(take)) - 1)
            value = (value << UInt64(take)) | chunk
            need -= take
            bitPosition += take
        }
        return value
    }

    /// Reads one bit.
    public mutating func readBit(_ what: @autoclosure () -> String = "bit") throws -> Bool {
        try read(bitCount: 1, what()) == 1
    }

    /// Reads an integer of `bitCount` bits (≤ 62) as `Int`.
    public mutating func readInt(bitCount: Int, _ what: @autoclosure () -> String = "integer field") throws -> Int {
        precondition(bitCount <= 62)
        return Int(try read(bitCount: bitCount, what()))
    }

    /// Skips to the next byte boundary.
    public mutating func alignToByte() {
        bitPosition = min(bitLimit, (bitPosition + 7) & ~7)
    }

    /// Skips `bitCount` bits.
    public mutating func skip(bitCount: Int, _ what: @autoclosure () -> String = "bits") throws {
        guard bitCount >= 0, bitCount <= bitsRemaining else {
            throw EntropyCodingError.truncated("cannot skip \(bitCount) \(what()): only \(bitsRemaining) bits remain")
        }
        bitPosition += bitCount
    }

    /// Reads an order-`k` Exp-Golomb code written by ``BitWriter/writeExpGolomb(_:order:)``.
    /// Throws on codes longer than 40 bits, so a run of zero bits can never hang or overflow.
    public mutating func readExpGolomb(order k: Int, _ what: @autoclosure () -> String = "Exp-Golomb value") throws -> Int {
        var zeros = 0
        while try !readBit(what()) {
            zeros += 1
            if zeros > 40 { throw EntropyCodingError.corrupt("\(what()) has an over-long Exp-Golomb prefix") }
        }
        let rest = try read(bitCount: zeros, what())
        let q = (UInt64(1) << UInt64(zeros)) | rest
        let low = try read(bitCount: k, what())
        let value = ((q - 1) << UInt64(k)) | low
        guard value < (1 << 56) else { throw EntropyCodingError.corrupt("\(what()) is out of range") }
        return Int(value)
    }

    /// Reads an integer written by ``BitWriter/writeLengthPrefixed(_:)``.
    public mutating func readLengthPrefixed(_ what: @autoclosure () -> String = "length") throws -> Int {
        let width = try readInt(bitCount: 6, what())
        guard width <= 62 else { throw EntropyCodingError.corrupt("\(what()) declares a \(width)-bit width") }
        return try readInt(bitCount: width, what())
    }
}
