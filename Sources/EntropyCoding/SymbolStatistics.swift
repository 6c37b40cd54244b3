#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Histograms and empirical entropy of symbol sequences.
public enum SymbolStatistics {
    /// Occurrences of each symbol `0..<alphabetSize`.
    /// - Throws: ``EntropyCodingError/invalidParameter(_:)`` if a symbol is `≥ alphabetSize`.
    public static func histogram(_ symbols: [UInt8], alphabetSize: Int) throws -> [Int] {
        var full = [Int](repeating: 0, count: 256)
        symbols.withUnsafeBufferPointer { src in
            // Eight sub-histograms fed from 8-byte loads: on a skewed stream most bytes hit the
            // same counter, and each counter's load–add–store chain (store-to-load forwarding,
            // ~6 cycles) would otherwise cap the count near 1.5 cycles per byte.
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 8 * 256) { h in
                let h = h.baseAddress!
                h.initialize(repeating: 0, count: 8 * 256)
                guard let base = src.baseAddress else { return }
                let n = src.count
                var i = 0
                while i < n {
                    // Flush before a 32-bit counter could overflow.
                    let chunkEnd = min(n, i + (1 << 30))
                    while i &+ 8 <= chunkEnd {
                        let w = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                        h[Int(truncatingIfNeeded: w & 0xFF)] &+= 1
                        h[256 &+ Int(truncatingIfNeeded: (w &>> 8) & 0xFF)] &+= 1
                        h[512 &+ Int(truncatingIfNeeded: (w &>> 16) & 0xFF)] &+= 1
                        h[768 &+ Int(truncatingIfNeeded: (w &>> 24) & 0xFF)] &+= 1
                        h[1024 &+ Int(truncatingIfNeeded: (w &>> 32) & 0xFF)] &+= 1
                        h[1280 &+ Int(truncatingIfNeeded: (w &>> 40) & 0xFF)] &+= 1
                        h[1536 &+ Int(truncatingIfNeeded: (w &>> 48) & 0xFF)] &+= 1
                        h[1792 &+ Int(truncatingIfNeeded: w &>> 56)] &+= 1
                        i &+= 8
                    }
                    while i < chunkEnd { h[Int(base[i])] &+= 1; i &+= 1 }
                    for s in 0..<256 {
                        var total = 0
                        for t in 0..<8 { total += Int(h[t * 256 + s]); h[t * 256 + s] = 0 }
                        full[s] += total
                    }
                }
            }
        }
        if let bad = (alphabetSize..<256).first(where: { full[$0] > 0 }) {
            throw EntropyCodingError.invalidParameter(
                "symbol \(bad) is outside the \(alphabetSize)-symbol alphabet (symbols must be 0…\(alphabetSize - 1))")
        }
        return Array(full[0..<alphabetSize])
    }

    /// Empirical entropy in bits per symbol, `−Σ p_s log₂ p_s` (0 for an empty histogram).
    public static func entropy(histogram: [Int]) -> Double {
        let total = Double(histogram.reduce(0, +))
        guard total > 0 else { return 0 }
        var h = 0.0
        for n in histogram where n > 0 {
            let p = Double(n) / total
            h -= p * log2(p)
        }
        return h
    }

    /// Shannon bound `n·H` in bits for the histogram's sequence.
    public static func shannonBits(histogram: [Int]) -> Double {
        Double(histogram.reduce(0, +)) * entropy(histogram: histogram)
    }
}
