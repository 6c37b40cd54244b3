import TestSupport
import XCTest
@testable import EntropyCoding

/// Issue 25, defect 1 (size bombs) and defect 3 (escape tables larger than R): claimed sizes are
/// tied to the bytes where the format allows, bounded by stated limits where it does not.
final class ResourceLimitTests: XCTestCase {
    /// A constant-mode tANS record claiming `count` symbols of shape `shape`, as a whole file.
    static func constantFile(shape: [Int], count: Int, tensors: Int = 1, metadata: [String: String] = [:]) throws -> [UInt8] {
        var w = BitWriter()
        w.write(1, bitCount: 2); w.write(0, bitCount: 8); w.writeLengthPrefixed(count); w.write(0, bitCount: 8)
        w.padToByte()
        var out = SBWFile.magic + [1, 0]
        SBWFile.appendVarint(metadata.count, to: &out)
        for key in metadata.keys.sorted() { SBWFile.appendString(key, to: &out); SBWFile.appendString(metadata[key]!, to: &out) }
        SBWFile.appendVarint(tensors, to: &out)
        for i in 0..<tensors {
            var body = [UInt8]()
            SBWFile.appendString(tensors == 1 ? "w" : "w\(i)", to: &body)
            SBWFile.appendVarint(shape.count, to: &body)
            for d in shape { SBWFile.appendVarint(d, to: &body) }
            body.append(0); SBWFile.appendUInt32(Float(0.1).bitPattern, to: &body); SBWFile.appendVarint(1, to: &body); body.append(0)
            body += w.bytes
            SBWFile.appendVarint(body.count, to: &out); out += body; SBWFile.appendUInt32(CRC32C.checksum(body), to: &out)
        }
        SBWFile.appendUInt32(CRC32C.checksum(out), to: &out)
        return out
    }

    func testFortyOneByteBombIsRefusedBeforeAllocating() throws {
        let bomb = try Self.constantFile(shape: [65_536, 65_536], count: 1 << 32)
        XCTAssertEqual(bomb.count, 41)
        let start = Date()
        XCTAssertThrowsError(try SBWFile(bytes: bomb)) { error in
            guard case .limitExceeded(let message) = error as? EntropyCodingError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("4294967296 elements"), message)
            XCTAssertTrue(message.contains("--max-decoded-bytes"), message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
    }

    func testPerFileLimitAddsUpTheTensors() throws {
        // Three tensors of 24 Mi elements: each under 128 MiB, together 288 MiB > 256 MiB.
        let bytes = try Self.constantFile(shape: [24 << 20], count: 24 << 20, tensors: 3)
        XCTAssertThrowsError(try SBWFile(bytes: bytes)) { error in
            guard case .limitExceeded(let message) = error as? EntropyCodingError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("per file"), message)
        }
        // Parsing alone allocates nothing per element: with the limit raised, the file parses.
        XCTAssertEqual(try SBWFile(bytes: bytes, limits: .init(maxDecodedBytes: 1 << 30)).tensors.count, 3)
    }

    func testLimitsAreStatedAndOverridable() throws {
        let bytes = try Self.constantFile(shape: [300], count: 300)
        XCTAssertNoThrow(try SBWFile(bytes: bytes))
        XCTAssertThrowsError(try SBWFile(bytes: bytes, limits: .init(maxDecodedBytes: 1_000)))
        XCTAssertNoThrow(try SBWFile(bytes: bytes, limits: .init(maxDecodedBytes: 1_200)))
        XCTAssertEqual(SBWFile.Limits.standard.maxDecodedBytesPerTensor, 128 << 20)
        XCTAssertEqual(SBWFile.Limits.standard.maxDecodedBytesPerFile, 256 << 20)
    }

