import TestSupport
import XCTest
@testable import EntropyCoding

final class TANSCodecTests: XCTestCase {
    func testSmallRoundTripsAllLayouts() throws {
        var rng = SplitMix64(seed: 1)
        for layout in TANSLayout.allCases {
            for lanes in [1, 2, 3, 4, 7, 64] {
                for n in [0, 1, 2, 3, 5, 17, 100, 1000] {
                    let symbols = (0..<n).map { _ in UInt8(Double.random(in: 0..<1, using: &rng) < 0.8 ? 3 : Int.random(in: 0..<7, using: &rng)) }
                    let coded = try TANSCodec.encode(symbols, alphabetSize: 7, tableLog: 6, lanes: lanes, layout: layout)
                    XCTAssertEqual(try coded.decode(), symbols, "n=\(n) lanes=\(lanes) \(layout)")
                    let parsed = try TANSEncoded(serialized: coded.serialized())
                    XCTAssertEqual(parsed, coded)
                    XCTAssertEqual(try parsed.decode(), symbols)
                }
            }
        }
    }

    func testEscapeRoundTrip() throws {
        var rng = SplitMix64(seed: 2)
        let symbols = (0..<20000).map { _ in UInt8(Double.random(in: 0..<1, using: &rng) < 0.98 ? 127 : Int.random(in: 0..<255, using: &rng)) }
        let coded = try TANSCodec.encode(symbols, alphabetSize: 255, tableLog: 5, lanes: 4, layout: .interleaved)
        XCTAssertNotNil(coded.escape)
        XCTAssertEqual(try coded.decode(), symbols)
        XCTAssertEqual(try TANSEncoded(serialized: coded.serialized()).decode(), symbols)
    }

    /// The escape gatherer (16-bytes-at-a-time range test, and the per-byte fallback) returns the
    /// rare symbols in order, exactly as a plain filter does: non-rare symbols forming one range
    /// (the vector path; narrow, 128 and 200 values wide), and a range with a rare value inside.
    func testGatherEscapesMatchesAPlainFilter() {
        var rng = SplitMix64(seed: 0xE5C)
        for c in 0..<300 {
            let count = c < 30 ? c : rng.skewedLength(max: 20_000)
            let lo = Int.random(in: 0..<200, using: &rng)
            let span = [Int.random(in: 0...10, using: &rng), 127, 128, 200][c % 4]
            let hi = min(255, lo + span)
            var isRare = (0..<256).map { $0 < lo || $0 > hi }
            if c % 5 == 0 { isRare[(lo + hi) / 2] = true }   // a hole: no single non-rare range
            let pRare = [0.001, 0.02, 0.3, 1.0][c % 4]
            let symbols = (0..<count).map { _ -> UInt8 in
                if Double.random(in: 0..<1, using: &rng) < pRare { return UInt8(Int.random(in: 0..<256, using: &rng)) }
                return UInt8(Int.random(in: lo...hi, using: &rng))
            }
            var histogram = [Int](repeating: 0, count: 256)
            for s in symbols { histogram[Int(s)] += 1 }
            let expected = symbols.filter { isRare[Int($0)] }
            let gathered = TANSCodec.gatherEscapes(symbols, isRare: isRare, histogram: histogram, count: expected.count)
            XCTAssertEqual(gathered, expected, "case \(c): n=\(count) lo=\(lo) hi=\(hi)")
        }
    }

    /// Every encoder path that meets escapes (P = 1 gathers them inside its loop; the others
    /// in a separate pass) yields the same escape stream, and each decodes.
    func testEscapePathsAgreeAcrossLayouts() throws {
        var rng = SplitMix64(seed: 0xE5D)
        let symbols = (0..<50_001).map { _ -> UInt8 in
            let u = Double.random(in: 0..<1, using: &rng)
            return UInt8(u < 0.9 ? 15 : (u < 0.97 ? Int.random(in: 13...17, using: &rng) : Int.random(in: 0..<31, using: &rng)))
        }
        let reference = try TANSCodec.encode(symbols, alphabetSize: 31, tableLog: 9, lanes: 1, layout: .split)
        let escape = try XCTUnwrap(reference.escape)
        XCTAssertEqual(try reference.decode(), symbols)
        for (lanes, layout) in [(4, TANSLayout.split), (4, .interleaved), (3, .interleaved), (5, .split)] {
            let coded = try TANSCodec.encode(symbols, alphabetSize: 31, tableLog: 9, lanes: lanes, layout: layout)
            XCTAssertEqual(coded.escape, escape, "P=\(lanes) \(layout)")
            XCTAssertEqual(try coded.decode(), symbols, "P=\(lanes) \(layout)")
        }
    }
}
