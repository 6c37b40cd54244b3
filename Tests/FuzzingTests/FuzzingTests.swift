import XCTest
@testable import Fuzzing

/// Must-show 1, the short run: every target, a fixed seed, a few thousand cases each (the long
/// run is `subbit fuzz --target T --cases 100000 --seed 1`, or this test with
/// `SUBBIT_FUZZ_CASES=100000`). No finding, no case over 10 s, peak RSS under 1 GB.
final class FuzzingTests: XCTestCase {
    static var cases: Int { Int(ProcessInfo.processInfo.environment["SUBBIT_FUZZ_CASES"] ?? "") ?? 2_000 }

    func check(_ target: FuzzTarget) {
        let report = Fuzzer(target: target, seed: 1, cases: Self.cases).run()
        print(report.summary)
        XCTAssertEqual(report.findings, [], report.findings.prefix(5).joined(separator: "\n"))
        XCTAssertEqual(report.cases, Self.cases)
        XCTAssertGreaterThan(report.decoded, 0, "the generator must also produce valid inputs")
        XCTAssertGreaterThan(report.refused, 0, "the generator must produce hostile inputs")
        XCTAssertLessThan(report.slowestSeconds, 10)
        XCTAssertLessThan(report.peakResidentBytes, 1 << 30)
    }

    func testSBWShortRun() { check(.sbw) }
    func testSafeTensorsShortRun() { check(.safetensors) }
    func testNPYShortRun() { check(.npy) }

    /// The generator is a function of (seed, index): a finding is reproduced alone.
    func testCasesAreReproducible() {
        for target in FuzzTarget.allCases {
            let a = Fuzzer(target: target, seed: 7, cases: 1)
            XCTAssertEqual(a.input(123), a.input(123))
            XCTAssertNotEqual(a.input(123), a.input(124))
        }
    }

    /// The size-bomb generator does produce the bombs of defect 1 and they are refused fast.
    func testSizeBombsAreRefusedQuickly() throws {
        var random = FuzzRandom(seed: 5)
        var refused = 0
        let start = Date()
        for _ in 0..<200 {
            let bytes = SBWTarget.sizeBomb(&random)
            XCTAssertLessThan(bytes.count, 1_000)
            if try !SBWTarget.feed(bytes) { refused += 1 }
        }
        XCTAssertGreaterThan(refused, 150)
        XCTAssertLessThan(Date().timeIntervalSince(start), 60)
    }
}
