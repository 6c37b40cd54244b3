/// Exact (empirical) entropy of a symbol histogram, in bits per symbol.
///
/// `H = −Σ_s p_s log₂ p_s` with `p_s = count_s / n`. It is the lower bound on the average
/// code length of any order-0 code for those symbols (tANS approaches it; Huffman cannot go
/// below 1 bit per symbol).
///
/// ```swift
/// EmpiricalEntropy.bitsPerSymbol(counts: [1, 2, 1])       // 1.5
/// EmpiricalEntropy.bitsPerSymbol(symbols: [0, 0, 0, 0])   // 0
/// ```
public enum EmpiricalEntropy {
    /// Entropy in bits per symbol of a histogram (zero counts are skipped; an empty
    /// histogram has entropy 0).
    public static func bitsPerSymbol(counts: [Int]) -> Double {
        var total = 0
        for c in counts { total += c }
        guard total > 0 else { return 0 }
        let n = Double(total)
        var h = 0.0
        for c in counts where c > 0 {
            let p = Double(c) / n
            h -= p * log2(p)
        }
        return max(0, h)
    }

    /// Entropy in bits per symbol of a symbol sequence.
    public static func bitsPerSymbol(symbols: [UInt8]) -> Double {
        bitsPerSymbol(counts: histogram(symbols))
    }

    /// Total information content `n · H` in bits: the ideal order-0 coded size.
    public static func totalBits(counts: [Int]) -> Double {
        var total = 0
        for c in counts { total += c }
        return Double(total) * bitsPerSymbol(counts: counts)
    }

    /// Counts of each symbol `0..<bins` (every byte value by default). Every symbol must be
    /// below `bins` (a quantized tensor's symbols are, by construction).
    ///
    /// - Complexity: O(symbols + bins), no allocation but the result.
    public static func histogram(_ symbols: [UInt8], bins: Int = 256) -> [Int] {
        var counts = [Int](repeating: 0, count: bins)
        counts.withUnsafeMutableBufferPointer { c in
            symbols.withUnsafeBufferPointer { s in
                for x in s { c[Int(x)] &+= 1 }
            }
        }
        return counts
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
