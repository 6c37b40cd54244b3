import TestSupport
import XCTest
@testable import EntropyCoding

/// Front-coded tensor names (`.sbw` version 2, ``SBWFile/NameCoding``): every file reads back
/// as written, is smaller than its version 1 twin by exactly the shared bytes, the breakdown
/// still adds up, and hostile name fields are refused by name.
final class SBWFrontCodedNamesTests: XCTestCase {
    /// Names as a ResNet's batch norms give them, plus multi-byte UTF-8 that shares part of a
    /// character with its predecessor, an empty name and a repeated one.
    static let names = ["conv1.weight", "layer1.0.bn1.bias", "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var",
                        "layer1.0.bn1.weight", "", "é1", "è2", "éé", "éé", "layer1.0.bn1"]

    static func file(_ coding: SBWFile.NameCoding) throws -> SBWFile {
        let tensors = try names.enumerated().map { i, name in
            try SBWTensor(name: name, shape: [2], payload: .float32([Float(i), -1]))
        }
        return SBWFile(metadata: ["model": "names"], tensors: tensors, nameCoding: coding)
    }

    func testRoundTripsAndSavesExactlyTheSharedBytes() throws {
        let plain = try Self.file(.plain), front = try Self.file(.frontCoded)
        let plainBytes = plain.serialized(), frontBytes = front.serialized()
        XCTAssertEqual(Array(plainBytes[4..<6]), [1, 0])
        XCTAssertEqual(Array(frontBytes[4..<6]), [2, 0])
        XCTAssertEqual(try SBWFile(bytes: frontBytes), front)
        XCTAssertEqual(try SBWFile(bytes: plainBytes), plain)
        XCTAssertEqual(try SBWFile(bytes: frontBytes).tensors.map(\.name), Self.names)
        // Each record trades the shared bytes for a one-byte shared count (all counts < 128).
        var previous = ""
        var saved = 0
        for name in Self.names {
            saved += zip(name.utf8, previous.utf8).prefix { $0 == $1 }.count - 1
            previous = name
        }
        XCTAssertEqual(plainBytes.count - frontBytes.count, saved)
        XCTAssertGreaterThan(saved, 40)
    }

    func testBreakdownCountsTheNamesAsStored() throws {
        for coding in SBWFile.NameCoding.allCases {
            let file = try Self.file(coding)
            let parts = SBWByteBreakdown(file)
            XCTAssertEqual(parts.totalBits, file.serialized().count * 8, "\(coding)")
            XCTAssertEqual(parts.parts.reduce(0) { $0 + $1.bits }, parts.totalBits, "\(coding)")
        }
        let plain = SBWByteBreakdown(try Self.file(.plain)), front = SBWByteBreakdown(try Self.file(.frontCoded))
        XCTAssertEqual(plain.totalBits - front.totalBits, plain.nameBits - front.nameBits)
        XCTAssertEqual(plain.framingBits, front.framingBits)
    }

    /// A hand-built version 2 file whose records carry `names` as (shared count, rest) pairs.
    static func forged(_ fields: [(shared: Int, rest: [UInt8])]) -> [UInt8] {
        var out = SBWFile.magic + [2, 0]
        SBWFile.appendVarint(0, to: &out)
        SBWFile.appendVarint(fields.count, to: &out)
        for field in fields {
            var body = [UInt8]()
            SBWFile.appendVarint(field.shared, to: &body)
            SBWFile.appendVarint(field.rest.count, to: &body)
            body += field.rest
            body += [1, 1, 1]            // rank 1, one element, kind 1 (float32)
            SBWFile.appendUInt32(Float(1).bitPattern, to: &body)
            SBWFile.appendVarint(body.count, to: &out)
            out += body
            SBWFile.appendUInt32(CRC32C.checksum(body), to: &out)
        }
        SBWFile.appendUInt32(CRC32C.checksum(out), to: &out)
        return out
    }

    func testRefusesHostileNameFields() throws {
        XCTAssertEqual(try SBWFile(bytes: Self.forged([(0, Array("ab".utf8)), (2, Array("c".utf8))])).tensors.map(\.name), ["ab", "abc"])
        let cases: [([(shared: Int, rest: [UInt8])], String)] = [
            ([(1, Array("a".utf8))], "shares 1 bytes with the previous name, which has 0"),
            ([(0, Array("ab".utf8)), (3, [])], "shares 3 bytes with the previous name, which has 2"),
            ([(0, [0xC3, 0xA9]), (1, [0x41])], "not valid UTF-8"),      // splits é, then a non-continuation byte
            ([(0, [0xFF])], "not valid UTF-8"),
        ]
        for (fields, message) in cases {
            XCTAssertThrowsError(try SBWFile(bytes: Self.forged(fields))) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
        // A name repeated in full by every record adds up past the per-file limit.
        let long = [UInt8](repeating: 0x61, count: 1000)
        let bomb = Self.forged([(0, long)] + Array(repeating: (shared: 1000, rest: [UInt8]()), count: 40))
        XCTAssertNoThrow(try SBWFile(bytes: bomb))
        XCTAssertThrowsError(try SBWFile(bytes: bomb, limits: SBWFile.Limits(maxNameBytesPerFile: 20_000))) { error in
            XCTAssertTrue("\(error)".contains("front-coded names up to tensor 20 add up to 21000 bytes"), "\(error)")
        }
    }

    func testUnknownVersionsAreRefusedWithTheSupportedOnes() throws {
        var bytes = try Self.file(.plain).serialized()
        bytes[4] = 3
        let body = bytes.count - 4
        bytes.replaceSubrange(body..., with: withUnsafeBytes(of: CRC32C.checksum(bytes[0..<body]).littleEndian, Array.init))
        XCTAssertThrowsError(try SBWFile(bytes: bytes)) { error in
            XCTAssertTrue("\(error)".contains("version 3 is not supported (this build reads versions 1 and 2"), "\(error)")
        }
    }
}
