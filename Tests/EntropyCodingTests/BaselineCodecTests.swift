import TestSupport
import XCTest
@testable import EntropyCoding

final class BaselineCodecTests: XCTestCase {
    private func stream(_ rng: inout SplitMix64, n: Int, bins: Int, pZero: Double) -> [UInt8] {
        (0..<n).map { _ in
            Double.random(in: 0..<1, using: &rng) < pZero ? UInt8(bins / 2) : UInt8(Int.random(in: 0..<bins, using: &rng))
        }
    }

    func testFixedWidthRoundTripAndSize() throws {
        var rng = SplitMix64(seed: 11)
        for bins in [1, 2, 3, 5, 8, 9, 255, 256] {
            for n in [0, 1, 7, 1000] {
                let symbols = stream(&rng, n: n, bins: bins, pZero: 0.7)
                let coded = try FixedWidthCodec.encode(symbols, alphabetSize: bins)
                XCTAssertEqual(coded.payloadBits, n * FixedWidthCodec.bitsPerSymbol(alphabetSize: bins))
                XCTAssertEqual(try coded.decode(), symbols)
                XCTAssertEqual(try FixedWidthEncoded(serialized: coded.serialized()).decode(), symbols)
            }
        }
        XCTAssertEqual(FixedWidthCodec.bitsPerSymbol(alphabetSize: 1), 0)
        XCTAssertEqual(FixedWidthCodec.bitsPerSymbol(alphabetSize: 3), 2)
        XCTAssertEqual(FixedWidthCodec.bitsPerSymbol(alphabetSize: 255), 8)
    }

    func testHuffmanRoundTripLengthLimitAndKraft() throws {
        var rng = SplitMix64(seed: 12)
        for bins in [1, 2, 3, 15, 255] {
            for n in [0, 1, 2, 50, 5000] {
                let symbols = stream(&rng, n: n, bins: bins, pZero: 0.9)
                let coded = try HuffmanCodec.encode(symbols, alphabetSize: bins)
                XCTAssertEqual(try coded.decode(), symbols)
                XCTAssertEqual(try HuffmanEncoded(serialized: coded.serialized()).decode(), symbols)
                if !coded.codeLengths.isEmpty {
                    let kraft = coded.codeLengths.filter { $0 > 0 }.reduce(0.0) { $0 + pow(2.0, -Double($1)) }
                    XCTAssertEqual(kraft, 1.0, accuracy: 1e-12)
                    XCTAssertLessThanOrEqual(coded.codeLengths.max()!, HuffmanCodec.maxCodeLengthLimit)
                }
            }
        }
        // A geometric histogram whose unlimited Huffman code would need 29-bit codes.
        let histogram = (0..<30).map { 1 << (29 - $0) }
        let lengths = try HuffmanCodec.codeLengths(histogram: histogram, maxLength: 12)
        XCTAssertEqual(lengths.max(), 12)
        XCTAssertEqual(lengths.reduce(0.0) { $0 + pow(2.0, -Double($1)) }, 1.0, accuracy: 1e-12)
    }

    func testHuffmanMatchesTextbookLengths() throws {
        // Weights 1,1,2,4,8 → lengths 4,4,3,2,1 (unique optimum).
        XCTAssertEqual(try HuffmanCodec.codeLengths(histogram: [1, 1, 2, 4, 8]), [4, 4, 3, 2, 1])
    }

    func testRANSRoundTrip() throws {
        var rng = SplitMix64(seed: 13)
        for bins in [1, 3, 31, 255] {
            for n in [0, 1, 2, 100, 20000] {
                for precision in [9, 12, 16] {
                    let symbols = stream(&rng, n: n, bins: bins, pZero: 0.95)
                    let coded = try RANSCodec.encode(symbols, alphabetSize: bins, precisionBits: precision)
                    XCTAssertEqual(try coded.decode(), symbols)
                    XCTAssertEqual(try RANSEncoded(serialized: coded.serialized()).decode(), symbols)
                }
            }
        }
    }
}
