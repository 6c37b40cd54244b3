import TestSupport
import XCTest
@testable import EntropyCoding

/// Must-show 3: mutated, truncated and random inputs to the `.sbw` decoder each end in a decode
/// or a thrown error with a message — never a crash, a hang, or an unchecked allocation.
final class SBWFuzzTests: XCTestCase {
    /// Small limits, so even a crafted header cannot make a test allocate much.
    static let limits = SBWFile.Limits(maxTensors: 64, maxElementsPerTensor: 1 << 20, maxMetadataEntries: 64)

    /// Valid seed files, and the byte range of each tensor record body inside them.
    static func seeds() throws -> [(bytes: [UInt8], records: [Range<Int>])] {
        var result: [(bytes: [UInt8], records: [Range<Int>])] = []
        for seed in 0..<6 as Range<UInt64> {
            let file = try SBWFileTests.sampleFile(seed: seed)
            let bytes = file.serialized()
            // Recover record bodies: walk the tensor list as the parser does.
            var records: [Range<Int>] = []
            var cursor = SBWFile.ByteCursor(bytes: bytes, end: bytes.count - 4)
            cursor.position = 6
            let metadataCount = try cursor.readVarint("")
            for _ in 0..<metadataCount { _ = try cursor.readString(""); _ = try cursor.readString("") }
            for _ in 0..<(try cursor.readVarint("")) {
                let length = try cursor.readVarint("")
                records.append(cursor.position..<(cursor.position + length))
                cursor.position += length + 4
            }
            result.append((bytes, records))
        }
        return result
    }

    /// Rewrites the record CRC and the file CRC so a mutation reaches the deeper validation.
    static func fixChecksums(_ bytes: inout [UInt8], record: Range<Int>) {
        let crc = CRC32C.checksum(bytes[record])
        for i in 0..<4 { bytes[record.upperBound + i] = UInt8((crc >> (8 * UInt32(i))) & 0xFF) }
        let fileCRC = CRC32C.checksum(bytes[0..<(bytes.count - 4)])
        for i in 0..<4 { bytes[bytes.count - 4 + i] = UInt8((fileCRC >> (8 * UInt32(i))) & 0xFF) }
    }

    enum Outcome { case decoded, rejected }

    /// Parses and fully decodes `bytes`; any error must be an `EntropyCodingError` with a message.
    static func feed(_ bytes: [UInt8]) -> Outcome {
        do {
            let file = try SBWFile(bytes: bytes, limits: limits)
            for tensor in file.tensors {
                _ = try tensor.floatValues()
            }
            return .decoded
        } catch let error as EntropyCodingError {
            XCTAssertFalse(error.description.isEmpty)
            return .rejected
        } catch {
            XCTFail("unexpected error type \(error)")
            return .rejected
        }
    }

