import CCodecKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Histograms and empirical entropy of symbol sequences.
public enum SymbolStatistics {
    /// Occurrences of each symbol `0..<alphabetSize`.
    /// - Throws: ``EntropyCodingError/invalidParameter(_:)`` if a symbol is `≥ alphabetSize` or
    ///   the alphabet is not in `1…256` (byte symbols).
    public static func histogram(_ symbols: [UInt8], alphabetSize: Int) throws -> [Int] {
        guard (1...256).contains(alphabetSize) else {
            throw EntropyCodingError.invalidParameter("alphabet size \(alphabetSize) is outside 1…256 (byte symbols)")
        }
        var full = [Int](repeating: 0, count: 256)
        symbols.withUnsafeBufferPointer { src in
            full.withUnsafeMutableBufferPointer { counts in
                guard let base = src.baseAddress else { return }
                let counted = src.count >= windowedMinimum && (1...256).contains(alphabetSize)
                    ? windowedCount(base, count: src.count, alphabetSize: alphabetSize, into: counts.baseAddress!) : 0
                scatterCount(base + counted, count: src.count - counted, into: counts.baseAddress!)
            }
        }
        if let bad = (alphabetSize..<256).first(where: { full[$0] > 0 }) {
            throw EntropyCodingError.invalidParameter(
                "symbol \(bad) is outside the \(alphabetSize)-symbol alphabet (symbols must be 0…\(alphabetSize - 1))")
        }
        return Array(full[0..<alphabetSize])
    }

    /// Whether ``windowedCount(_:count:alphabetSize:into:avx2:)`` runs its AVX2 kernel.
    static let usesAVX2 = subbit_tans_avx2_available() != 0

    /// Streams shorter than this are counted by ``scatterCount(_:count:into:)`` alone.
    static let windowedMinimum = 4096
    /// Values of the window that ``windowedCount(_:count:alphabetSize:into:)`` counts by comparison.
    static let windowWidth = 7

