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
}
