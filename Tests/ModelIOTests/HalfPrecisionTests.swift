import TestSupport
import XCTest
@testable import ModelIO

final class HalfPrecisionTests: XCTestCase {
    func testEveryHalfRoundTripsThroughFloat() {
        for bits in 0...UInt16.max {
            let value = HalfPrecision.float(fromHalfBits: bits)
            if value.isNaN {
                XCTAssertTrue(HalfPrecision.float(fromHalfBits: HalfPrecision.halfBits(from: value)).isNaN)
            } else {
                XCTAssertEqual(HalfPrecision.halfBits(from: value), bits, "half bits \(bits)")
            }
        }
    }

    func testEveryBFloat16RoundTripsThroughFloat() {
        for bits in 0...UInt16.max {
            let value = HalfPrecision.float(fromBFloat16Bits: bits)
            if value.isNaN {
                XCTAssertTrue(HalfPrecision.float(fromBFloat16Bits: HalfPrecision.bfloat16Bits(from: value)).isNaN)
            } else {
                XCTAssertEqual(HalfPrecision.bfloat16Bits(from: value), bits)
            }
        }
    }

    func testHalfRoundingCases() {
        XCTAssertEqual(HalfPrecision.halfBits(from: 1), 0x3C00)
        XCTAssertEqual(HalfPrecision.halfBits(from: -2), 0xC000)
        XCTAssertEqual(HalfPrecision.halfBits(from: 65504), 0x7BFF)       // largest half
        XCTAssertEqual(HalfPrecision.halfBits(from: 65520), 0x7C00)       // ties up to infinity
        XCTAssertEqual(HalfPrecision.halfBits(from: 65519), 0x7BFF)
        XCTAssertEqual(HalfPrecision.halfBits(from: 0x1p-24), 0x0001)     // smallest subnormal
        XCTAssertEqual(HalfPrecision.halfBits(from: 0x1p-25), 0x0000)     // tie to even (zero)
        XCTAssertEqual(HalfPrecision.halfBits(from: 0x1.8p-24), 0x0002)   // tie to even (two)
        XCTAssertEqual(HalfPrecision.halfBits(from: 1 + 0x1p-11), 0x3C00) // tie to even, down
        XCTAssertEqual(HalfPrecision.halfBits(from: 1 + 0x1.8p-10), 0x3C02) // tie to even, up
        XCTAssertEqual(HalfPrecision.halfBits(from: -0.0), 0x8000)
        XCTAssertEqual(HalfPrecision.halfBits(from: .infinity), 0x7C00)
    }

    #if !(os(macOS) && arch(x86_64))
    /// Against the standard library's Float16 conversion (IEEE round to nearest even).
    func testHalfMatchesFloat16OnRandomFloats() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200_000 {
            let value = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            if value.isNaN { continue }
            XCTAssertEqual(HalfPrecision.halfBits(from: value), Float16(value).bitPattern, "\(value)")
        }
    }
    #endif

    func testBFloat16Rounding() {
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: 1), 0x3F80)
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x3F80_8000)), 0x3F80) // tie, even down
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x3F81_8000)), 0x3F82) // tie, even up
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x3F80_8001)), 0x3F81)
        XCTAssertEqual(HalfPrecision.bfloat16Bits(from: .greatestFiniteMagnitude), 0x7F80)
    }
}
