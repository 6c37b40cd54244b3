import TestSupport
import XCTest
@testable import EntropyCoding

/// Split levels (record kind 6): more than 255 bins as coded coarse symbols plus raw fine bits —
/// the split itself, the packing, the record, and the refusals.
final class SplitLevelsTests: XCTestCase {
    func testFewestFineBitsAndChecks() {
        XCTAssertEqual(SplitLevels.fineBits(forBins: 255), 0)
        XCTAssertEqual(SplitLevels.fineBits(forBins: 257), 1)
        XCTAssertEqual(SplitLevels.fineBits(forBins: 509), 1)
        XCTAssertEqual(SplitLevels.fineBits(forBins: 511), 2)
        XCTAssertEqual(SplitLevels.fineBits(forBins: 1019), 2)
        XCTAssertEqual(SplitLevels.fineBits(forBins: 1023), 3)
        XCTAssertEqual(SplitLevels.fineBits(forBins: 4095), 5)
        for bins in stride(from: 257, through: SplitLevels.maximumBins, by: 2) {
            let s = SplitLevels.fineBits(forBins: bins)
            XCTAssertLessThanOrEqual(SplitLevels.coarseBins(bins: bins, fineBits: s), BinCount.maximum)
            XCTAssertGreaterThan(SplitLevels.coarseBins(bins: bins, fineBits: s - 1), BinCount.maximum, "\(bins): not the fewest")
            XCTAssertNil(SplitLevels.check(bins: bins, fineBits: s))
        }
        XCTAssertNotNil(SplitLevels.check(bins: 4097, fineBits: 5))
        XCTAssertNotNil(SplitLevels.check(bins: 1020, fineBits: 2), "even")
        XCTAssertNotNil(SplitLevels.check(bins: 1023, fineBits: 2), "256 coarse symbols")
        XCTAssertNotNil(SplitLevels.check(bins: 15, fineBits: 0))
        XCTAssertNotNil(SplitLevels.check(bins: 15, fineBits: 9))
    }

    /// Property: for random bin counts and indices, split → pack → unpack → join is the identity,
    /// and the packed size is ⌈n·s/8⌉ bytes.
    func testSplitPackAndJoinAreInverse() throws {
        var rng = SplitMix64(seed: 0x5B17_1E7E)
        for _ in 0..<300 {
            let bins = 2 * Int.random(in: 128...2047, using: &rng) + 1
            let n = rng.size(max: 3000)
            let indices = (0..<n).map { _ in UInt16(Int.random(in: 0..<bins, using: &rng)) }
            let (coarse, fine) = try SplitLevels.split(indices, bins: bins)
            XCTAssertEqual(fine.fineBits, SplitLevels.fineBits(forBins: bins))
            XCTAssertTrue(coarse.allSatisfy { Int($0) < SplitLevels.coarseBins(bins: bins, fineBits: fine.fineBits) })
            let packed = fine.packed()
            XCTAssertEqual(packed.count, (n * fine.fineBits + 7) / 8)
            let back = try SplitLevels(packed: packed[...], count: n, fineBits: fine.fineBits)
            XCTAssertEqual(back, fine)
            XCTAssertEqual(back.indices(coarse: coarse), indices)
            let step: Float = 0.003
            XCTAssertEqual(back.dequantize(coarse: coarse, bins: bins, step: step),
                           indices.map { Float(Int($0) - (bins - 1) / 2) * step })
        }
        XCTAssertThrowsError(try SplitLevels.split([1019], bins: 1019), "index not below bins")
        XCTAssertThrowsError(try SplitLevels.split([0], bins: 8191), "too many bins")
    }

    func testPackedBitsAreCheckedBeforeUse() {
        XCTAssertThrowsError(try SplitLevels(packed: [0xFF][...], count: 3, fineBits: 2)) { error in
            XCTAssertTrue("\(error)".contains("padding is not zero"), "\(error)")
        }
        XCTAssertThrowsError(try SplitLevels(packed: [0, 0][...], count: 3, fineBits: 2)) { error in
            XCTAssertTrue("\(error)".contains("expected 1"), "\(error)")
        }
        XCTAssertThrowsError(try SplitLevels(fineBits: 2, values: [4]))
        XCTAssertNoThrow(try SplitLevels(packed: [0xFC][...], count: 3, fineBits: 2))
        XCTAssertThrowsError(try SplitLevels(packed: [0x3F][...], count: 3, fineBits: 2), "the padding is the low bits")
    }

    /// The fine bits use the container's bit order (`BitWriter`: most significant bit first).
    func testPackedBitOrderIsTheContainers() throws {
        let fine = try SplitLevels(fineBits: 2, values: [1, 2, 3])
        XCTAssertEqual(fine.packed(), [0b01_10_11_00])
        let three = try SplitLevels(fineBits: 3, values: [5, 1, 7])
        XCTAssertEqual(three.packed(), [0b101_001_11, 0b1000_0000])
        XCTAssertEqual(try SplitLevels(packed: three.packed()[...], count: 3, fineBits: 3).values, [5, 1, 7])
    }

