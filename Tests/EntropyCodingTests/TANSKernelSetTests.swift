import TestSupport
import XCTest
@testable import EntropyCoding

/// The AVX2 quad kernels against the portable ones, bit for bit: the same bytes out of every
/// encoder, the same symbols (or the same refusal) out of every decoder, over lane counts,
/// table logs, lengths and escape densities. On a CPU without AVX2 only the portable kernels
/// run (`TANSKernelSet.available`), and the comparisons hold trivially.
final class TANSKernelSetTests: XCTestCase {
    /// Lane counts of the quad kernels (multiples of 4 from 8) and neighbours that are not.
    static let laneCounts = [8, 12, 16, 20, 24, 32, 64, 9, 15, 17]

    /// A stream: zero symbol with probability `p0`, otherwise Laplace-like tails; `tail`
    /// symbols spread over the whole alphabet (the escape path's rare symbols).
    static func stream(_ rng: inout SplitMix64, count: Int, bins: Int, p0: Double, tail: Double) -> [UInt8] {
        let k = bins / 2
        return (0..<count).map { _ in
            let u = Double.random(in: 0..<1, using: &rng)
            if u < p0 { return UInt8(k) }
            if u < p0 + tail { return UInt8(Int.random(in: 0..<bins, using: &rng)) }
            let m = Int.random(in: 1...max(1, min(k, 2)), using: &rng)
            return UInt8(Bool.random(using: &rng) ? k + m : k - m)
        }
    }

    /// Encodes with every available kernel set; asserts they agree and returns the encoding.
    func encodeAll(_ symbols: [UInt8], bins: Int, tableLog: Int, lanes: Int, layout: TANSLayout = .split,
                   label: String) throws -> TANSEncoded {
        var results: [TANSEncoded] = []
        for kernels in TANSKernelSet.available {
            var coded = TANSEncoded.empty
            var workspace = TANSEncodeWorkspace()
            try TANSCodec.encode(symbols, alphabetSize: bins, tableLog: tableLog, lanes: lanes, layout: layout,
                                 escape: .automatic, into: &coded, workspace: &workspace, kernels: kernels)
            results.append(coded)
        }
        for other in results.dropFirst() { XCTAssertEqual(other, results[0], "encoders disagree, \(label)") }
        return results[0]
    }

    /// Decodes with every available kernel set, escapes fused into the decode loop where the
    /// kernel does that (AVX2 split quads) and by the separate pass: each must yield the same
    /// symbols, or each throw.
    func decodeAll(_ coded: TANSEncoded, label: String) -> [UInt8]? {
        var outcomes: [[UInt8]?] = []
        for kernels in TANSKernelSet.available {
          for fuse in [true, false] {
            var out = [UInt8](repeating: 0xEE, count: coded.symbolCount)
            var workspace = TANSDecodeWorkspace()
            do {
                try out.withUnsafeMutableBufferPointer {
                    try TANSCodec.decode(coded, into: $0, workspace: &workspace, kernels: kernels, fuseEscapes: fuse)
                }
                outcomes.append(out)
            } catch let error as EntropyCodingError {
                XCTAssertFalse(error.description.isEmpty)
                outcomes.append(nil)
            } catch {
                XCTFail("unexpected error \(error), \(label)")
                outcomes.append(nil)
            }
          }
        }
        for other in outcomes.dropFirst() { XCTAssertEqual(other, outcomes[0], "decoders disagree, \(label)") }
        return outcomes[0]
    }

