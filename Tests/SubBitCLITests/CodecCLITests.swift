import EntropyCoding
import Foundation
import TestSupport
import XCTest

/// End-to-end tests of `subbit encode`, `decode`, `inspect` and `bench codec`.
final class CodecCLITests: XCTestCase {
    private func symbols(_ n: Int, bins: Int) -> [UInt8] {
        BenchmarkStreams.laplace(count: n, bins: bins, zeroProbability: 0.9, seed: 7)
    }

    func testEncodeDecodeInspectRoundTripBin() throws {
        let dir = try temporaryFolder()
        let input = symbols(5000, bins: 15)
        try Data(input).write(to: dir.appendingPathComponent("w.bin"))
        for (codec, layout) in [("tans", "split"), ("tans", "interleaved"), ("huffman", "split"), ("fixed", "split"), ("rans", "split")] {
            let encode = try SubBitCLI.run(["encode", "w.bin", "--bins", "15", "--table-log", "11", "--lanes", "4",
                                            "--layout", layout, "--codec", codec, "-o", "w.sbw"], in: dir)
            XCTAssertEqual(encode.status, 0, encode.stderr)
            let decode = try SubBitCLI.run(["decode", "w.sbw", "-o", "back.bin"], in: dir)
            XCTAssertEqual(decode.status, 0, decode.stderr)
            XCTAssertEqual([UInt8](try Data(contentsOf: dir.appendingPathComponent("back.bin"))), input, codec)
            let inspect = try SubBitCLI.run(["inspect", "w.sbw"], in: dir)
            XCTAssertEqual(inspect.status, 0, inspect.stderr)
            XCTAssertTrue(inspect.stdout.contains("entropy") && inspect.stdout.contains("5000"), inspect.stdout)
        }
    }

    func testNpyInputAndOutputKeepShape() throws {
        let dir = try temporaryFolder()
        let input = symbols(6 * 7, bins: 7)
        // int16 little-endian .npy with shape (6, 7).
        var header = "{'descr': '<i2', 'fortran_order': False, 'shape': (6, 7), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
        for s in input { bytes += [s, 0] }
        try Data(bytes).write(to: dir.appendingPathComponent("w.npy"))
        let encode = try SubBitCLI.run(["encode", "w.npy", "--bins", "7", "-o", "w.sbw"], in: dir)
        XCTAssertEqual(encode.status, 0, encode.stderr)
        let file = try SBWFile(contentsOf: dir.appendingPathComponent("w.sbw"))
        XCTAssertEqual(file.tensors[0].shape, [6, 7])
        let decode = try SubBitCLI.run(["decode", "w.sbw", "-o", "back.npy"], in: dir)
        XCTAssertEqual(decode.status, 0, decode.stderr)
        let back = [UInt8](try Data(contentsOf: dir.appendingPathComponent("back.npy")))
        XCTAssertEqual(Array(back.suffix(input.count)), input)
        XCTAssertTrue(String(decoding: back.prefix(80), as: UTF8.self).contains("(6, 7)"))
    }