    func testHundredThousandMutatedTruncatedAndRandomInputs() throws {
        let seeds = try Self.seeds()
        var rng = SplitMix64(seed: 0xF022)
        var decoded = 0, rejected = 0, deep = 0
        let total = 100_000
        for i in 0..<total {
            let (original, records) = seeds[i % seeds.count]
            var bytes = original
            switch i % 8 {
            case 0: // bit flips
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                }
            case 1: // truncation
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
            case 2: // random bytes, sometimes behind a valid magic and version
                bytes = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if Bool.random(using: &rng) && bytes.count > 6 { bytes.replaceSubrange(0..<6, with: SBWFile.magic + [1, 0]) }
            case 3: // insertion or deletion
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                if Bool.random(using: &rng) { bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at) } else { bytes.remove(at: at) }
            default: // mutate inside a record, then repair the checksums: exercises the structural checks
                let record = records[Int.random(in: 0..<records.count, using: &rng)]
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let at = Int.random(in: record, using: &rng)
                    if Bool.random(using: &rng) { bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &rng) } else { bytes[at] = UInt8.random(in: 0...255, using: &rng) }
                }
                Self.fixChecksums(&bytes, record: record)
                deep += 1
            }
            switch Self.feed(bytes) {
            case .decoded: decoded += 1
            case .rejected: rejected += 1
            }
        }
        XCTAssertEqual(decoded + rejected, total)
        XCTAssertGreaterThan(rejected, total / 2)
        XCTAssertGreaterThan(deep, total / 3)
        // Unmutated seeds decode.
        for (bytes, _) in seeds { XCTAssertEqual(Self.feed(bytes), .decoded) }
    }

    func testErrorMessagesNameTheProblem() throws {
        let bytes = try SBWFileTests.sampleFile().serialized()
        XCTAssertThrowsError(try SBWFile(bytes: Array(bytes.dropLast(3)))) { error in
            XCTAssertTrue("\(error)".contains("checksum") || "\(error)".contains("truncated"), "\(error)")
        }
        XCTAssertThrowsError(try SBWFile(bytes: Array("PK\u{3}\u{4}whatever".utf8))) { error in
            XCTAssertTrue("\(error)".contains("not an .sbw file"), "\(error)")
        }
        var future = bytes
        future[4] = 9
        XCTAssertThrowsError(try SBWFile(bytes: future)) { error in
            XCTAssertTrue("\(error)".contains("version"), "\(error)")
        }
    }

    func testCraftedHugeShapeIsRejectedBeforeAllocation() throws {
        // A valid-CRC file whose tensor claims 2^40 elements: rejected by the limit, not allocated.
        let tensor = try SBWTensor(name: "x", shape: [1], payload: .float32([1]))
        var bytes = SBWFile(tensors: [tensor]).serialized()
        // Record layout: ... varint length, name ("x": 1, 0x78), rank 1, dim 1 → replace dim by a 6-byte varint.
        let dimAt = bytes.firstIndex(of: 0x78)! + 2
        bytes.replaceSubrange(dimAt...dimAt, with: [0x80, 0x80, 0x80, 0x80, 0x80, 0x20])
        let lengthAt = bytes.firstIndex(of: 0x78)! - 2
        bytes[lengthAt] += 5
        let record = (lengthAt + 1)..<(lengthAt + 1 + Int(bytes[lengthAt]))
        Self.fixChecksums(&bytes, record: record)
        XCTAssertThrowsError(try SBWFile(bytes: bytes)) { error in
            XCTAssertTrue("\(error)".contains("elements"), "\(error)")
        }
    }

    /// Must-show 3 for the AVX2 quad kernels: `.sbw` files whose tensors are coded with 8, 12
    /// and 16 split lanes (with and without escapes, dense and sparse), mutated inside their
    /// records with the checksums repaired, each end in a decode or a thrown error — never a
    /// crash — and every tANS tensor gives the same symbols (or the same refusal) with the
    /// portable kernels as with the AVX2 ones.
    func testMutatedQuadLaneFilesDecodeOrFail() throws {
        let seeds = try Self.quadLaneSeeds()
        for (bytes, _) in seeds { XCTAssertEqual(Self.feedComparingKernels(bytes), .decoded) }
        // The seeds exercise the quad kernels with and without escapes, sparse and dense.
        var escapeRates: [Double] = []
        for (bytes, _) in seeds {
            for tensor in try SBWFile(bytes: bytes).tensors {
                guard case .quantized(let q) = tensor.payload, case .tans(let coded) = q.coded else { continue }
                XCTAssertTrue(TANSKernelSet.avx2.decodesSplitInQuads(lanes: coded.lanes, tableLog: coded.tableLog))
                escapeRates.append(Double(coded.escape?.symbolCount ?? 0) / Double(coded.symbolCount))
            }
        }
        XCTAssertTrue(escapeRates.contains(0), "no escapes: \(escapeRates)")
        XCTAssertTrue(escapeRates.contains { $0 > 0 && $0 <= 1.0 / 1024 }, "sparse escapes: \(escapeRates)")
        XCTAssertTrue(escapeRates.contains { $0 > 1.0 / 1024 }, "dense escapes: \(escapeRates)")
        var rng = SplitMix64(seed: 0x5F022)
        var decoded = 0, rejected = 0
        let total = 10_000
        for i in 0..<total {
            let (original, records) = seeds[i % seeds.count]
            var bytes = original
            let record = records[Int.random(in: 0..<records.count, using: &rng)]
            // Mutations land in the payload-heavy end of a record half the time.
            let region = i % 2 == 0 ? record : (record.lowerBound + record.count / 2)..<record.upperBound
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let at = Int.random(in: region, using: &rng)
                if Bool.random(using: &rng) { bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &rng) } else { bytes[at] = UInt8.random(in: 0...255, using: &rng) }
            }
            Self.fixChecksums(&bytes, record: record)
            switch Self.feedComparingKernels(bytes) {
            case .decoded: decoded += 1
            case .rejected: rejected += 1
            }
        }
        XCTAssertEqual(decoded + rejected, total)
        XCTAssertGreaterThan(rejected, total / 4)
    }
}

