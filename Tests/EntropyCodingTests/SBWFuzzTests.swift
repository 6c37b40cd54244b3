import XCTest
@testable import EntropyCoding

/// Must-show 3: mutated, truncated and random inputs to the `.sbw` decoder each end in a decode
/// or a thrown error with a message — never a crash, a hang, or an unchecked allocation.
final class SBWFuzzTests: XCTestCase {
    /// Small limits, so even a crafted header cannot make a test allocate much.
    static let limits = SBWFile.Limits(maxTensors: 64, maxElementsPerTensor: 1 << 20, maxMetadataEntries: 64)

    /// Valid seed files, and the byte range of each tensor record body inside them.
    static func seeds() throws -> [(bytes: [UInt8], records: [Range<Int>])] {
        var result: [(bytes: [UInt8], records: [Range<Int>])] = []
        for seed in 0..<6 as Range<UInt64> {
            let file = try SBWFileTests.sampleFile(seed: seed)
            let bytes = file.serialized()
            // Recover record bodies: walk the tensor list as the parser does.
            var records: [Range<Int>] = []
            var cursor = SBWFile.ByteCursor(bytes: bytes, end: bytes.count - 4)
            cursor.position = 6
            let metadataCount = try cursor.readVarint("")
            for _ in 0..<metadataCount { _ = try cursor.readString(""); _ = try cursor.readString("") }
            for _ in 0..<(try cursor.readVarint("")) {
                let length = try cursor.readVarint("")
                records.append(cursor.position..<(cursor.position + length))
                cursor.position += length + 4
            }
            result.append((bytes, records))
        }
        return result
    }

    /// Rewrites the record CRC and the file CRC so a mutation reaches the deeper validation.
    static func fixChecksums(_ bytes: inout [UInt8], record: Range<Int>) {
        let crc = CRC32C.checksum(bytes[record])
        for i in 0..<4 { bytes[record.upperBound + i] = UInt8((crc >> (8 * UInt32(i))) & 0xFF) }
        let fileCRC = CRC32C.checksum(bytes[0..<(bytes.count - 4)])
        for i in 0..<4 { bytes[bytes.count - 4 + i] = UInt8((fileCRC >> (8 * UInt32(i))) & 0xFF) }
    }

    enum Outcome { case decoded, rejected }

    /// Parses and fully decodes `bytes`; any error must be an `EntropyCodingError` with a message.
    static func feed(_ bytes: [UInt8]) -> Outcome {
        do {
            let file = try SBWFile(bytes: bytes, limits: limits)
            for tensor in file.tensors {
                _ = try tensor.floatValues()
            }
            return .decoded
        } catch let error as EntropyCodingError {
            XCTAssertFalse(error.description.isEmpty)
            return .rejected
        } catch {
            XCTFail("unexpected error type \(error)")
            return .rejected
        }
    }

    func testHundredThousandMutatedTruncatedAndRandomInputs() throws {
        let seeds = try Self.seeds()
        var rng = SplitMix64(seed: 0xF022)
        var decoded = 0, rejected = 0, deep = 0
        let total = 100_000
        for i in 0..<total {
            let (original, records) = seeds[i % seeds.count]
            var bytes = original
            switch i % 8 {
            case 0: // bit flips
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                }
            case 1: // truncation
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
            case 2: // random bytes, sometimes behind a valid magic and version
                bytes = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if Bool.random(using: &rng) && bytes.count > 6 { bytes.replaceSubrange(0..<6, with: SBWFile.magic + [1, 0]) }
            case 3: // insertion or deletion
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                if Bool.random(using: &rng) { bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at) } else { bytes.remove(at: at) }
            default: // mutate inside a record, then repair the checksums: exercises the structural checks
                let record = records[Int.random(in: 0..<records.count, using: &rng)]
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let at = Int.random(in: record, using: &rng)
                    if Bool.random(using: &rng) { bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &rng) } else { bytes[at] = UInt8.random(in: 0...255, using: &rng) }
                }
                Self.fixChecksums(&bytes, record: record)
                deep += 1
            }
            switch Self.feed(bytes) {
            case .decoded: decoded += 1
            case .rejected: rejected += 1
            }
        }
        XCTAssertEqual(decoded + rejected, total)
        XCTAssertGreaterThan(rejected, total / 2)
        XCTAssertGreaterThan(deep, total / 3)
        // Unmutated seeds decode.
        for (bytes, _) in seeds { XCTAssertEqual(Self.feed(bytes), .decoded) }
    }

    func testErrorMessagesNameTheProblem() throws {
        let bytes = try SBWFileTests.sampleFile().serialized()
        XCTAssertThrowsError(try SBWFile(bytes: Array(bytes.dropLast(3)))) { error in
            XCTAssertTrue("\(error)".contains("checksum") || "\(error)".contains("truncated"), "\(error)")
        }
        XCTAssertThrowsError(try SBWFile(bytes: Array("PK\u{3}\u{4}whatever".utf8))) { error in
            XCTAssertTrue("\(error)".contains("not an .sbw file"), "\(error)")
        }
        var future = bytes
        future[4] = 9
        XCTAssertThrowsError(try SBWFile(bytes: future)) { error in
            XCTAssertTrue("\(error)".contains("version"), "\(error)")
        }
    }

    func testCraftedHugeShapeIsRejectedBeforeAllocation() throws {
        // A valid-CRC file whose tensor claims 2^40 elements: rejected by the limit, not allocated.
        let tensor = try SBWTensor(name: "x", shape: [1], payload: .float32([1]))
        var bytes = SBWFile(tensors: [tensor]).serialized()
        // Record layout: ... varint length, name ("x": 1, 0x78), rank 1, dim 1 → replace dim by a 6-byte varint.
        let dimAt = bytes.firstIndex(of: 0x78)! + 2
        bytes.replaceSubrange(dimAt...dimAt, with: [0x80, 0x80, 0x80, 0x80, 0x80, 0x20])
        let lengthAt = bytes.firstIndex(of: 0x78)! - 2
        bytes[lengthAt] += 5
        let record = (lengthAt + 1)..<(lengthAt + 1 + Int(bytes[lengthAt]))
        Self.fixChecksums(&bytes, record: record)
        XCTAssertThrowsError(try SBWFile(bytes: bytes)) { error in
            XCTAssertTrue("\(error)".contains("elements"), "\(error)")
        }
    }
}
