import XCTest
@testable import EntropyCoding

/// Must-show 2: coded size, headers included, against the Shannon bound n·H at R = 12, on the
/// benchmark streams (seeded, as `subbit bench codec` generates them).
final class CodedSizeBoundTests: XCTestCase {
    private func overheadPercent(_ spec: CodecBenchmark.StreamSpec, count: Int, lanes: Int = 1) throws -> (Double, TANSEncoded, Double) {
        let symbols = spec.generate(count: count, seed: 0x5B_B17)
        let histogram = try SymbolStatistics.histogram(symbols, alphabetSize: spec.bins)
        let shannon = SymbolStatistics.shannonBits(histogram: histogram)
        let coded = try TANSCodec.encode(symbols, alphabetSize: spec.bins, tableLog: 12, lanes: lanes)
        XCTAssertEqual(try coded.decode(), symbols)
        // Every stored bit: the serialized codec stream (header padding included).
        let stored = Double(coded.serialized().count * 8)
        return (100 * (stored - shannon) / shannon, coded, shannon / Double(count))
    }

    func testLaplaceAlphabetsUpTo31WithinPointThreeFivePercent() throws {
        for spec in CodecBenchmark.standardStreams where spec.shape == .laplace {
            let (overhead, coded, entropy) = try overheadPercent(spec, count: 4 << 20)
            XCTAssertLessThanOrEqual(overhead, 0.35, "\(spec.name): \(overhead)% over n·H")
            if entropy < 0.9 {
                XCTAssertLessThan(Double(coded.serialized().count * 8) / Double(4 << 20), 1.0, spec.name)
            }
        }
    }

    func testSpikeAndSlab255WithinTwoPercentThanksToEscape() throws {
        let spec = CodecBenchmark.StreamSpec(shape: .spikeAndSlab, bins: 255, zeroProbability: 0.98)
        let (overhead, coded, _) = try overheadPercent(spec, count: 1 << 20)
        XCTAssertNotNil(coded.escape)
        XCTAssertLessThanOrEqual(overhead, 2.0, "\(overhead)% over n·H")
        // Without the escape path the same stream costs several percent more.
        let symbols = spec.generate(count: 1 << 20, seed: 0x5B_B17)
        let plain = try TANSCodec.encode(symbols, alphabetSize: 255, tableLog: 12, escape: .never)
        XCTAssertGreaterThan(plain.totalBits, coded.totalBits * 103 / 100)
    }

    func testHuffmanCannotGoBelowOneBit() throws {
        let spec = CodecBenchmark.StreamSpec(shape: .laplace, bins: 15, zeroProbability: 0.95)
        let symbols = spec.generate(count: 1 << 18, seed: 1)
        let huffman = try HuffmanCodec.encode(symbols, alphabetSize: 15)
        let tans = try TANSCodec.encode(symbols, alphabetSize: 15, tableLog: 12)
        XCTAssertGreaterThanOrEqual(huffman.payloadBits, symbols.count)
        XCTAssertLessThan(tans.totalBits, symbols.count / 2)
    }
}