    /// Must-show 5: bad input gives one clear error and a non-zero exit, and no output file.
    func testBadInputGivesOneClearError() throws {
        let dir = try temporaryFolder()
        try Data(symbols(100, bins: 15)).write(to: dir.appendingPathComponent("w.bin"))
        try Data("hello".utf8).write(to: dir.appendingPathComponent("w.txt"))
        try Data("not an sbw file".utf8).write(to: dir.appendingPathComponent("bad.sbw"))
        let cases: [([String], String)] = [
            (["encode", "missing.bin", "--bins", "15", "-o", "o.sbw"], "no such file"),
            (["encode", "w.txt", "--bins", "15", "-o", "o.sbw"], "format"),
            (["encode", "w.bin", "--bins", "16", "-o", "o.sbw"], "odd"),
            (["encode", "w.bin", "--bins", "301", "-o", "o.sbw"], "1…255"),
            (["encode", "w.bin", "--bins", "15", "--table-log", "4", "-o", "o.sbw"], "5…15"),
            (["encode", "w.bin", "--bins", "15", "--table-log", "16", "-o", "o.sbw"], "5…15"),
            (["encode", "w.bin", "--bins", "15", "--lanes", "65", "-o", "o.sbw"], "1…64"),
            (["encode", "w.bin", "--bins", "3", "-o", "o.sbw"], "not below --bins"),
            (["encode", "w.bin", "--bins", "15", "--codec", "lzma", "-o", "o.sbw"], "'tans', 'huffman'"),
            (["decode", "missing.sbw", "-o", "o.bin"], "no such file"),
            (["decode", "bad.sbw", "-o", "o.bin"], "not an .sbw file"),
            (["decode", "w.bin", "-o", "o.bin"], "expected an .sbw"),
            (["inspect", "bad.sbw"], "not an .sbw file"),
            (["inspect", "missing.sbw"], "no such file"),
            (["bench", "codec", "--table-log", "3"], "5…15"),
        ]
        for (args, expected) in cases {
            let result = try SubBitCLI.run(args, in: dir)
            XCTAssertNotEqual(result.status, 0, args.joined(separator: " "))
            XCTAssertTrue(result.stderr.contains(expected), "\(args): \(result.stderr)")
            XCTAssertEqual(result.stderr.components(separatedBy: "Error:").count - 1, 1, "\(args): \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("o.sbw").path))
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("o.bin").path))
        }
    }

    func testCorruptedFileIsRejectedByDecode() throws {
        let dir = try temporaryFolder()
        try Data(symbols(2000, bins: 7)).write(to: dir.appendingPathComponent("w.bin"))
        XCTAssertEqual(try SubBitCLI.run(["encode", "w.bin", "--bins", "7", "-o", "w.sbw"], in: dir).status, 0)
        let url = dir.appendingPathComponent("w.sbw")
        var bytes = [UInt8](try Data(contentsOf: url))
        bytes[bytes.count / 2] ^= 0x10
        try Data(bytes).write(to: url)
        let result = try SubBitCLI.run(["decode", "w.sbw", "-o", "o.bin"], in: dir)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("checksum"), result.stderr)
    }

    func testBenchCodecSmallRunPrintsTableAndCSV() throws {
        let dir = try temporaryFolder()
        let result = try SubBitCLI.run(["bench", "codec", "--symbols", "20000", "--repetitions", "3", "--only", "N=7",
                                        "--no-external", "--csv", "bench.csv"], in: dir)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("laplace N=7 p0=0.98"), result.stdout)
        XCTAssertTrue(result.stdout.contains("fastest of 3 runs: decode median"), result.stdout)
        let csv = try String(contentsOf: dir.appendingPathComponent("bench.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(lines.count, 6)
        // Each stream's fastest repetition is at least as fast as its median one.
        let header = lines[0]
        for row in lines.dropFirst() {
            XCTAssertEqual(row.count, header.count)
            for name in ["encode_p1", "decode_p1", "encode_p4", "decode_p4"] {
                let median = try XCTUnwrap(header.firstIndex(of: "\(name)_msym_s").flatMap { Double(row[$0]) })
                let fastest = try XCTUnwrap(header.firstIndex(of: "\(name)_fastest_msym_s").flatMap { Double(row[$0]) })
                XCTAssertGreaterThanOrEqual(fastest, median, "\(row[0]) \(name)")
            }
        }
    }

    /// `bench codec --input` reads .bin and .npy files as `encode` does, labels each statistic,
    /// and `--write-streams` writes the generated streams a peer codec can read back.
    func testBenchCodecReadsFilesAndWritesStreams() throws {
        let dir = try temporaryFolder()
        try Data(symbols(30_000, bins: 15)).write(to: dir.appendingPathComponent("a.bin"))
        let npy = [0x93] + Array("NUMPY".utf8) + [1, 0]
        var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (20000,), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        let bytes = npy + [UInt8(header.utf8.count), 0] + Array(header.utf8) + symbols(20_000, bins: 7)
        try Data(bytes).write(to: dir.appendingPathComponent("b.npy"))
        let result = try SubBitCLI.run(["bench", "codec", "--input", "a.bin", "b.npy", "--bins", "15", "--repetitions", "3",
                                        "--no-external"], in: dir)
        XCTAssertEqual(result.status, 0, result.stderr)
        for text in ["a.bin", "b.npy", "median call / fastest call / mean over calls", "P=16 split (the CLI default)",
                     "median of 3 runs:", "fastest of 3 runs:", "mean of 3 runs:"] {
            XCTAssertTrue(result.stdout.contains(text), "\(text) missing from:\n\(result.stdout)")
        }
        let bad = try SubBitCLI.run(["bench", "codec", "--input", "a.bin", "--bins", "3", "--no-external"], in: dir)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("not below --bins"), bad.stderr)
        let written = try SubBitCLI.run(["bench", "codec", "--symbols", "1000", "--repetitions", "1", "--only", "N=3 p0=0.60",
                                         "--no-external", "--write-streams", "streams"], in: dir)
        XCTAssertEqual(written.status, 0, written.stderr)
        let stream = try Data(contentsOf: dir.appendingPathComponent("streams/laplace_N3_p00.60.bin"))
        let spec = CodecBenchmark.StreamSpec(shape: .laplace, bins: 3, zeroProbability: 0.6)
        XCTAssertEqual([UInt8](stream), spec.generate(count: 1000, seed: CodecBenchmark().seed))
    }
}