    /// A tANS stream whose every symbol costs a bit cannot claim more symbols than it has bits.
    func testSymbolCountIsTiedToTheStreamBits() throws {
        let symbols = (0..<4_000).map { UInt8($0 % 4) }   // uniform: every step reads 2 bits at R = 5
        for (lanes, layout) in [(1, TANSLayout.split), (4, .split), (4, .interleaved)] {
            let coded = try TANSCodec.encode(symbols, alphabetSize: 4, tableLog: 5, lanes: lanes, layout: layout)
            XCTAssertEqual(TANSEncoded.minimumStepBits(coded.counts!), 2)
            var inflated = coded
            inflated.symbolCount = 1 << 30
            XCTAssertThrowsError(try TANSEncoded(serialized: inflated.serialized(), maxSymbolCount: 1 << 31)) { error in
                XCTAssertTrue("\(error)".contains("bits"), "\(error)")
            }
            XCTAssertEqual(try TANSEncoded(serialized: coded.serialized()).decode(), symbols)
        }
        // A symbol holding more than half the table can cost zero bits: no bound from the bits.
        let skewed = try NormalizedCounts(validatingCounts: [30, 2], tableLog: 5)
        XCTAssertEqual(TANSEncoded.minimumStepBits(skewed), 0)
    }

    func testHuffmanSymbolCountIsTiedToThePayloadBits() throws {
        let coded = try HuffmanCodec.encode((0..<100).map { UInt8($0 % 3) }, alphabetSize: 3)
        var inflated = coded
        inflated.symbolCount = 1 << 30
        XCTAssertThrowsError(try HuffmanEncoded(serialized: inflated.serialized(), maxSymbolCount: 1 << 31))
    }

    /// Defect 3: at R = 5 the escape table used to get log 6…10; now every table fits 2^R.
    func testEscapeTablesRespectTheTableLog() throws {
        var random = SplitMix64(seed: 3)
        for bins in [15, 31, 63] {
            let symbols = (0..<20_000).map { _ -> UInt8 in
                random.next() % 100 < 90 ? UInt8(bins / 2) : UInt8(random.next() % UInt64(bins))
            }
            for r in 5...7 {
                let coded = try TANSCodec.encode(symbols, alphabetSize: bins, tableLog: r)
                XCTAssertLessThanOrEqual(coded.escape?.counts.tableLog ?? r, r, "bins \(bins), R \(r)")
                XCTAssertEqual(try coded.decode(), symbols)
            }
        }
        // 63 present levels fit two 32-entry tables exactly; 255 cannot, and only then the escape
        // table grows past R (a spec with such bins and table_log is refused before training).
        let sixtyThree = (0..<2_000).map { UInt8($0 % 63) }
        let fitted = try TANSCodec.encode(sixtyThree, alphabetSize: 63, tableLog: 5)
        XCTAssertLessThanOrEqual(fitted.escape?.counts.tableLog ?? 5, 5)
        XCTAssertEqual(try fitted.decode(), sixtyThree)
        let all = (0..<2_000).map { UInt8($0 % 255) }
        let grown = try TANSCodec.encode(all, alphabetSize: 255, tableLog: 5)
        XCTAssertGreaterThan(grown.escape!.counts.tableLog, 5)
        XCTAssertEqual(try grown.decode(), all)
    }

    /// Names from the file are escaped: a newline cannot split a one-line error (defect 9).
    func testNamesAreEscapedInMessages() throws {
        let tensor = try SBWTensor(name: "fc\nweight", shape: [1], payload: .float32([1]))
        var bytes = SBWFile(tensors: [tensor]).serialized()
        // Turn its kind into an unknown one, with both CRCs recomputed.
        let kindOffset = 6 + 1 + 1 + 1 + 1 + 9 + 1 + 1
        XCTAssertEqual(bytes[kindOffset], 1)
        bytes[kindOffset] = 9
        let body = (6 + 3)..<(bytes.count - 8)
        let crc = CRC32C.checksum(bytes[body])
        for i in 0..<4 { bytes[body.upperBound + i] = UInt8((crc >> (8 * UInt32(i))) & 0xFF) }
        let fileCRC = CRC32C.checksum(bytes[0..<(bytes.count - 4)])
        for i in 0..<4 { bytes[bytes.count - 4 + i] = UInt8((fileCRC >> (8 * UInt32(i))) & 0xFF) }
        XCTAssertThrowsError(try SBWFile(bytes: bytes)) { error in
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), text)
            XCTAssertTrue(text.contains("\"fc\\nweight\""), text)
        }
    }
}