    /// Adds the occurrences of each byte value of `base[0..<n]` to `counts[0..<256]`.
    ///
    /// Eight sub-histograms fed from 8-byte loads: on a skewed stream most bytes hit the same
    /// counter, and each counter's load–add–store chain (store-to-load forwarding, ~6 cycles)
    /// would otherwise cap the count near 1.5 cycles per byte. With eight the bound is the one
    /// store per byte (about 1.4 cycles per byte on this machine).
    static func scatterCount(_ base: UnsafePointer<UInt8>, count n: Int, into counts: UnsafeMutablePointer<Int>) {
        guard n > 0 else { return }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 8 * 256) { h in
            let h = h.baseAddress!
            h.initialize(repeating: 0, count: 8 * 256)
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
                    counts[s] += total
                }
            }
        }
    }

    /// Counts the values of a narrow window by vector comparison and only the rest byte by byte;
    /// adds to `counts[0..<256]` and returns how many leading bytes it counted (whole vectors;
    /// the caller counts the rest).
    ///
    /// Quantized weights, like the benchmark streams, put nearly all their mass on a few values
    /// around the zero bin. The window is the `windowWidth` adjacent values that hold the most of
    /// a 4 KiB sample. Comparing 16 bytes with a value and subtracting the all-ones lanes of the
    /// result from a byte accumulator costs two vector operations per 16 bytes, so six values cost
    /// far less than one counter update per byte; the seventh — the sample's most frequent — is
    /// what is left over. A range test flags the vectors holding a byte outside the window, and
    /// only in those are the outside bytes (found from the bit mask of the range test) counted
    /// one by one; the in-window bytes of a flagged vector are never scattered, so the spike's
    /// counter takes no load–add–store chain. Blocks of at most 255 vectors keep the byte accumulators from wrapping. When
    /// more than half of the vectors so far were flagged, the window does not fit the data: the
    /// function stops after that block and leaves the rest to ``scatterCount(_:count:into:)``.
    ///
    /// With `avx2` (the default where the CPU has it), the same window is counted by
    /// ``subbit_count_window_avx2``: 32 bytes per vector, and the outside bytes of every vector
    /// packed into a buffer by byte shuffles instead of a branch per flagged vector (which
    /// mispredicts when a few percent of the bytes fall outside, as in a spike-and-slab stream:
    /// a quarter of the 16-byte vectors flagged at random); the buffer is counted per block.
    static func windowedCount(_ base: UnsafePointer<UInt8>, count n: Int, alphabetSize: Int,
                              into counts: UnsafeMutablePointer<Int>, avx2: Bool = usesAVX2) -> Int {
        typealias Bytes = SIMD16<UInt8>
        var sample = [Int](repeating: 0, count: 256)
        for i in 0..<min(n, 4096) { sample[Int(base[i])] += 1 }
        let width = min(windowWidth, alphabetSize)
        let lo = (0...(alphabetSize - width)).max { a, b in
            sample[a..<a + width].reduce(0, +) < sample[b..<b + width].reduce(0, +)
        }!
        let window = lo..<(lo + width)
        let leftover = window.max { sample[$0] < sample[$1] }!
        // Six compared values; a narrower window is padded with 255, whose counts are ignored
        // (255 lies outside such a small alphabet, so the range test still catches it).
        let compared = window.filter { $0 != leftover }
        let value = (0..<6).map { $0 < compared.count ? UInt8(compared[$0]) : 255 }
        let s0 = Bytes(repeating: value[0]), s1 = Bytes(repeating: value[1]), s2 = Bytes(repeating: value[2])
        let s3 = Bytes(repeating: value[3]), s4 = Bytes(repeating: value[4]), s5 = Bytes(repeating: value[5])
        if avx2 {
            return withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { local in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 255 * 32 + 8) { outside in
                    let local = local.baseAddress!
                    local.initialize(repeating: 0, count: 256)
                    let done = value.withUnsafeBufferPointer { values in
                        subbit_count_window_avx2(base, n, values.baseAddress!, compared.count, lo, width - 1, local,
                                                 outside.baseAddress!)
                    }
                    var added = 0
                    for v in 0..<256 {
                        counts[v] += local[v]
                        added += local[v]
                    }
                    counts[leftover] += done - added
                    return done
                }
            }
        }
        let low = Bytes(repeating: UInt8(lo)), span = Bytes(repeating: UInt8(width - 1))
        // Bit j set where byte j of the 0x00/0xFF lanes is set (a movemask by multiplication:
        // the low bit of each byte gathered into the top byte of the product).
        @inline(__always) func byteMask(_ v: SIMD2<UInt64>) -> UInt32 {
            let gather: UInt64 = 0x0102_0408_1020_4080, ones: UInt64 = 0x0101_0101_0101_0101
            let lo = (((v[0] &>> 7) & ones) &* gather) &>> 56
            let hi = (((v[1] &>> 7) & ones) &* gather) &>> 56
            return UInt32(truncatingIfNeeded: lo | hi &<< 8)
        }
        @inline(__always) func matches(_ v: Bytes, _ value: Bytes) -> Bytes {
            unsafeBitCast(v .== value, to: Bytes.self)   // 0xFF where equal, 0 elsewhere
        }
        @inline(__always) func total(_ acc: Bytes) -> Int {
            Int(SIMD16<UInt16>(truncatingIfNeeded: acc).wrappedSum())
        }
        var comparedTotal = 0
        var flagged = 0
        var k = 0
        let vectors = n / 16
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { outside in
            let outside = outside.baseAddress!
            outside.initialize(repeating: 0, count: 256)
            let raw = UnsafeRawPointer(base)
            while k < vectors {
                let last = min(vectors, k + 255)
                var a0 = Bytes(repeating: 0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0
                while k < last {
                    let v = raw.loadUnaligned(fromByteOffset: k &* 16, as: Bytes.self)
                    a0 &-= matches(v, s0); a1 &-= matches(v, s1); a2 &-= matches(v, s2)
                    a3 &-= matches(v, s3); a4 &-= matches(v, s4); a5 &-= matches(v, s5)
                    let out = (v &- low) .> span
                    if any(out) {
                        flagged &+= 1
                        // Only the outside bytes: counting all 16 would chain the window's
                        // (usually the spike's) counter through store-to-load forwarding.
                        var m = byteMask(unsafeBitCast(out, to: SIMD2<UInt64>.self))
                        let p = base + k &* 16
                        repeat {
                            outside[Int(p[m.trailingZeroBitCount])] &+= 1
                            m &= m &- 1
                        } while m != 0
                    }
                    k &+= 1
                }
                // Once per block, without building an array of the six accumulators.
                func add(_ slot: Int, _ acc: Bytes) {
                    guard slot < compared.count else { return }   // a padding slot
                    let t = total(acc)
                    counts[compared[slot]] += t
                    comparedTotal += t
                }
                add(0, a0); add(1, a1); add(2, a2); add(3, a3); add(4, a4); add(5, a5)
                if 2 * flagged > k { break }
            }
            var outsideTotal = 0
            for v in 0..<256 where !window.contains(v) {
                counts[v] += outside[v]
                outsideTotal += outside[v]
            }
            counts[leftover] += 16 * k - comparedTotal - outsideTotal
        }
        return 16 * k
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
