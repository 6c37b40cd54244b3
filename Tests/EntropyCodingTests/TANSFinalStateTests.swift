import TestSupport
import XCTest
@testable import EntropyCoding

/// Every encoder starts a lane in the smallest state of the lane's last symbol, so a correct
/// lane's decoding ends there; the decoders check it, beside the exact bit count.
final class TANSFinalStateTests: XCTestCase {
    /// Decodes with every kernel set and the reference decoder; returns each outcome (`nil` for a
    /// refusal) and the refusal messages.
    func outcomes(_ coded: TANSEncoded) -> (decoded: [[UInt8]?], messages: [String]) {
        var decoded: [[UInt8]?] = [], messages: [String] = []
        for kernels in TANSKernelSet.available {
            var out = [UInt8](repeating: 0, count: coded.symbolCount)
            var workspace = TANSDecodeWorkspace()
            do {
                try out.withUnsafeMutableBufferPointer { try TANSCodec.decode(coded, into: $0, workspace: &workspace, kernels: kernels) }
                decoded.append(out)
            } catch {
                decoded.append(nil)
                messages.append("\(error)")
            }
        }
        do { decoded.append(try coded.referenceDecode()) } catch {
            decoded.append(nil)
            messages.append("\(error)")
        }
        return (decoded, messages)
    }

    /// One symbol per lane: no bits are read, so a lane started in another state of the same
    /// symbol consumes its (empty) stream exactly and decodes the same symbol — only the
    /// final-state check can tell that no encoder wrote it.
    func testALaneEndingOutsideTheFirstStateOfItsSymbolIsRefused() throws {
        let symbols: [UInt8] = [3, 3, 3, 3, 1, 1, 1, 3, 3, 3, 3, 3, 2, 3, 3, 3]
        for layout in TANSLayout.allCases {
            do {
                let lanes = symbols.count
                let coded = try TANSCodec.encode(symbols, alphabetSize: 5, tableLog: 6, lanes: lanes, layout: layout)
                let clean = outcomes(coded)
                XCTAssertTrue(clean.decoded.allSatisfy { $0 == symbols }, "\(layout) P=\(lanes): \(clean.messages)")
                let table = TANSDecodeTable(counts: coded.counts!)
                for lane in 0..<coded.initialStates.count {
                    let state = coded.initialStates[lane]
                    // Another state that decodes the same symbol.
                    guard let other = (0..<table.tableSize).first(where: {
                        $0 != state && table.entries[$0].symbol == table.entries[state].symbol
                    }) else { continue }
                    var bad = coded
                    bad.initialStates[lane] = other
                    let result = outcomes(bad)
                    XCTAssertTrue(result.decoded.allSatisfy { $0 == nil }, "\(layout) P=\(lanes) lane \(lane) state \(other)")
                    XCTAssertTrue(result.messages.allSatisfy { $0.contains("first state") }, "\(result.messages)")
                }
            }
        }
    }

    /// Single-bit flips in the payload over many streams: the final-state check refuses some
    /// that decode to exactly their stream's bit count, and nothing decodes differently in
    /// different kernels.
    func testTheFinalStateCatchesCorruptionsTheBitCountMisses() throws {
        var rng = SplitMix64(seed: 0xF1E57)
        var byFinalState = 0, silent = 0, flips = 0
        for c in 0..<240 {
            let lanes = [1, 4, 8, 16][c % 4]
            let layout: TANSLayout = c % 5 == 0 ? .interleaved : .split
            let tableLog = [5, 6, 8, 11][c % 4]
            let count = lanes + rng.skewedLength(max: 3000)
            let symbols = (0..<count).map { _ -> UInt8 in
                let u = Double.random(in: 0..<1, using: &rng)
                return u < 0.6 ? 3 : UInt8(Int.random(in: 0..<7, using: &rng))
            }
            let coded = try TANSCodec.encode(symbols, alphabetSize: 7, tableLog: tableLog, lanes: lanes, layout: layout)
            guard !coded.payload.isEmpty else { continue }
            for _ in 0..<8 {
                var bad = coded
                let bit = Int.random(in: 0..<(8 * bad.payload.count), using: &rng)
                bad.payload[bit / 8] ^= UInt8(1 << (bit % 8))
                flips += 1
                let result = outcomes(bad)
                for other in result.decoded.dropFirst() {
                    XCTAssertEqual(other, result.decoded[0], "kernels disagree, case \(c)")
                }
                if result.messages.contains(where: { $0.contains("first state") }) { byFinalState += 1 }
                if let out = result.decoded[0], out != symbols { silent += 1 }
            }
        }
        // Of ~1,900 flips, the bit counts refuse most; the final states catch a further share;
        // what passes both ends with the same bit count in a state that is the first state of
        // its own symbol — about (symbols in the table) / 2^R of the rest, so up to 7/32 here.
        // CRC-32C guards files beyond this.
        XCTAssertGreaterThan(byFinalState, 20, "flips \(flips), silent \(silent)")
        XCTAssertLessThan(silent, byFinalState, "flips \(flips)")
        print("final-state check: \(flips) flips, \(byFinalState) refused by the final state only, \(silent) decoded wrongly")
    }
}
