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
            // Four sub-histograms break the store-to-load dependency on runs of equal symbols.
            var h = [UInt32](repeating: 0, count: 1024)
            h.withUnsafeMutableBufferPointer { h in
                var i = 0
                var flushed = 0
                let n = src.count
                while i < n {
                    // Flush before a 32-bit counter could overflow.
                    let chunkEnd = min(n, i + (1 << 30))
                    while i + 4 <= chunkEnd {
                        h[Int(src[i])] &+= 1
                        h[256 + Int(src[i + 1])] &+= 1
                        h[512 + Int(src[i + 2])] &+= 1
                        h[768 + Int(src[i + 3])] &+= 1
                        i += 4
                    }
                    while i < chunkEnd { h[Int(src[i])] &+= 1; i += 1 }
                    for s in 0..<256 {
                        full[s] += Int(h[s]) + Int(h[256 + s]) + Int(h[512 + s]) + Int(h[768 + s])
                        h[s] = 0; h[256 + s] = 0; h[512 + s] = 0; h[768 + s] = 0
                    }
                    flushed = i
                }
                _ = flushed
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
