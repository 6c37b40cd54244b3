import XCTest
import TestSupport
@testable import EntropyCoding

/// ``StoredFormChoice``: per tensor the smallest of tANS at table logs 5…R and fixed-width, by
/// exact coded size; the configured form wins ties; the chosen stream decodes to the symbols.
final class StoredFormTests: XCTestCase {
    private func laplace(_ n: Int, bins: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        let centre = bins / 2
        return (0..<n).map { _ in
            var level = 0
            while rng.nextUnit() < 0.55 && level < centre { level += 1 }
            return UInt8(rng.next() % 2 == 0 ? centre + level : centre - level)
        }
    }

    func testSmallLayerTakesASmallerTableAndTheMinimumWins() throws {
        let symbols = laplace(150, bins: 19, seed: 1)
        let choice = try StoredFormChoice(symbols, alphabetSize: 19, tableLog: 10, lanes: 1, layout: .split)
        // Candidates: R = 10, 9, …, down to the fewest holding the used symbols, then fixed-width.
        XCTAssertEqual(choice.candidates.first?.label, "tANS R=10")
        XCTAssertEqual(choice.candidates.last?.label, "fixed")
        XCTAssertEqual(choice.chosen.bits, choice.candidates.map(\.bits).min())
        XCTAssertEqual(choice.coded.totalBits, choice.chosen.bits)
        XCTAssertLessThan(choice.chosen.bits, choice.candidates[0].bits, "150 weights pay less for a smaller table")
        guard case .tans(let t) = choice.coded else { return XCTFail("expected tANS, got \(choice.chosen.label)") }
        XCTAssertLessThan(t.tableLog, 10)
        XCTAssertEqual(try choice.coded.decode(), symbols)
        // Each candidate's bits are what its configuration codes to.
        for candidate in choice.candidates {
            XCTAssertEqual(try candidate.configuration.encode(symbols, alphabetSize: 19).totalBits, candidate.bits, candidate.label)
        }
        XCTAssertTrue(choice.reason.hasPrefix("\(choice.chosen.label) \(choice.chosen.bits) b < tANS R=10 "), choice.reason)
    }

    func testFixedWidthWinsWhenNoTableIsWorthItsDescription() throws {
        // 12 distinct levels spread over a 255-bin alphabet: the counts' description and the
        // state cost more than the whole payload at 8 bits per symbol.
        let symbols: [UInt8] = [3, 200, 17, 90, 254, 0, 41, 133, 77, 180, 9, 222]
        let choice = try StoredFormChoice(symbols, alphabetSize: 255, tableLog: 11, lanes: 1, layout: .split)
        XCTAssertEqual(choice.chosen.label, "fixed", "\(choice.candidates)")
        XCTAssertEqual(choice.coded.kind, .fixedWidth)
        XCTAssertEqual(choice.chosen.bits, choice.candidates.map(\.bits).min())
        XCTAssertEqual(try choice.coded.decode(), symbols)
    }

    func testLargeLayerKeepsTheConfiguredTableOnTies() throws {
        let symbols = laplace(60_000, bins: 7, seed: 2)
        let choice = try StoredFormChoice(symbols, alphabetSize: 7, tableLog: 11, lanes: 4, layout: .interleaved)
        let best = choice.candidates.map(\.bits).min()!
        XCTAssertEqual(choice.chosenIndex, choice.candidates.firstIndex { $0.bits == best }, "the first minimum wins")
        guard case .tans(let t) = choice.coded else { return XCTFail("expected tANS") }
        XCTAssertEqual(t.lanes, 4)
        XCTAssertEqual(t.layout, .interleaved)
        XCTAssertEqual(try choice.coded.decode(), symbols)
    }

    func testConstantTensorHasOneForm() throws {
        let choice = try StoredFormChoice([UInt8](repeating: 4, count: 500), alphabetSize: 9, tableLog: 10, lanes: 2, layout: .split)
        XCTAssertEqual(choice.candidates.count, 1)
        XCTAssertTrue(choice.reason.contains("only form"), choice.reason)
    }
}
