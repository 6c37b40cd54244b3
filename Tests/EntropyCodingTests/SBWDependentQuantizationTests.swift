import XCTest
@testable import EntropyCoding

/// Dependent-quantization records (kind 3): written only when a tensor uses it, read back with
/// the state machine, and refused with one clear error when their fields do not fit together.
final class SBWDependentQuantizationTests: XCTestCase {
    private let symbols: [UInt8] = [0, 1, 2, 3, 4, 2, 2, 3, 1, 2]

    private func file(_ q: SBWQuantizedTensor) throws -> SBWFile {
        SBWFile(tensors: [try SBWTensor(name: "t", shape: [symbols.count], payload: .quantized(q))])
    }

    func testPlainRecordsKeepKindZeroAndDQRecordsRoundTrip() throws {
        let plain = try SBWQuantizedTensor(symbols: symbols, step: 0.5, bins: 5, codec: .tans(tableLog: 11))
        let plainBytes = try file(plain).serialized()
        XCTAssertEqual(plainBytes[OneRecordSBW.layout(plainBytes).kind], 0)
        for machine in DQStateMachine.allCases {
            let q = try SBWQuantizedTensor(symbols: symbols, step: 0.5, bins: 5, codec: .tans(tableLog: 11),
                                           dependentQuantization: machine)
            let bytes = try file(q).serialized()
            let kind = OneRecordSBW.layout(bytes).kind
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
        let kind = OneRecordSBW.layout(bytes).kind

        var unknown = bytes
        unknown[kind + 6] = 5
        let m1 = OneRecordSBW.message { _ = try SBWFile(bytes: OneRecordSBW.resealed(unknown)) }
        XCTAssertTrue(m1?.contains("dependent quantization with 5 states is not supported") == true, m1 ?? "accepted")

        var badStep = bytes
        for k in 0..<4 { badStep[kind + 1 + k] = UInt8(truncatingIfNeeded: Float.infinity.bitPattern >> (8 * UInt32(k))) }
        let m2 = OneRecordSBW.message { _ = try SBWFile(bytes: OneRecordSBW.resealed(badStep)) }
        XCTAssertTrue(m2?.contains("positive finite step") == true, m2 ?? "accepted")

        var oneBin = bytes
        oneBin[kind + 5] = 1
        let m3 = OneRecordSBW.message { _ = try SBWFile(bytes: OneRecordSBW.resealed(oneBin)) }
        XCTAssertTrue(m3?.contains("at least 3 bins") == true, m3 ?? "accepted")

        // Kinds beyond 6 (8-bit kept tensors: 4, per-channel steps: 5, split levels: 6) stay unknown, as kind 3 is to a reader that predates it.
        var future = bytes
        future[kind] = 7
        let m4 = OneRecordSBW.message { _ = try SBWFile(bytes: OneRecordSBW.resealed(future)) }
        XCTAssertTrue(m4?.contains("unknown kind 7") == true, m4 ?? "accepted")

        // The writer's side refuses the same inconsistencies.
        XCTAssertThrowsError(try SBWQuantizedTensor(symbols: [0], step: 1, bins: 1, codec: .tans(tableLog: 11),
                                                    dependentQuantization: .fourState))
        XCTAssertThrowsError(try SBWQuantizedTensor(symbols: [0, 1, 2], step: -1, bins: 3, codec: .tans(tableLog: 11),
                                                    dependentQuantization: .fourState))
    }
}
