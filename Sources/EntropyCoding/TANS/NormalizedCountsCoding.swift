/// Compact, self-delimiting serialization of ``NormalizedCounts`` for stream headers.
///
/// Format (bits, via ``BitWriter``): with `remaining = L` and Exp-Golomb order `k = 0`, for
/// symbols `s = 0, 1, …` while `remaining > 0`:
/// - write `f_s` as an order-`k` Exp-Golomb code;
/// - if `f_s = 0`, write the number of further zero counts that follow as an order-0
///   Exp-Golomb code and skip them (runs of absent symbols cost a few bits);
/// - otherwise `remaining −= f_s` and `k = max(0, bitWidth(f_s) − 2)`, so the code adapts to the
///   smooth shape of quantized-weight histograms.
/// Symbols after the point where `remaining` reaches 0 are implicitly 0. The alphabet size and
/// table log are known to the reader from elsewhere in the header. A 31-symbol Laplace histogram
/// at `L = 4096` takes about 200 bits.
public enum NormalizedCountsCoding {
    /// Appends `counts` to `writer`.
    public static func write(_ counts: NormalizedCounts, to writer: inout BitWriter) {
        var remaining = counts.tableSize
        var k = 0
        var s = 0
        let f = counts.counts
        while remaining > 0 {
            let value = f[s]
            writer.writeExpGolomb(value, order: k)
            if value == 0 {
                var run = 0
                while f[s + 1 + run] == 0 { run += 1 }
                writer.writeExpGolomb(run, order: 0)
                s += 1 + run
            } else {
                remaining -= value
                k = max(0, (Int.bitWidth - value.leadingZeroBitCount) - 2)
                s += 1
            }
        }
    }

    /// Reads counts for `alphabetSize` symbols at `tableLog`, validating every field.
    public static func read(from reader: inout BitReader, alphabetSize: Int, tableLog: Int) throws -> NormalizedCounts {
        guard (1...256).contains(alphabetSize) else {
            throw EntropyCodingError.corrupt("alphabet size \(alphabetSize) is outside 1…256")
        }
        var f = [Int](repeating: 0, count: alphabetSize)
        var remaining = 1 << tableLog
        var k = 0
        var s = 0
        while remaining > 0 {
            guard s < alphabetSize else {
                throw EntropyCodingError.corrupt("normalized counts run past the \(alphabetSize)-symbol alphabet")
            }
            let value = try reader.readExpGolomb(order: k, "normalized count of symbol \(s)")
            guard value <= remaining else {
                throw EntropyCodingError.corrupt("normalized count \(value) of symbol \(s) exceeds the \(remaining) slots left")
            }
            if value == 0 {
                let run = try reader.readExpGolomb(order: 0, "zero run at symbol \(s)")
                guard run < alphabetSize - s else {
                    throw EntropyCodingError.corrupt("zero run at symbol \(s) runs past the alphabet")
                }
                s += 1 + run
            } else {
                f[s] = value
                remaining -= value
                k = max(0, (Int.bitWidth - value.leadingZeroBitCount) - 2)
                s += 1
            }
        }
        return try NormalizedCounts(validatingCounts: f, tableLog: tableLog)
    }

    /// Exact number of bits `write` produces for `counts` (computed without writing).
    public static func bitCount(_ counts: NormalizedCounts) -> Int {
        @inline(__always) func expGolombBits(_ value: Int, _ k: Int) -> Int {
            let q = (value >> k) + 1
            return 2 * (Int.bitWidth - q.leadingZeroBitCount) - 1 + k
        }
        var bits = 0
        var remaining = counts.tableSize
        var k = 0
        var s = 0
        let f = counts.counts
        while remaining > 0 {
            let value = f[s]
            bits += expGolombBits(value, k)
            if value == 0 {
                var run = 0
                while f[s + 1 + run] == 0 { run += 1 }
                bits += expGolombBits(run, 0)
                s += 1 + run
            } else {
                remaining -= value
                k = max(0, (Int.bitWidth - value.leadingZeroBitCount) - 2)
                s += 1
            }
        }
        return bits
    }
}