    private func file(_ q: SBWQuantizedTensor, shape: [Int]) throws -> SBWFile {
        SBWFile(tensors: [try SBWTensor(name: "t", shape: shape, payload: .quantized(q))])
    }

    /// Kind 6 round-trips under every codec; 255 bins and fewer keep kind 0 and their bytes.
    func testKindSixRoundTripsAndSmallAlphabetsKeepKindZero() throws {
        var rng = SplitMix64(seed: 6)
        let bins = 1019
        let indices = (0..<600).map { _ in UInt16(max(0, min(bins - 1, 509 + Int((rng.normal() * 120).rounded()))))}
        for codec in [CodecConfiguration.tans(tableLog: 11), .huffman(), .fixedWidth, .rans()] {
            let q = try SBWQuantizedTensor(indices: indices, step: 0.01, bins: bins, codec: codec)
            XCTAssertEqual(q.splitLevels?.fineBits, 2)
            XCTAssertEqual(q.coded.alphabetSize, 255)
            let bytes = try file(q, shape: [20, 30]).serialized()
            let kind = OneRecordSBW.layout(bytes).kind
            XCTAssertEqual(bytes[kind], 6)
            XCTAssertEqual(bytes[kind + 7], 2, "fine bits after step and bins (varint 1019: 2 bytes)")
            let back = try SBWFile(bytes: bytes)
            XCTAssertEqual(back, try file(q, shape: [20, 30]))
            guard case .quantized(let r) = back.tensors[0].payload else { return XCTFail("not quantized") }
            XCTAssertEqual(try r.indices(), indices)
            XCTAssertEqual(try back.tensors[0].floatValues(), indices.map { Float(Int($0) - 509) * 0.01 })
            XCTAssertEqual(back.tensors[0].codedBits, q.coded.totalBits + 600 * 2, "fine bits are coded bits")
        }
        let small = try SBWQuantizedTensor(indices: [0, 3, 254], step: 0.5, bins: 255, codec: .tans(tableLog: 11))
        XCTAssertNil(small.splitLevels)
        XCTAssertEqual(try file(small, shape: [3]).serialized(),
                       try file(try SBWQuantizedTensor(symbols: [0, 3, 254], step: 0.5, bins: 255, codec: .tans(tableLog: 11)), shape: [3]).serialized())
    }

    func testInconsistentKindSixRecordsAreRefused() throws {
        let indices: [UInt16] = (0..<40).map { UInt16($0 * 25) }
        let q = try SBWQuantizedTensor(indices: indices, step: 0.01, bins: 1019, codec: .tans(tableLog: 11))
        let bytes = try file(q, shape: [40]).serialized()
        let kind = OneRecordSBW.layout(bytes).kind
        var badBits = bytes
        badBits[kind + 7] = 1   // 1019 bins at 1 fine bit: 510 coarse symbols
        let m1 = OneRecordSBW.message { _ = try SBWFile(bytes: OneRecordSBW.resealed(badBits)) }
        XCTAssertTrue(m1?.contains("510 coarse symbols") == true, m1 ?? "accepted")
        var badBins = bytes
        badBins[kind + 5] = 0xFE   // varint 1019 → 1022: even
        let m2 = OneRecordSBW.message { _ = try SBWFile(bytes: OneRecordSBW.resealed(badBins)) }
        XCTAssertTrue(m2?.contains("odd bin count") == true, m2 ?? "accepted")
        var badStep = bytes
        for k in 0..<4 { badStep[kind + 1 + k] = UInt8(truncatingIfNeeded: Float.nan.bitPattern >> (8 * UInt32(k))) }
        let m3 = OneRecordSBW.message { _ = try SBWFile(bytes: OneRecordSBW.resealed(badStep)) }
        XCTAssertTrue(m3?.contains("positive finite step") == true, m3 ?? "accepted")
        // Every truncation and every single-byte change: an error or a file, never a crash.
        for cut in stride(from: 8, to: bytes.count, by: 3) {
            _ = try? SBWFile(bytes: Array(bytes[..<cut]))
        }
        for i in OneRecordSBW.layout(bytes).record {
            var mutated = bytes
            mutated[i] ^= 0x5A
            if let f = try? SBWFile(bytes: OneRecordSBW.resealed(mutated)) { _ = try? f.tensors.first?.floatValues() }
        }
        // Coarse 254 with fine 3 is index 1019: one past 1019 bins. The record parses (its parts
        // are each in range) but decoding it refuses by name.
        let past = try SBWQuantizedTensor(step: 0.01, bins: 1019, coded: .fixedWidth(try FixedWidthCodec.encode([254], alphabetSize: 255)),
                                          splitLevels: try SplitLevels(fineBits: 2, values: [3]))
        XCTAssertThrowsError(try past.indices()) { XCTAssertTrue("\($0)".contains("split level 1019 is not below"), "\($0)") }
        XCTAssertThrowsError(try past.dequantized())
        XCTAssertThrowsError(try SBWQuantizedTensor(step: 0.01, bins: 1019, coded: q.coded,
                                                    dependentQuantization: .eightState, splitLevels: q.splitLevels))
    }
}
