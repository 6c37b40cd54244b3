/// Appends bits to a growing byte array, most significant bit first.
///
/// Bit order (used by every stream in this module except the tANS/rANS payload kernels, which
/// document their own): the first bit written is bit 7 of byte 0, the ninth is bit 7 of byte 1.
/// A value written with `write(_:bitCount:)` goes out most significant bit first, so reading the
/// same number of bits back with ``BitReader`` returns the same value.
///
/// ```swift
/// var writer = BitWriter()
/// writer.write(0b101, bitCount: 3)
/// writer.write(200, bitCount: 8)
/// let bytes = writer.bytes          // [0b1011_1001, 0b0000_0000]
/// ```
public struct BitWriter: Sendable {
    private var storage: [UInt8] = []
    /// Pending bits (fewer than 8), right-aligned.
    private var pending: UInt64 = 0
    private var pendingCount: Int = 0

    public init() {}

    /// Reserves room for about `bitCount` more bits.
    public mutating func reserveCapacity(bits: Int) {
        storage.reserveCapacity(storage.count + bits / 8 + 1)
    }

    /// Number of bits written so far.
    public var bitCount: Int { storage.count * 8 + pendingCount }

    /// The bytes written so far; a final partial byte is padded with zero bits.
    public var bytes: [UInt8] {
        guard pendingCount > 0 else { return storage }
        return storage + [UInt8(truncatingIfNeeded: pending << (8 - pendingCount))]
    }

    /// Writes the low `bitCount` bits of `value`, most significant first. `bitCount` is 0…64.
    @inlinable
    public mutating func write(_ value: UInt64, bitCount: Int) {
        precondition(bitCount >= 0 && bitCount <= 64, "BitWriter.write: bitCount must be 0…64")
        if bitCount > 56 {
            write(value >> 32, bitCount: bitCount - 32)
            write(value & 0xFFFF_FFFF, bitCount: 32)
            return
        }
        appendBits(value, bitCount)
    }

    /// Writes a single bit.
    @inlinable
    public mutating func write(bit: Bool) { appendBits(bit ? 1 : 0, 1) }

    /// Writes zero bits up to the next byte boundary.
    public mutating func padToByte() {
        if pendingCount > 0 { appendBits(0, 8 - pendingCount) }
    }

    /// Appends whole bytes; the writer must be byte-aligned.
    public mutating func append<S: Sequence>(bytes: S) where S.Element == UInt8 {
        precondition(pendingCount == 0, "BitWriter.append(bytes:) needs a byte-aligned writer")
        storage.append(contentsOf: bytes)
    }

    @usableFromInline
    mutating func appendBits(_ value: UInt64, _ count: Int) {
        guard count > 0 else { return }
        let masked = count == 64 ? value : value & ((1 << UInt64(count)) &- 1)
        pending = (pending << UInt64(count)) | masked
        pendingCount += count
        while pendingCount >= 8 {
            pendingCount -= 8
            storage.append(UInt8(truncatingIfNeeded: pending >> UInt64(pendingCount)))
        }
        pending &= (1 << UInt64(pendingCount)) &- 1
    }
}

extension BitWriter {
    /// Writes `value ≥ 0` as an order-`k` Exp-Golomb code: `q = (value >> k) + 1` in Elias-gamma
    /// form (⌊log₂q⌋ zero bits, then q in binary), then the low `k` bits of `value`.
    /// Small values cost few bits; ``BitReader/readExpGolomb(order:)`` inverts it.
    public mutating func writeExpGolomb(_ value: Int, order k: Int) {
        precondition(value >= 0 && k >= 0 && k < 40)
        let q = UInt64(value >> k) + 1
        let width = 64 - q.leadingZeroBitCount
        write(0, bitCount: width - 1)
        write(q, bitCount: width)
        if k > 0 { write(UInt64(value) & ((1 << UInt64(k)) - 1), bitCount: k) }
    }

    /// Writes a non-negative integer below 2^63 as a 6-bit length `w` followed by `w` bits.
    public mutating func writeLengthPrefixed(_ value: Int) {
        precondition(value >= 0)
        let width = 64 - UInt64(value).leadingZeroBitCount
        write(UInt64(width), bitCount: 6)
        write(UInt64(value), bitCount: width)
    }
}