extension SBWFuzzTests {
    static func quadLaneSeeds() throws -> [(bytes: [UInt8], records: [Range<Int>])] {
        var result: [(bytes: [UInt8], records: [Range<Int>])] = []
        for seed in 0..<6 as Range<UInt64> {
            var rng = SplitMix64(seed: 0x51D0 + seed)
            var tensors: [SBWTensor] = []
            // No escapes (P = 8); dense escapes forced by a 128-slot table under ~250 present
            // values (P = 16); sparse escapes forced by 40 distinct rare values in 50 000 symbols
            // under a 32-slot table (P = 12); a 31-bin Laplace with tails (P = 16).
            let streams: [(lanes: Int, bins: Int, tableLog: Int, symbols: [UInt8])] = [
                (8, 15, 9, TANSKernelSetTests.stream(&rng, count: 400 + Int.random(in: 0...600, using: &rng), bins: 15, p0: 0.8, tail: 0)),
                (16, 255, 7, BenchmarkStreams.spikeAndSlab(count: 3000 + Int.random(in: 0...1000, using: &rng), bins: 255,
                                                           zeroProbability: 0.85, seed: seed)),
                (12, 255, 5, {
                    var s = [UInt8](repeating: 127, count: 50_000)
                    for v in 0..<40 { s[Int.random(in: 0..<s.count, using: &rng)] = UInt8(v) }
                    return s
                }()),
                (16, 31, 12, TANSKernelSetTests.stream(&rng, count: 2000 + Int.random(in: 0...2000, using: &rng), bins: 31, p0: 0.85, tail: 0.05)),
            ]
            for (i, stream) in streams.enumerated() {
                let q = try SBWQuantizedTensor(symbols: stream.symbols, step: 0.01, bins: stream.bins,
                                               codec: .tans(tableLog: stream.tableLog, lanes: stream.lanes, layout: .split))
                tensors.append(try SBWTensor(name: "layer\(i).weight", shape: [stream.symbols.count], payload: .quantized(q)))
            }
            let bytes = SBWFile(tensors: tensors).serialized()
            var records: [Range<Int>] = []
            var cursor = SBWFile.ByteCursor(bytes: bytes, end: bytes.count - 4)
            cursor.position = 6
            for _ in 0..<(try cursor.readVarint("")) { _ = try cursor.readString(""); _ = try cursor.readString("") }
            for _ in 0..<(try cursor.readVarint("")) {
                let length = try cursor.readVarint("")
                records.append(cursor.position..<(cursor.position + length))
                cursor.position += length + 4
            }
            result.append((bytes, records))
        }
        return result
    }

    /// Parses and decodes `bytes` with the default kernels; for each tANS tensor that parses,
    /// the portable kernels, and the separate escape pass instead of the fused one, must agree
    /// (same symbols, or both refusing).
    static func feedComparingKernels(_ bytes: [UInt8]) -> Outcome {
        do {
            let file = try SBWFile(bytes: bytes, limits: limits)
            for tensor in file.tensors {
                if case .quantized(let q) = tensor.payload, case .tans(let coded) = q.coded {
                    var results: [[UInt8]?] = []
                    for kernels in TANSKernelSet.available {
                        for fuse in [true, false] {
                            var out = [UInt8](repeating: 0, count: coded.symbolCount)
                            var workspace = TANSDecodeWorkspace()
                            let ok = (try? out.withUnsafeMutableBufferPointer {
                                try TANSCodec.decode(coded, into: $0, workspace: &workspace, kernels: kernels, fuseEscapes: fuse)
                            }) != nil
                            results.append(ok ? out : nil)
                        }
                    }
                    for other in results.dropFirst() { XCTAssertEqual(other, results[0], "kernels disagree on a mutated stream") }
                }
                _ = try tensor.floatValues()
            }
            return .decoded
        } catch let error as EntropyCodingError {
            XCTAssertFalse(error.description.isEmpty)
            return .rejected
        } catch {
            XCTFail("unexpected error type \(error)")
            return .rejected
        }
    }
}
