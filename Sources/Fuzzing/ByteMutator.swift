/// Generic byte-level mutations shared by every fuzz target: bit flips, interesting values,
/// inserted and deleted runs, truncation, duplication of a slice, and overwriting a spot with a
/// huge LEB128 varint or a large little-endian integer (the usual shape of a size bomb).
///
/// ```swift
/// var random = FuzzRandom(seed: 3)
/// let mutated = ByteMutator.mutate(bytes, in: 8..<bytes.count, random: &random)
/// ```
/// - Complexity: O(n) per mutation.
enum ByteMutator {
    static let interesting: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x3F, 0x40, 0x20, 0x0A, 0x22, 0x27, 0x5C]

    /// One to four mutations at positions inside `range` (clamped to the bytes).
    static func mutate(_ input: [UInt8], in range: Range<Int>? = nil, random: inout FuzzRandom) -> [UInt8] {
        var bytes = input
        for _ in 0...random.below(4) {
            let lower = min(range?.lowerBound ?? 0, bytes.count)
            let upper = max(lower, min(range?.upperBound ?? bytes.count, bytes.count))
            let position = upper > lower ? lower + random.below(upper - lower) : lower
            switch random.below(9) {
            case 0 where position < bytes.count:
                bytes[position] ^= 1 << UInt8(random.below(8))
            case 1 where position < bytes.count:
                bytes[position] = random.pick(interesting)
            case 2:
                bytes.insert(contentsOf: (0..<(1 + random.below(8))).map { _ in random.byte() }, at: position)
            case 3 where position < bytes.count:
                bytes.removeSubrange(position..<min(bytes.count, position + 1 + random.below(8)))
            case 4:
                bytes.removeSubrange(position..<bytes.count)
            case 5 where position < bytes.count:
                let end = min(bytes.count, position + 1 + random.below(32))
                bytes.insert(contentsOf: bytes[position..<end], at: end)
            case 6:
                let value = UInt64(1) << UInt64(20 + random.below(44)) &+ UInt64(random.below(1000))
                bytes.replaceSubrange(position..<min(bytes.count, position + 1), with: varint(value))
            case 7 where position + 8 <= bytes.count:
                let value = UInt64(1) << UInt64(16 + random.below(48))
                for i in 0..<8 { bytes[position + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
            default:
                if position < bytes.count { bytes[position] = random.byte() }
            }
        }
        return bytes
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value, out: [UInt8] = []
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        out.append(UInt8(v))
        return out
    }
}
