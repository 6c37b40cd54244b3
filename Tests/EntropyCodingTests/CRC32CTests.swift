import TestSupport
import XCTest
@testable import EntropyCoding

final class CRC32CTests: XCTestCase {
    func testStandardCheckValue() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
    }

    func testIncrementalEqualsOneShotAndMatchesBitwise() {
        var rng = SplitMix64(seed: 3)
        for n in [0, 1, 7, 8, 9, 63, 1000] {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var bitwise: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                bitwise ^= UInt32(b)
                for _ in 0..<8 { bitwise = bitwise & 1 != 0 ? (bitwise >> 1) ^ 0x82F6_3B78 : bitwise >> 1 }
            }
            XCTAssertEqual(CRC32C.checksum(bytes), ~bitwise)
            var crc = CRC32C()
            crc.update(bytes.prefix(n / 3))
            crc.update(bytes.dropFirst(n / 3))
            XCTAssertEqual(crc.value, ~bitwise)
        }
    }
}