    func testEncodersAndDecodersAgreeBitForBit() throws {
        var rng = SplitMix64(seed: 0x51D)
        var quadRuns = 0, escapes = 0
        for c in 0..<400 {
            let lanes = Self.laneCounts.randomElement(using: &rng)!
            let tableLog = [5, 9, 11, 12, 14, 15].randomElement(using: &rng)!
            var bins = [3, 7, 15, 31, 255].randomElement(using: &rng)!
            // Mostly long enough for the quad kernels (n ≥ 2P), skewed small, every 10th large.
            let count = c % 10 == 0 ? Int.random(in: 20_000...300_000, using: &rng)
                : (c % 8 == 0 ? 0 : 2 * lanes) + rng.skewedLength(max: 20_000)
            let p0 = Double.random(in: 0.3...0.995, using: &rng)
            let tail = [0, 0.002, 0.01, 0.05][c % 4]
            var symbols = Self.stream(&rng, count: count, bins: bins, p0: p0, tail: tail)
            if c % 4 == 3 {
                // Spike and slab over 255 bins: the escape path's home ground.
                bins = 255
                symbols = BenchmarkStreams.spikeAndSlab(count: 5000 + 4 * count, bins: bins, zeroProbability: min(0.99, max(0.9, p0)),
                                                        seed: UInt64(c))
            }
            let label = "case \(c): n=\(symbols.count) bins=\(bins) p0=\(p0) tail=\(tail) R=\(tableLog) P=\(lanes)"
            let coded = try encodeAll(symbols, bins: bins, tableLog: tableLog, lanes: lanes, label: label)
            if coded.escape != nil { escapes += 1 }
            if TANSCodec.usesSplitQuads(lanes: lanes, symbolCount: symbols.count) { quadRuns += 1 }
            XCTAssertEqual(decodeAll(coded, label: label), symbols, label)
            // The documented decode step agrees too.
            if symbols.count < 3000 { XCTAssertEqual(try coded.referenceDecode(), symbols, label) }
        }
        XCTAssertGreaterThan(quadRuns, 200, "the quad kernels should run")
        XCTAssertGreaterThan(escapes, 20, "the escape path should be exercised")
    }

    /// The quad encoder writes the bytes of the lane-by-lane encoder it replaces for P ≥ 8.
    func testQuadEncoderMatchesTheLaneByLaneEncoder() throws {
        var rng = SplitMix64(seed: 0x1A4E)
        for c in 0..<120 {
            let lanes = [8, 12, 16, 24, 32, 64][c % 6]
            let tableLog = [6, 10, 12, 14, 15][c % 5]
            let bins = [3, 15, 255][c % 3]
            let count = 2 * lanes + rng.skewedLength(max: 40_000)
            let symbols = Self.stream(&rng, count: count, bins: bins, p0: Double.random(in: 0.5...0.99, using: &rng), tail: 0.01)
            let histogram = try SymbolStatistics.histogram(symbols, alphabetSize: bins)
            guard histogram.filter({ $0 > 0 }).count >= 2 else { continue }
            let plan = try TANSPlanner.plan(histogram: histogram, tableLog: tableLog, policy: .never)
            let table = TANSEncodeTable(counts: plan.counts)
            var laneByLane = TANSEncoded.empty, scratch: [UInt8] = []
            TANSCodec.encodeMain(symbols, lanes: lanes, layout: .split, table: table, into: &laneByLane, scratch: &scratch)
            for kernels in TANSKernelSet.available {
                var quads = TANSEncoded.empty, workspace = TANSEncodeWorkspace()
                TANSCodec.encodeSplitQuads(symbols, lanes: lanes, table: table, escapes: nil, into: &quads,
                                           workspace: &workspace, kernels: kernels)
                let label = "case \(c) \(kernels): n=\(count) R=\(tableLog) P=\(lanes)"
                XCTAssertEqual(quads.payload, laneByLane.payload, label)
                XCTAssertEqual(quads.laneStreams, laneByLane.laneStreams, label)
                XCTAssertEqual(quads.initialStates, laneByLane.initialStates, label)
            }
        }
    }

