import TestSupport
import XCTest
@testable import EntropyCoding

/// Per-channel-step records (kind 5): written only when a tensor has them, read back with the
/// steps, and refused with one clear error when their fields do not fit together.
final class SBWPerChannelStepsTests: XCTestCase {
    private let symbols: [UInt8] = [0, 1, 2, 3, 4, 2, 2, 3, 1, 2, 4, 0]
    private let shape = [3, 4]

    private func file(_ q: SBWQuantizedTensor) throws -> SBWFile {
        SBWFile(tensors: [try SBWTensor(name: "t", shape: shape, payload: .quantized(q))])
    }

    func testKindFiveRoundTripsAndPlainRecordsKeepTheirBytes() throws {
        let plain = try SBWQuantizedTensor(symbols: symbols, step: 0.5, bins: 5, codec: .tans(tableLog: 11))
        let plainBytes = try file(plain).serialized()
        XCTAssertEqual(plainBytes[OneRecordSBW.layout(plainBytes).kind], 0)
        let steps = try ChannelSteps(base: 0.5, codes: [0, 32, 255])
        for codec in [CodecConfiguration.tans(tableLog: 11), .huffman(), .fixedWidth, .rans()] {
            let q = try SBWQuantizedTensor(symbols: symbols, step: 0.5, bins: 5, codec: codec, channelSteps: steps)
            let bytes = try file(q).serialized()
            let kind = OneRecordSBW.layout(bytes).kind
            XCTAssertEqual(bytes[kind], 5)
            XCTAssertEqual(Array(bytes[(kind + 6)..<(kind + 10)]), [3, 0, 32, 255], "channel count and codes after step and bins")
            let back = try SBWFile(bytes: bytes)
            XCTAssertEqual(back, try file(q))
            XCTAssertEqual(try back.tensors[0].floatValues(), steps.dequantize(symbols, maxLevel: 2))
            XCTAssertEqual(try back.tensors[0].floatValues()[8...], [-1, 0, 2, -2].map { $0 * steps.step(channel: 2) }[...])
            XCTAssertEqual(SBWByteBreakdown(back).channelStepBits, 4 * 8)
        }
        XCTAssertEqual(SBWByteBreakdown(try file(plain)).parts.count, 6, "no step-code line for files without them")
    }

    func testInconsistentRecordsAreRefusedWithOneClearError() throws {
        let q = try SBWQuantizedTensor(symbols: symbols, step: 0.5, bins: 5, codec: .tans(tableLog: 11),
                                       channelSteps: try ChannelSteps(base: 0.5, codes: [0, 1, 2]))
        let bytes = try file(q).serialized()
        let kind = OneRecordSBW.layout(bytes).kind

        var count = bytes
        count[kind + 6] = 4
        let m1 = OneRecordSBW.message { _ = try SBWFile(bytes: OneRecordSBW.resealed(count)) }
        XCTAssertTrue(m1?.contains("4 per-channel steps for shape [3, 4]") == true, m1 ?? "accepted")

        var huge = bytes
        huge[kind + 6] = 0xFF   // a varint that claims far more codes than the record holds
        let m2 = OneRecordSBW.message { _ = try SBWFile(bytes: OneRecordSBW.resealed(huge)) }
        XCTAssertNotNil(m2)

        var badBase = bytes
        for k in 0..<4 { badBase[kind + 1 + k] = UInt8(truncatingIfNeeded: Float.infinity.bitPattern >> (8 * UInt32(k))) }
        let m3 = OneRecordSBW.message { _ = try SBWFile(bytes: OneRecordSBW.resealed(badBase)) }
        XCTAssertTrue(m3?.contains("positive finite base step") == true, m3 ?? "accepted")

        var overflow = bytes
        for k in 0..<4 { overflow[kind + 1 + k] = UInt8(truncatingIfNeeded: (Float.greatestFiniteMagnitude / 4).bitPattern >> (8 * UInt32(k))) }
        overflow[kind + 9] = 255
        let m4 = OneRecordSBW.message { _ = try SBWFile(bytes: OneRecordSBW.resealed(overflow)) }
        XCTAssertTrue(m4?.contains("per-channel steps overflow") == true, m4 ?? "accepted")

        // A reader that predates a kind refuses it by name, as one before kind 5 refused this one.
        var future = bytes
        future[kind] = 7
        let m5 = OneRecordSBW.message { _ = try SBWFile(bytes: OneRecordSBW.resealed(future)) }
        XCTAssertTrue(m5?.contains("unknown kind 7") == true, m5 ?? "accepted")

        // The writer's side refuses the same inconsistencies.
        let steps = try ChannelSteps(base: 0.5, codes: [0, 1, 2])
        XCTAssertThrowsError(try SBWQuantizedTensor(symbols: symbols, step: 0.25, bins: 5, codec: .tans(tableLog: 11), channelSteps: steps))
        XCTAssertThrowsError(try SBWQuantizedTensor(symbols: symbols, step: 0.5, bins: 5, codec: .tans(tableLog: 11),
                                                    dependentQuantization: .eightState, channelSteps: steps))
        XCTAssertThrowsError(try SBWQuantizedTensor(symbols: Array(symbols.prefix(11)), step: 0.5, bins: 5, codec: .tans(tableLog: 11),
                                                    channelSteps: steps))
        let two = try SBWQuantizedTensor(symbols: symbols, step: 0.5, bins: 5, codec: .tans(tableLog: 11),
                                         channelSteps: try ChannelSteps(base: 0.5, codes: [0, 1]))
        XCTAssertThrowsError(try SBWTensor(name: "t", shape: shape, payload: .quantized(two)))
    }

    /// Mutated kind-5 files end in a decode or one error, never a trap.
    func testMutatedKindFiveFilesDecodeOrFail() throws {
        var rng = SplitMix64(seed: 0x4C_0004)
        let q = try SBWQuantizedTensor(symbols: symbols, step: 0.5, bins: 5, codec: .tans(tableLog: 6),
                                       channelSteps: try ChannelSteps(base: 0.5, codes: [0, 40, 200]))
        let bytes = try file(q).serialized()
        let r = OneRecordSBW.layout(bytes).record
        for _ in 0..<3000 {
            var m = bytes
            for _ in 0..<(1 + Int.random(in: 0..<3, using: &rng)) {
                m[Int.random(in: r, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            do {
                let f = try SBWFile(bytes: OneRecordSBW.resealed(m), limits: SBWFuzzTests.limits)
                for t in f.tensors { _ = try t.floatValues() }
            } catch is EntropyCodingError {
            }
        }
    }
}
