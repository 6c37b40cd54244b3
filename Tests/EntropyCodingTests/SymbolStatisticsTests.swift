import XCTest
@testable import EntropyCoding

final class SymbolStatisticsTests: XCTestCase {
    /// The eight-way, 8-bytes-at-a-time histogram equals a plain count: every length mod 8
    /// (the byte-by-byte tail), runs of one symbol (one counter hit on every byte), all 256 values.
    func testHistogramMatchesAPlainCount() throws {
        var rng = SplitMix64(seed: 0x4157)
        for c in 0..<400 {
            let count = c < 40 ? c : rng.skewedLength(max: 50_000)
            let bins = [1, 2, 3, 31, 255, 256][c % 6]
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

    func testHistogramRejectsASymbolOutsideTheAlphabetEvenInTheTail() {
        // 17 symbols: the bad one sits in the byte-by-byte tail after two 8-byte words.
        let symbols = [UInt8](repeating: 1, count: 16) + [9]
        XCTAssertThrowsError(try SymbolStatistics.histogram(symbols, alphabetSize: 5)) { error in
            XCTAssertTrue("\(error)".contains("symbol 9 is outside the 5-symbol alphabet"), "\(error)")
        }
    }
}
