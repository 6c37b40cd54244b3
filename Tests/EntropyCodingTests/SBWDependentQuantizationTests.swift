import XCTest
@testable import EntropyCoding

/// Dependent-quantization records (kind 3): written only when a tensor uses it, read back with
/// the state machine, and refused with one clear error when their fields do not fit together.
final class SBWDependentQuantizationTests: XCTestCase {
    private let symbols: [UInt8] = [0, 1, 2, 3, 4, 2, 2, 3, 1, 2]

    private func file(_ q: SBWQuantizedTensor) throws -> SBWFile {
        SBWFile(tensors: [try SBWTensor(name: "t", shape: [symbols.count], payload: .quantized(q))])
    }

    /// The offset of the record's kind byte in a one-tensor file without metadata, and the
    /// record's range.
    private func layout(_ bytes: [UInt8]) -> (kind: Int, record: Range<Int>) {
        var i = 4 + 2 + 1 + 1   // magic, version, metadata count 0, tensor count 1
        var length = 0, shift = 0
        while true {
            let b = bytes[i]; i += 1
            length |= Int(b & 0x7F) << shift
            if b & 0x80 == 0 { break }
            shift += 7
        }
        // name "t" (2 bytes), rank 1, dimension 10: kind follows.
        return (i + 4, i..<(i + length))
    }

    /// Rewrites the record and file checksums after a patch, so only the patched field is wrong.
    private func resealed(_ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        let r = layout(b).record
        let crc = CRC32C.checksum(b[r])
        for k in 0..<4 { b[r.upperBound + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
        let body = b.count - 4
        let fileCRC = CRC32C.checksum(b[0..<body])
        for k in 0..<4 { b[body + k] = UInt8(truncatingIfNeeded: fileCRC >> (8 * UInt32(k))) }
        return b
    }

    private func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    func testPlainRecordsKeepKindZeroAndDQRecordsRoundTrip() throws {
        let plain = try SBWQuantizedTensor(symbols: symbols, step: 0.5, bins: 5, codec: .tans(tableLog: 11))
        let plainBytes = try file(plain).serialized()
        XCTAssertEqual(plainBytes[layout(plainBytes).kind], 0)
        for machine in DQStateMachine.allCases {
            let q = try SBWQuantizedTensor(symbols: symbols, step: 0.5, bins: 5, codec: .tans(tableLog: 11),
                                           dependentQuantization: machine)
            let bytes = try file(q).serialized()
            let kind = layout(bytes).kind
            XCTAssertEqual(bytes[kind], 3)
            XCTAssertEqual(bytes[kind + 1 + 4 + 1], machine.rawValue, "state count after step and bins")
            XCTAssertEqual(bytes.count, plainBytes.count + 1, "one byte more than the plain record")
            let back = try SBWFile(bytes: bytes)
            XCTAssertEqual(back, try file(q))
            XCTAssertEqual(try back.tensors[0].floatValues(), machine.dequantize(symbols, maxLevel: 2, step: 0.5))
            XCTAssertNotEqual(try back.tensors[0].floatValues(), try SBWFile(bytes: plainBytes).tensors[0].floatValues())
        }
    }

    func testInconsistentDQRecordsAreRefusedWithOneClearError() throws {
        let q = try SBWQuantizedTensor(symbols: symbols, step: 0.5, bins: 5, codec: .tans(tableLog: 11),
                                       dependentQuantization: .eightState)
        let bytes = try file(q).serialized()
        let kind = layout(bytes).kind

        var unknown = bytes
        unknown[kind + 6] = 5
        let m1 = message { _ = try SBWFile(bytes: resealed(unknown)) }
        XCTAssertTrue(m1?.contains("dependent quantization with 5 states is not supported") == true, m1 ?? "accepted")

        var badStep = bytes
        for k in 0..<4 { badStep[kind + 1 + k] = UInt8(truncatingIfNeeded: Float.infinity.bitPattern >> (8 * UInt32(k))) }
        let m2 = message { _ = try SBWFile(bytes: resealed(badStep)) }
        XCTAssertTrue(m2?.contains("positive finite step") == true, m2 ?? "accepted")

        var oneBin = bytes
        oneBin[kind + 5] = 1
        let m3 = message { _ = try SBWFile(bytes: resealed(oneBin)) }
        XCTAssertTrue(m3?.contains("at least 3 bins") == true, m3 ?? "accepted")

        // Kinds beyond 5 (8-bit kept tensors: 4, per-channel steps: 5) stay unknown, as kind 3 is to a reader that predates it.
        var future = bytes
        future[kind] = 6
        let m4 = message { _ = try SBWFile(bytes: resealed(future)) }
        XCTAssertTrue(m4?.contains("unknown kind 6") == true, m4 ?? "accepted")

        // The writer's side refuses the same inconsistencies.
        XCTAssertThrowsError(try SBWQuantizedTensor(symbols: [0], step: 1, bins: 1, codec: .tans(tableLog: 11),
                                                    dependentQuantization: .fourState))
        XCTAssertThrowsError(try SBWQuantizedTensor(symbols: [0, 1, 2], step: -1, bins: 3, codec: .tans(tableLog: 11),
                                                    dependentQuantization: .fourState))
    }
}
