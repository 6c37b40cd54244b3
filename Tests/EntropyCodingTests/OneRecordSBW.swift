@testable import EntropyCoding

/// Byte surgery on `.sbw` files whose first tensor record is the one under test, for tests that
/// forge a record's fields and check the reader's message: where the record and its kind byte
/// are, and how to re-seal the checksums so that only the forged field is wrong.
///
/// ```swift
/// var bytes = try file.serialized()
/// bytes[OneRecordSBW.layout(bytes).kind] = 9
/// XCTAssertNotNil(OneRecordSBW.message { try SBWFile(bytes: OneRecordSBW.resealed(bytes)) })
/// ```
enum OneRecordSBW {
    /// The first record's byte range (after its length varint, before its CRC). Reads only the
    /// file header, so a record with forged fields still has its range.
    static func record(_ bytes: [UInt8]) -> Range<Int> {
        var i = 6   // magic, version
        let count = varint(bytes, &i)
        for _ in 0..<(2 * count) { i += varint(bytes, &i) }   // metadata keys and values
        _ = varint(bytes, &i)                                   // tensor count
        let length = varint(bytes, &i)
        return i..<(i + length)
    }

    /// The offset of the first record's kind byte (after its name, rank and dimensions), and the
    /// record's byte range.
    static func layout(_ bytes: [UInt8]) -> (kind: Int, record: Range<Int>) {
        let r = record(bytes)
        var i = r.lowerBound
        i += varint(bytes, &i)                                  // name
        for _ in 0..<varint(bytes, &i) { _ = varint(bytes, &i) } // rank, dimensions
        return (i, r)
    }

    private static func varint(_ bytes: [UInt8], _ i: inout Int) -> Int {
        var value = 0, shift = 0
        while true {
            let b = bytes[i]; i += 1
            value |= Int(b & 0x7F) << shift
            if b & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// `bytes` with the first record's CRC and the file's CRC recomputed.
    static func resealed(_ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        let r = record(b)
        let crc = CRC32C.checksum(b[r])
        for k in 0..<4 { b[r.upperBound + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
        let body = b.count - 4
        let fileCRC = CRC32C.checksum(b[0..<body])
        for k in 0..<4 { b[body + k] = UInt8(truncatingIfNeeded: fileCRC >> (8 * UInt32(k))) }
        return b
    }

    /// The error `body` throws, as text, or nil when it does not throw.
    static func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }
}