    /// Escapes gathered inside the quad encoder's loop equal those of P = 1 (gathered inside
    /// its loop too) and of the separate gathering pass, dense or sparse, in one range or not
    /// (dense in one range: the AVX2 kernel's shuffle compaction, 8 lanes at a time and the
    /// lowest 4 alone when P ≡ 4 mod 8).
    func testEscapesGatheredInTheQuadLoopMatch() throws {
        var rng = SplitMix64(seed: 0xE5C)
        var denseInRange = 0
        for c in 0..<60 {
            let count = 1000 + rng.skewedLength(max: 100_000)
            let hole = c % 3 == 0   // a rare symbol inside the common range: no single-range test
            let symbols = (0..<count).map { _ -> UInt8 in
                let u = Double.random(in: 0..<1, using: &rng)
                if u < 0.9 { return 15 }
                if u < [0.999, 0.98, 0.95][c % 3] { return UInt8(Int.random(in: 13...17, using: &rng)) }
                return hole && Bool.random(using: &rng) ? 14 : UInt8(Int.random(in: 0..<31, using: &rng))
            }
            let reference = try TANSCodec.encode(symbols, alphabetSize: 31, tableLog: 9, lanes: 1, layout: .split)
            let histogram = try SymbolStatistics.histogram(symbols, alphabetSize: 31)
            if let rare = try TANSPlanner.plan(histogram: histogram, tableLog: 9, policy: .automatic).rare {
                let escaped = histogram.indices.reduce(0) { $0 + (rare.isRare[$1] ? histogram[$1] : 0) }
                let gathering = EscapeGathering(isRare: rare.isRare, histogram: histogram, dense: escaped * 64 > count)
                if gathering.dense && gathering.span >= 0 { denseInRange += 1 }
            }
            for lanes in [8, 12, 16, 20, 64] {
                let label = "case \(c): n=\(count) P=\(lanes)"
                let coded = try encodeAll(symbols, bins: 31, tableLog: 9, lanes: lanes, label: label)
                XCTAssertEqual(coded.escape, reference.escape, label)
                XCTAssertEqual(decodeAll(coded, label: label), symbols, label)
            }
        }
        // Spike and slab (the benchmark's escape stream): the main table holds the spike and
        // the escape symbol, every slab value is rare (dense, the one-value range of the spike)
        // once the stream is long enough (≳ 10^5 symbols) for two tables to pay.
        for c in 0..<9 {
            let count = 100_000 + rng.skewedLength(max: 300_000)
            let symbols = BenchmarkStreams.spikeAndSlab(count: count, bins: 255, zeroProbability: [0.98, 0.95, 0.9][c % 3],
                                                        seed: UInt64(c))
            let reference = try TANSCodec.encode(symbols, alphabetSize: 255, tableLog: 12, lanes: 1, layout: .split)
            let histogram = try SymbolStatistics.histogram(symbols, alphabetSize: 255)
            if let rare = try TANSPlanner.plan(histogram: histogram, tableLog: 12, policy: .automatic).rare {
                let escaped = histogram.indices.reduce(0) { $0 + (rare.isRare[$1] ? histogram[$1] : 0) }
                let gathering = EscapeGathering(isRare: rare.isRare, histogram: histogram, dense: escaped * 64 > count)
                if gathering.dense && gathering.span >= 0 { denseInRange += 1 }
            }
            for lanes in [8, 12, 16, 20, 28, 64] {
                let label = "spike-and-slab case \(c): n=\(count) P=\(lanes)"
                let coded = try encodeAll(symbols, bins: 255, tableLog: 12, lanes: lanes, label: label)
                XCTAssertEqual(coded.escape, reference.escape, label)
                XCTAssertEqual(decodeAll(coded, label: label), symbols, label)
            }
        }
        XCTAssertGreaterThan(denseInRange, 8, "dense escapes in one range should be exercised")
    }

    /// Corrupted payloads, escape payloads and headers: every kernel set decodes the same
    /// symbols or refuses, and none reads outside its buffers (the sanitizer-free check is that
    /// the process survives; the bounds are argued in CCodecKernels.h).
    func testCorruptStreamsGetTheSameOutcome() throws {
        var rng = SplitMix64(seed: 0xBAD5)
        var refused = 0, decoded = 0
        for c in 0..<3000 {
            let lanes = [8, 16, 12, 32][c % 4]
            let count = 5 * lanes + rng.skewedLength(max: 5000)
            let symbols = Self.stream(&rng, count: count, bins: 31, p0: 0.9, tail: [0.0, 0.01, 0.04][c % 3])
            var coded = try TANSCodec.encode(symbols, alphabetSize: 31, tableLog: [8, 11, 14][c % 3], lanes: lanes, layout: .split)
            guard coded.counts != nil else { continue }   // a one-symbol stream has no payload to corrupt
            switch c % 4 {
            case 0 where !coded.payload.isEmpty:
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    coded.payload[Int.random(in: 0..<coded.payload.count, using: &rng)] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                }
            case 1 where coded.escape != nil && !coded.escape!.payload.isEmpty:
                let at = Int.random(in: 0..<coded.escape!.payload.count, using: &rng)
                coded.escape!.payload[at] = UInt8.random(in: 0...255, using: &rng)
            case 2 where coded.escape != nil:
                coded.escape!.symbolCount = max(0, coded.escape!.symbolCount + [-1, 1, 5][c % 3])
            default:
                let lane = Int.random(in: 0..<coded.initialStates.count, using: &rng)
                coded.initialStates[lane] = Int.random(in: 0..<(1 << coded.tableLog), using: &rng)
            }
            if decodeAll(coded, label: "case \(c)") == nil { refused += 1 } else { decoded += 1 }
        }
        XCTAssertGreaterThan(refused, 1000)
    }
}
