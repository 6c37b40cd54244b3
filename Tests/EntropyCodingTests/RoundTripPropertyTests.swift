import TestSupport
import XCTest
@testable import EntropyCoding

/// Must-show 1: exact round trips over the whole parameter space, seeded.
final class RoundTripPropertyTests: XCTestCase {
    /// A random symbol stream: zero symbol `K` with probability `p0`, otherwise a Laplace-like,
    /// uniform or two-valued distribution over the alphabet.
    static func stream(_ rng: inout SplitMix64, count: Int, bins: Int, pZero: Double) -> [UInt8] {
        let k = bins / 2
        let shape = Int.random(in: 0..<3, using: &rng)
        let scale = Double.random(in: 0.3...Double(max(1, bins)) / 2, using: &rng)
        var out = [UInt8](repeating: UInt8(k), count: count)
        for i in 0..<count where Double.random(in: 0..<1, using: &rng) >= pZero {
            switch shape {
            case 0:
                let m = Int((-scale * log(Double.random(in: Double.ulpOfOne..<1, using: &rng))).rounded())
                let q = Bool.random(using: &rng) ? k + m : k - m
                out[i] = UInt8(min(bins - 1, max(0, q)))
            case 1:
                out[i] = UInt8(Int.random(in: 0..<bins, using: &rng))
            default:
                out[i] = UInt8(min(bins - 1, k + 1))
            }
        }
        return out
    }

    func testTANSRoundTripsOverTheParameterSpace() throws {
        var rng = SplitMix64(seed: 0xC0DEC)
        let cases = 10_000
        var escapes = 0, constants = 0, largest = 0
        for c in 0..<cases {
            let bins = Int.random(in: 1...255, using: &rng)
            let pZero = Double.random(in: 0.5...0.999, using: &rng)
            // Lengths 0…10^6, skewed small: most below 2000, every 500th case large.
            let count = c % 500 == 0 ? Int.random(in: 100_000...1_000_000, using: &rng)
                : Int(pow(2000.0, Double.random(in: 0..<1, using: &rng))) - 1
            let tableLog = Int.random(in: 5...15, using: &rng)
            let lanes = [1, 2, 4, Int.random(in: 1...64, using: &rng)][Int.random(in: 0..<4, using: &rng)]
            let layout: TANSLayout = Bool.random(using: &rng) ? .split : .interleaved
            let symbols = Self.stream(&rng, count: count, bins: bins, pZero: pZero)
            largest = max(largest, count)
            let label = "case \(c): n=\(count) bins=\(bins) p0=\(pZero) R=\(tableLog) P=\(lanes) \(layout)"
            let coded = try TANSCodec.encode(symbols, alphabetSize: bins, tableLog: tableLog, lanes: lanes, layout: layout)
            if coded.escape != nil { escapes += 1 }
            if coded.counts == nil { constants += 1 }
            guard try coded.decode() == symbols else { return XCTFail("decode mismatch, \(label)") }
            // The literal, documented decode step agrees with the fast kernels.
            if count < 5000, try coded.referenceDecode() != symbols { return XCTFail("reference decoder disagrees, \(label)") }
            let bytes = coded.serialized()
            let parsed = try TANSEncoded(serialized: bytes)
            guard parsed == coded, try parsed.decode() == symbols else { return XCTFail("serialized round trip, \(label)") }
            // Size accounting: the serialization is the exact bits plus byte padding only.
            XCTAssertGreaterThanOrEqual(bytes.count * 8, coded.totalBits, label)
            XCTAssertLessThanOrEqual(bytes.count * 8, coded.totalBits + 7 * (coded.laneStreams.count + 2), label)
        }
        XCTAssertEqual(largest >= 100_000, true)
        XCTAssertGreaterThan(escapes, 100, "the escape path should be exercised")
        XCTAssertGreaterThan(constants, 10, "one-symbol streams should be exercised")
    }

    func testBaselineRoundTripsOverTheParameterSpace() throws {
        var rng = SplitMix64(seed: 0xBA5E)
        for c in 0..<1_500 {
            let bins = Int.random(in: 1...255, using: &rng)
            let count = c % 300 == 0 ? 200_000 : Int(pow(3000.0, Double.random(in: 0..<1, using: &rng))) - 1
            let symbols = Self.stream(&rng, count: count, bins: bins, pZero: Double.random(in: 0.5...0.999, using: &rng))
            let configs: [CodecConfiguration] = [.huffman(), .fixedWidth, .rans(precisionBits: Int.random(in: 9...16, using: &rng))]
            for config in configs {
                let coded = try config.encode(symbols, alphabetSize: bins)
                guard try coded.decode() == symbols else { return XCTFail("\(config) case \(c)") }
                let parsed = try CodedSymbols(kind: coded.kind, serialized: coded.serialized())
                guard parsed == coded, try parsed.decode() == symbols else { return XCTFail("\(config) serialized, case \(c)") }
            }
        }
    }

    func testOneSymbolAlphabetIsHeaderOnly() throws {
        let zeros = [UInt8](repeating: 0, count: 100_000)
        let coded = try TANSCodec.encode(zeros, alphabetSize: 1, tableLog: 12, lanes: 8)
        XCTAssertEqual(coded.payloadBits, 0)
        XCTAssertNil(coded.counts)
        XCTAssertLessThan(coded.headerBits, 64)
        XCTAssertEqual(try coded.decode(), zeros)
        XCTAssertEqual(try FixedWidthCodec.encode(zeros, alphabetSize: 1).payloadBits, 0)
    }

    func testInvalidParametersThrow() {
        XCTAssertThrowsError(try TANSCodec.encode([0, 1], alphabetSize: 2, tableLog: 4))
        XCTAssertThrowsError(try TANSCodec.encode([0, 1], alphabetSize: 2, tableLog: 16))
        XCTAssertThrowsError(try TANSCodec.encode([0, 1], alphabetSize: 2, tableLog: 12, lanes: 65))
        XCTAssertThrowsError(try TANSCodec.encode([0, 5], alphabetSize: 3, tableLog: 12))
        XCTAssertThrowsError(try TANSCodec.encode([0, 1], alphabetSize: 257, tableLog: 12))
        // 40 present symbols cannot share 32 slots without the escape path.
        XCTAssertThrowsError(try TANSCodec.encode((0..<40).map(UInt8.init), alphabetSize: 40, tableLog: 5, escape: .never))
        XCTAssertNoThrow(try TANSCodec.encode((0..<40).map(UInt8.init), alphabetSize: 40, tableLog: 5))
    }
}
