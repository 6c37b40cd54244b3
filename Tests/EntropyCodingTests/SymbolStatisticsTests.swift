import TestSupport
import XCTest
@testable import EntropyCoding

final class SymbolStatisticsTests: XCTestCase {
    /// The eight-way, 8-bytes-at-a-time histogram equals a plain count: every length mod 8
    /// (the byte-by-byte tail), runs of one symbol (one counter hit on every byte), all 256 values.
    func testHistogramMatchesAPlainCount() throws {
        var rng = SplitMix64(seed: 0x4157)
        for c in 0..<400 {
            let count = c < 40 ? c : rng.skewedLength(max: 50_000)
            let bins = [1, 2, 3, 5, 9, 16, 17, 31, 255, 256][c % 10]
            let runs = c % 3 == 0
            var symbols = [UInt8]()
            symbols.reserveCapacity(count)
            while symbols.count < count {
                let s = UInt8(Int.random(in: 0..<bins, using: &rng))
                let length = runs ? Int.random(in: 1...64, using: &rng) : 1
                symbols.append(contentsOf: repeatElement(s, count: min(length, count - symbols.count)))
            }
            var expected = [Int](repeating: 0, count: bins)
            for s in symbols { expected[Int(s)] += 1 }
            XCTAssertEqual(try SymbolStatistics.histogram(symbols, alphabetSize: bins), expected, "case \(c), n=\(count)")
        }
    }

    /// The windowed count (six values by vector comparison, one left over, the rest byte by byte
    /// in flagged vectors, blocks of 255 vectors) plus the scatter count of what it leaves equals
    /// a plain count: lengths around the vector and block boundaries; mass around the middle, at
    /// the alphabet's edge, spread evenly (the early hand-over to the scatter count), on the
    /// left-over value only, and never on it.
    func testWindowedCountMatchesAPlainCount() throws {
        var rng = SplitMix64(seed: 0xC0_17)
        let block = 255 * 16
        let lengths = [0, 1, 15, 16, 17, 4096, block - 1, block, block + 1, 2 * block + 15, 3 * block + 16, 50_000,
                       31, 32, 33, 255 * 32 - 1, 255 * 32 + 1, 2 * 255 * 32 + 31]   // the AVX2 kernel: 32-byte vectors
        for bins in Array(1...20) + [31, 64, 255, 256] {
            for (c, count) in lengths.enumerated() {
                let shape = c % 5
                let symbols: [UInt8] = (0..<count).map { _ in
                    let u = Double.random(in: 0..<1, using: &rng)
                    let spread = Int.random(in: 0..<bins, using: &rng)
                    switch shape {
                    case 0:
                        let near = min(bins - 1, max(0, (bins - 1) / 2 + Int.random(in: -2...2, using: &rng)))
                        return UInt8(u < 0.9 ? near : spread)
                    case 1: return UInt8(u < 0.95 ? min(bins - 1, Int.random(in: 0...3, using: &rng)) : spread)
                    case 2: return UInt8(spread)
                    case 3: return UInt8((bins - 1) / 2)
                    default: return UInt8(u < 0.9 ? min(bins - 1, 1) : spread)
                    }
                }
                var expected = [Int](repeating: 0, count: 256)
                for s in symbols { expected[Int(s)] += 1 }
                for avx2 in SymbolStatistics.usesAVX2 ? [false, true] : [false] {
                var counts = [Int](repeating: 0, count: 256)
                symbols.withUnsafeBufferPointer { src in
                    counts.withUnsafeMutableBufferPointer { out in
                        guard let base = src.baseAddress else { return }
                        let done = SymbolStatistics.windowedCount(base, count: src.count, alphabetSize: bins, into: out.baseAddress!,
                                                                  avx2: avx2)
                        XCTAssertEqual(done % 16, 0)
                        XCTAssertLessThanOrEqual(done, src.count)
                        if shape == 2 && bins >= 64 && count >= 2 * block {
                            XCTAssertLessThan(done, src.count, "evenly spread: hands over to the scatter count")
                        }
                        SymbolStatistics.scatterCount(base + done, count: src.count - done, into: out.baseAddress!)
                    }
                }
                XCTAssertEqual(counts, expected, "bins \(bins), n = \(count), shape \(shape), AVX2 \(avx2)")
                }
                XCTAssertEqual(try SymbolStatistics.histogram(symbols, alphabetSize: bins), Array(expected[0..<bins]))
            }
        }
    }

    /// A byte outside the alphabet is caught wherever it sits — inside the window's vectors, in
    /// a block after the first, in the tail — and named.
    func testHistogramNamesASymbolOutsideTheAlphabetAnywhere() {
        for position in [0, 15, 16, 255 * 16 + 3, 10_000 - 1] {
            var symbols = [UInt8](repeating: 2, count: 10_000)
            symbols[position] = 7
            XCTAssertThrowsError(try SymbolStatistics.histogram(symbols, alphabetSize: 5)) { error in
                XCTAssertTrue("\(error)".contains("symbol 7 is outside the 5-symbol alphabet"), "\(error)")
            }
        }
    }

    func testHistogramRejectsASymbolOutsideTheAlphabetEvenInTheTail() {
        // 17 symbols: the bad one sits in the byte-by-byte tail after two 8-byte words.
        let symbols = [UInt8](repeating: 1, count: 16) + [9]
        XCTAssertThrowsError(try SymbolStatistics.histogram(symbols, alphabetSize: 5)) { error in
            XCTAssertTrue("\(error)".contains("symbol 9 is outside the 5-symbol alphabet"), "\(error)")
        }
    }
}
