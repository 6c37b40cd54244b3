import XCTest
import TestSupport
@testable import EntropyCoding

/// 8-bit kept tensors (`SBWAffine8`, `.sbw` record kind 4): error within half a step, constant
/// and positive tensors, refusal of non-finite values, the record's round trip and its refusal
/// of inconsistent fields.
final class SBWAffine8Tests: XCTestCase {
    func testErrorIsAtMostHalfAStep() throws {
        var random = SplitMix64(seed: 19)
        for _ in 0..<200 {
            let n = 1 + random.size(max: 500)
            let values = random.weights(count: n).map { $0 + Float(Double.random(in: -3...3, using: &random)) }
            let code = try SBWAffine8(encoding: values)
            XCTAssertEqual(code.codes.count, n)
            XCTAssertEqual(code.offset, values.min()!)
            let decoded = code.values()
            // Half a step, plus the rounding of offset + k·step (a few ulps of the largest magnitude).
            let slack = 4 * (values.map(abs).max()! + code.step * 255).ulp
            for (v, d) in zip(values, decoded) {
                XCTAssertLessThanOrEqual(abs(v - d), code.step / 2 + slack, "\(v) → \(d), step \(code.step)")
            }
        }
    }

    func testConstantTensorIsExactWithZeroStep() throws {
        let code = try SBWAffine8(encoding: [Float](repeating: -0.75, count: 9))
        XCTAssertEqual(code.step, 0)
        XCTAssertEqual(code.values(), [Float](repeating: -0.75, count: 9))
        XCTAssertEqual(try SBWAffine8(encoding: []).values(), [])
    }

    func testPositiveValuesDecodePositive() throws {
        // Variances spanning six decades: the smallest sits far below one step.
        let variances: [Float] = [1e-6, 2e-6, 3e-3, 0.5, 1, 1.5, 2, 3, 4, 5]
        let code = try SBWAffine8(encoding: variances, positive: true)
        XCTAssertTrue(code.values().allSatisfy { $0 > 0 }, "\(code.values())")
        // Non-positive inputs are lifted to the smallest positive value.
        let lifted = try SBWAffine8(encoding: [0, -1, 0.25, 4], positive: true).values()
        XCTAssertTrue(lifted.allSatisfy { $0 > 0 }, "\(lifted)")
        XCTAssertEqual(lifted[0], 0.25)
        let allZero = try SBWAffine8(encoding: [0, 0], positive: true).values()
        XCTAssertTrue(allZero.allSatisfy { $0 > 0 }, "\(allZero)")
    }

    func testNonFiniteValuesAreRefusedWithAMessage() {
        for bad in [Float.nan, .infinity, -.infinity] {
            XCTAssertThrowsError(try SBWAffine8(encoding: [0, 1, bad])) { error in
                XCTAssertTrue("\(error)".contains("value 2 is") && "\(error)".contains("finite"), "\(error)")
            }
        }
        XCTAssertThrowsError(try SBWAffine8(encoding: [-Float.greatestFiniteMagnitude, Float.greatestFiniteMagnitude])) { error in
            XCTAssertTrue("\(error)".contains("too wide"), "\(error)")
        }
    }

    func testRecordRoundTripsAndCountsAsKept() throws {
        let code = try SBWAffine8(encoding: (0..<20).map { Float($0) * 0.1 - 0.3 })
        let file = SBWFile(metadata: ["a": "b"], tensors: [try SBWTensor(name: "bn.bias", shape: [4, 5], payload: .affine8(code))])
        let bytes = file.serialized()
        let back = try SBWFile(bytes: bytes)
        XCTAssertEqual(back, file)
        XCTAssertEqual(try back.tensors[0].floatValues(), code.values())
        XCTAssertEqual(back.tensors[0].codedBits, (8 + 20) * 8)
        let parts = SBWByteBreakdown(back)
        XCTAssertEqual(parts.keptValueBits, (8 + 20) * 8)
        XCTAssertEqual(parts.totalBits, bytes.count * 8)
        // Layout: … kind 4, offset, step, codes to the record's end.
        let kind = OneRecordSBW.layout(bytes).kind
        XCTAssertEqual(bytes[kind], 4)
        XCTAssertEqual(SBWFile.readUInt32(bytes, at: kind + 1), code.offset.bitPattern)
        XCTAssertEqual(SBWFile.readUInt32(bytes, at: kind + 5), code.step.bitPattern)
        XCTAssertEqual(Array(bytes[(kind + 9)..<(kind + 29)]), code.codes)
    }

    func testInconsistentRecordsAreRefused() throws {
        let code = try SBWAffine8(encoding: (0..<20).map { Float($0) })
        let bytes = SBWFile(tensors: [try SBWTensor(name: "bn.bias", shape: [20], payload: .affine8(code))]).serialized()
        let kind = OneRecordSBW.layout(bytes).kind
        var nan = bytes
        for k in 0..<4 { nan[kind + 1 + k] = UInt8(truncatingIfNeeded: Float.nan.bitPattern >> (8 * UInt32(k))) }
        XCTAssertTrue(OneRecordSBW.message { _ = try SBWFile(bytes: OneRecordSBW.resealed(nan)) }?.contains("finite offset") == true)
        var negative = bytes
        for k in 0..<4 { negative[kind + 5 + k] = UInt8(truncatingIfNeeded: Float(-1).bitPattern >> (8 * UInt32(k))) }
        XCTAssertTrue(OneRecordSBW.message { _ = try SBWFile(bytes: OneRecordSBW.resealed(negative)) }?.contains("step ≥ 0") == true)
        // A shape claiming more values than the record holds: refused before anything is read.
        var claim = bytes
        claim[kind - 1] = 21
        let m = OneRecordSBW.message { _ = try SBWFile(bytes: OneRecordSBW.resealed(claim)) }
        XCTAssertTrue(m?.contains("20 code bytes for 21 8-bit values") == true, m ?? "accepted")
        // A huge claim stops at the decoded-size limit.
        let limits = SBWFile.Limits(maxDecodedBytes: 40)
        XCTAssertTrue(OneRecordSBW.message { _ = try SBWFile(bytes: bytes, limits: limits) }?.contains("limit per tensor") == true)
        // A reader knows kinds 0…6; the next one is refused by name, as kind 4 is by older readers.
        var future = bytes
        future[kind] = 7
        XCTAssertTrue(OneRecordSBW.message { _ = try SBWFile(bytes: OneRecordSBW.resealed(future)) }?.contains("unknown kind 7") == true)
    }

    func testFilesWithoutKind4AreUnchanged() throws {
        // A float16 / float32 file serializes as it always did: kinds 1 and 2, raw values.
        let file = SBWFile(tensors: [try SBWTensor(name: "b", shape: [2], payload: .float32([1, 2])),
                                     try SBWTensor(name: "h", shape: [1], payload: .float16([0x3C00]))])
        let bytes = file.serialized()
        XCTAssertFalse(bytes.isEmpty)
        XCTAssertEqual(try SBWFile(bytes: bytes), file)
        // magic+version, metadata count, tensor count, two records (length, name, rank, dim, kind, values, CRC), file CRC.
        XCTAssertEqual(bytes.count, 6 + 1 + 1 + (1 + 2 + 1 + 1 + 1 + 8 + 4) + (1 + 2 + 1 + 1 + 1 + 2 + 4) + 4)
        XCTAssertEqual(bytes[8 + 1 + 2 + 1 + 1], 1, "float32 kind")
    }
}
