import Foundation
import TestSupport
import XCTest
@testable import ModelIO

final class IDXTests: XCTestCase {
    func testRoundTripEveryDTypePlainAndGzipped() throws {
        var rng = SplitMix64(seed: 5)
        let folder = try temporaryFolder()
        for dtype in [DType.u8, .i8, .i16, .i32, .f32, .f64] {
            for shape in [[0], [7], [3, 4], [2, 3, 5]] {
                let tensor = randomTensor(dtype: dtype, shape: shape, using: &rng)
                let plain = try IDX.encode(tensor)
                XCTAssertEqual(try IDX.decode(plain), tensor)
                XCTAssertEqual(try IDX.decode(Gzip.compress(plain)), tensor)
                for gzip in [false, true] {
                    let url = folder.appendingPathComponent("t-\(dtype)-\(shape.count)-\(gzip)")
                    try IDX.write(tensor, to: url, gzip: gzip)
                    XCTAssertEqual(try IDX.read(contentsOf: url), tensor)
                }
            }
        }
    }

    func testBigEndianOnDisk() throws {
        let tensor = try TensorData(integers: [0x0102_0304, -1], shape: [2], dtype: .i32)
        XCTAssertEqual(try IDX.encode(tensor), [0, 0, 0x0C, 1, 0, 0, 0, 2, 1, 2, 3, 4, 0xFF, 0xFF, 0xFF, 0xFF])
    }

    func testLargeGzippedFileStreamsInChunks() throws {
        // 300 KB of images: several 64 KiB input and output chunks.
        var rng = SplitMix64(seed: 9)
        let bytes = (0..<(300 * 1000)).map { i in i % 7 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : 0 }
        let tensor = try TensorData(dtype: .u8, shape: [300, 10, 100], bytes: bytes)
        XCTAssertEqual(try IDX.decode(Gzip.compress(IDX.encode(tensor), level: 1)), tensor)
    }

    func testConcatenatedGzipMembers() throws {
        let plain = try IDX.encode(TensorData(integers: Array(0..<100), shape: [100], dtype: .u8))
        let split = try Gzip.compress(Array(plain[0..<30])) + Gzip.compress(Array(plain[30...]))
        XCTAssertEqual(try IDX.decode(split).integers(), Array(0..<100))
    }

    // MARK: - Hostile files

    private func assertIDXError(_ bytes: [UInt8], line: UInt = #line, _ matches: (IDXError.Kind) -> Bool) {
        XCTAssertThrowsError(try IDX.decode(bytes), line: line) { error in
            guard let error = error as? IDXError else { return XCTFail("wrong error type \(error)", line: line) }
            XCTAssertTrue(matches(error.kind), "\(error)", line: line)
        }
    }

    func testPlainErrors() {
        assertIDXError([0, 0]) { $0 == .truncated(expected: 4, actual: 2) }
        assertIDXError([1, 0, 8, 1, 0, 0, 0, 1, 5]) { $0 == .badMagic([1, 0, 8, 1]) }
        assertIDXError([0, 0, 0x0A, 1, 0, 0, 0, 1, 5]) { $0 == .unknownType(0x0A) }
        assertIDXError([0, 0, 8, 2, 0, 0, 0, 1]) { $0 == .truncated(expected: 12, actual: 8) }
        assertIDXError([0, 0, 8, 1, 0, 0, 0, 3, 5]) { $0 == .truncated(expected: 11, actual: 9) }
        assertIDXError([0, 0, 8, 1, 0, 0, 0, 1, 5, 6]) { $0 == .trailingData(declared: 9, actual: 10) }
        // 2^32-1 cubed overflows: refused from the header, before any allocation.
        assertIDXError([0, 0, 0x0E, 3] + Array(repeating: 0xFF, count: 12)) {
            if case .tooLarge = $0 { return true } else { return false }
        }
    }

    func testGzipErrors() throws {
        let plain = try IDX.encode(TensorData(dtype: .u8, shape: [1000], bytes: Array(repeating: 3, count: 1000)))
        let packed = try Gzip.compress(plain)
        assertIDXError(Array(packed.prefix(packed.count - 12))) { $0 == .gzip(.truncated) }
        var corrupt = packed
        corrupt[12] ^= 0xFF
        assertIDXError(corrupt) { if case .gzip(.corrupt) = $0 { return true } else { return false } }
        assertIDXError(packed + [1, 2, 3]) { $0 == .gzip(.trailingData(3)) }
        XCTAssertNoThrow(try IDX.decode(packed + [0, 0, 0]))  // zero padding is tolerated, like gzip(1)

        // A tiny gzip that claims a 4 GB payload is refused from its header alone.
        let liar = try Gzip.compress([0, 0, 8, 1, 0xFF, 0xFF, 0xFF, 0xF0])
        assertIDXError(liar) { if case .tooLarge = $0 { return true } else { return false } }
        // Declared shape larger than the real (gzipped) payload.
        let shortPayload = try Gzip.compress([0, 0, 8, 1, 0, 0, 0, 100] + Array(repeating: 1, count: 10))
        assertIDXError(shortPayload) { $0 == .truncated(expected: 108, actual: 18) }
        let longPayload = try Gzip.compress([0, 0, 8, 1, 0, 0, 0, 2] + Array(repeating: 1, count: 10))
        assertIDXError(longPayload) { if case .trailingData = $0 { return true } else { return false } }
    }

    func testGzipDecompressLimit() throws {
        let packed = try Gzip.compress(Array(repeating: 0, count: 100_000))
        XCTAssertEqual(try Gzip.decompress(packed, maximumSize: 100_000).count, 100_000)
        XCTAssertThrowsError(try Gzip.decompress(packed, maximumSize: 99_999)) {
            XCTAssertEqual($0 as? GzipError, .tooLarge(limit: 99_999))
        }
        XCTAssertThrowsError(try Gzip.decompress([1, 2, 3], maximumSize: 10)) {
            XCTAssertEqual($0 as? GzipError, .corrupt("missing gzip magic number 1f 8b"))
        }
    }

    func testFuzzedGzipAndPlainFilesNeverCrash() throws {
        var rng = SplitMix64(seed: 21)
        let plain = try IDX.encode(randomTensor(dtype: .i16, shape: [4, 5, 6], using: &rng))
        let originals = [plain, try Gzip.compress(plain)]
        var refused = 0
        for i in 0..<3_000 {
            var bytes = originals[i % 2]
            for _ in 0..<Int(rng.next() % 3 + 1) {
                if rng.next() % 2 == 0 {
                    bytes[Int(rng.next() % UInt64(bytes.count))] ^= 1 << UInt8(rng.next() % 8)
                } else {
                    bytes.removeLast(Int(rng.next() % UInt64(bytes.count)))
                }
                if bytes.isEmpty { bytes = [0x1F] }
            }
            do {
                let tensor = try IDX.decode(bytes)
                XCTAssertEqual(tensor.bytes.count, try TensorData.byteCount(dtype: tensor.dtype, shape: tensor.shape))
            } catch is IDXError {
                refused += 1
            } catch {
                XCTFail("unexpected error \(error)")
            }
        }
        XCTAssertGreaterThan(refused, 2_000)
    }

    func testReadErrorNamesFile() throws {
        let url = try temporaryFolder().appendingPathComponent("bad-idx1-ubyte")
        try Data([0, 0, 8, 1, 0, 0, 0, 5]).write(to: url)
        XCTAssertThrowsError(try IDX.read(contentsOf: url)) {
            XCTAssertTrue("\($0)".contains(url.path))
            XCTAssertTrue("\($0)".contains("truncated"))
        }
    }
}
