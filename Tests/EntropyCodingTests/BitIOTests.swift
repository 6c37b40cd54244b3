import TestSupport
import XCTest
@testable import EntropyCoding

final class BitIOTests: XCTestCase {
    func testDocumentedBitOrder() throws {
        var writer = BitWriter()
        writer.write(0b101, bitCount: 3)
        writer.write(200, bitCount: 8)
        XCTAssertEqual(writer.bytes, [0b1011_1001, 0b0000_0000])
        XCTAssertEqual(writer.bitCount, 11)
        var reader = BitReader(bytes: writer.bytes, bitCount: 11)
        XCTAssertEqual(try reader.read(bitCount: 3), 0b101)
        XCTAssertEqual(try reader.read(bitCount: 8), 200)
        XCTAssertThrowsError(try reader.read(bitCount: 1))
    }

    func testRandomFieldsRoundTrip() throws {
        var rng = SplitMix64(seed: 4)
        var writer = BitWriter()
        var fields: [(UInt64, Int)] = []
        for _ in 0..<5000 {
            let width = Int.random(in: 0...64, using: &rng)
            let value = width == 64 ? rng.next() : rng.next() & ((1 << UInt64(width)) - 1)
            fields.append((value, width))
            writer.write(value, bitCount: width)
        }
        var reader = BitReader(bytes: writer.bytes)
        for (value, width) in fields { XCTAssertEqual(try reader.read(bitCount: width), value) }
    }

    func testExpGolombAndLengthPrefixed() throws {
        var writer = BitWriter()
        let values = [0, 1, 2, 3, 7, 100, 4095, 1 << 30]
        for k in 0..<4 { for v in values { writer.writeExpGolomb(v, order: k) } }
        for v in values { writer.writeLengthPrefixed(v) }
        var reader = BitReader(bytes: writer.bytes)
        for k in 0..<4 { for v in values { XCTAssertEqual(try reader.readExpGolomb(order: k), v) } }
        for v in values { XCTAssertEqual(try reader.readLengthPrefixed(), v) }
    }

    func testReaderOverByteRangeThrowsOnOverrun() throws {
        let bytes: [UInt8] = [0xFF, 0x0F, 0xAA]
        var reader = BitReader(bytes: bytes, byteRange: 1..<2)
        XCTAssertEqual(try reader.read(bitCount: 8), 0x0F)
        XCTAssertThrowsError(try reader.read(bitCount: 1)) { error in
            guard case EntropyCodingError.truncated = error else { return XCTFail("\(error)") }
        }
        var zeros = BitReader(bytes: [UInt8](repeating: 0, count: 16))
        XCTAssertThrowsError(try zeros.readExpGolomb(order: 0))
    }
}
