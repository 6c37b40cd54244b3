import ArgumentParser
import EntropyCoding
import Foundation

/// `subbit bench codec`: tANS against Huffman, fixed width, rANS, zstd and xz on seeded streams.
struct BenchCodec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codec",
        abstract: "Benchmark tANS (sizes and speeds) against the baselines on seeded streams or on symbol files.",
        discussion: """
            Streams: discretized Laplace for N = 3, 7, 15, 31 bins and P(zero) = 0.6, 0.8, 0.9, 0.95, 0.98, \
            and a 255-bin spike-and-slab stream with P(zero) = 0.98 — or, with --input, the given symbol \
            files (.bin, one byte per symbol, or .npy integers, read as `subbit encode` reads them), so a \
            peer codec can be run on the same bytes. Sizes include every header bit. Three lane layouts \
            are timed: P = 1 split, P = 4 (--layout) and P = --wide-lanes split (the CLI's default). \
            Speeds are single-core CPU time of each call alone (decode into a reused buffer and \
            workspace, encode into a reused result and workspace: no stream-sized allocation in the \
            timed region), reported per stream as the median call, the fastest call and the mean \
            (all symbols over all calls' time, the statistic of FSE's `fse -b`). Build with -c release.
            """)

    @Option(name: .long, help: "Symbols per generated stream.")
    var symbols: Int = 4 << 20

    @Option(name: .long, parsing: .upToNextOption,
            help: "Benchmark these symbol files (.bin or .npy) instead of the generated streams.")
    var input: [String] = []

    @Option(name: .long, help: "With --input: the alphabet size (default: the largest symbol + 1).")
    var bins: Int?

    @Option(name: .customLong("table-log"), help: "tANS table log R (5…15).")
    var tableLog: Int = 12

    @Option(name: .long, help: "Timing repetitions (each stream's median, fastest and mean call are reported).")
    var repetitions: Int = 15

    @Option(name: .long, help: "Layout of the P = 4 run.")
    var layout: TANSLayout = .interleaved

    @Option(name: .customLong("wide-lanes"), help: "Lanes of the wide split run (multiples of 4 from 8 run the AVX2 quad kernels).")
    var wideLanes: Int = Encode.defaultLanes

    @Option(name: .long, help: "Seed of the stream generator.")
    var seed: UInt64 = 0x5B_B17

    @Option(name: .long, help: "Also write the table as CSV to this file.")
    var csv: String?

    @Option(name: .customLong("write-streams"),
            help: "Also write each generated stream to DIR/<name>.bin (one byte per symbol), for a peer codec to read.")
    var writeStreams: String?

    @Option(name: .long, help: "Run only the streams whose name contains this text (e.g. \"N=15\").")
    var only: String?

    @Flag(name: .customLong("no-external"), help: "Skip zstd and xz.")
    var noExternal = false

    func validate() throws {
        guard symbols >= 1, symbols <= 1 << 30 else { throw ValidationError("--symbols must be in 1…2^30") }
        guard TANSCodec.tableLogs.contains(tableLog) else {
            throw ValidationError("--table-log \(tableLog) is outside 5…15; pick a table log R in 5…15")
        }
        guard repetitions >= 1, repetitions <= 100 else { throw ValidationError("--repetitions must be in 1…100") }
        guard TANSCodec.laneCounts.contains(wideLanes) else { throw ValidationError("--wide-lanes \(wideLanes) is outside 1…64") }
        if let bins, !TANSCodec.alphabetSizes.contains(bins) { throw ValidationError("--bins \(bins) is outside 1…256") }
    }

    /// The streams to run: the files of --input, or the generated streams --only selects.
    func inputs(_ bench: CodecBenchmark) throws -> [CodecBenchmark.Input] {
        guard input.isEmpty else {
            return try input.map { path in
                let (values, _) = try SymbolFile.read(path: path)
                let largest = Int(values.max() ?? 0)
                let alphabet = bins ?? largest + 1
                guard largest < alphabet else {
                    throw CommandFailure("\(path): symbol \(largest) is not below --bins \(alphabet); pass the alphabet size the symbols use")
                }
                return CodecBenchmark.Input(name: URL(fileURLWithPath: path).lastPathComponent, symbols: values,
                                            alphabetSize: alphabet)
            }
        }
        let streams = CodecBenchmark.standardStreams.filter { only == nil || $0.name.contains(only!) }
        guard !streams.isEmpty else { throw ValidationError("--only \(only ?? ""): no stream matches; names look like \"laplace N=15 p0=0.90\"") }
        return streams.map(bench.input)
    }

    func run() throws {
        let configurations = [CodecBenchmark.LaneLayout(lanes: 1, layout: .split),
                              CodecBenchmark.LaneLayout(lanes: 4, layout: layout),
                              CodecBenchmark.LaneLayout(lanes: wideLanes, layout: .split)]
        let bench = CodecBenchmark(symbolCount: symbols, tableLog: tableLog, repetitions: repetitions,
                                   configurations: configurations, seed: seed, runExternalCompressors: !noExternal)
        let streams = try inputs(bench)
        if let folder = writeStreams {
            try failing { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            for stream in streams {
                let file = stream.name.replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "=", with: "") + ".bin"
                try SymbolFile.write(stream.symbols, shape: [stream.symbols.count], path: (folder as NSString).appendingPathComponent(file))
            }
            print("wrote \(streams.count) stream(s) to \(folder)")
        }
        #if DEBUG
        print("note: debug build — speeds are not representative; build with -c release")
        #endif
        let source = input.isEmpty ? "\(symbols) symbols per stream" : "\(streams.count) input file(s)"
        print("subbit bench codec: \(source), R = \(tableLog), \(repetitions) repetitions; "
              + "timed: \(configurations.map(\.description).joined(separator: ", ")) (CLI default: P=\(Encode.defaultLanes) split)")
        if !noExternal {
            for tool in [ExternalCompressor.zstd, ExternalCompressor.xz] where tool.path == nil {
                print("note: \(tool.executable) not found — its column is skipped (install it with Scripts/setup.sh)")
            }
        }
        func f(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
        func line(_ cells: [String], _ widths: [Int]) -> String {
            zip(cells, widths).enumerated().map { i, pair in
                i == 0 ? pair.0.padding(toLength: pair.1, withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: max(0, pair.1 - pair.0.count)) + pair.0
            }.joined(separator: " ")
        }
        let nameWidth = max(24, streams.map(\.name.count).max() ?? 0)
        FileHandle.standardError.write(Data("subbit bench codec: timing \(repetitions) round(s) over \(streams.count) stream(s)…\n".utf8))
        let rows = try bench.run(inputs: streams)

        print("bits per symbol (headers included)")
        let sizeHeader = ["stream", "H bits/sym", "tANS", "overhead %", "esc"] + configurations.dropFirst().map { "tANS P\($0.lanes)" }
            + ["Huffman", "fixed", "rANS", "zstd -19", "xz -9"]
        let sizeWidths = [nameWidth, 10, 8, 10, 3] + configurations.dropFirst().map { _ in 9 } + [8, 6, 8, 8, 7]
        print(line(sizeHeader, sizeWidths))
        for r in rows {
            print(line([r.name, f(r.entropyBitsPerSymbol, 4), f(r.tansBitsPerSymbol, 4), f(r.overheadPercent, 3),
                        r.usedEscape ? "yes" : "no"] + r.configurationBitsPerSymbol.dropFirst().map { f($0, 4) }
                       + [f(r.huffmanBitsPerSymbol, 4), f(r.fixedBitsPerSymbol, 1), f(r.ransBitsPerSymbol, 4),
                          r.zstdBitsPerSymbol.map { f($0, 4) } ?? "n/a", r.xzBitsPerSymbol.map { f($0, 4) } ?? "n/a"], sizeWidths))
        }
        print("speeds in M symbols/s of single-thread CPU time, per call: median call / fastest call / mean over calls")
        let speedHeader = ["stream"] + configurations.flatMap { c in ["enc", "dec"].map { "\($0) P\(c.lanes) med/fast/mean" } }
        let speedWidths = [nameWidth] + configurations.flatMap { _ in [22, 22] }
        print(line(speedHeader, speedWidths))
        func triple(_ s: CodecBenchmark.Speed) -> String { "\(f(s.median, 0))/\(f(s.fastest, 0))/\(f(s.mean, 0))" }
        for r in rows {
            print(line([r.name] + r.encode.indices.flatMap { [triple(r.encode[$0]), triple(r.decode[$0])] }, speedWidths))
        }

        // The headline per configuration, over all streams and over those with an escape path.
        func summary(_ values: [Double]) -> String {
            let sorted = values.sorted()
            return String(format: "median %.0f, min %.0f", sorted[sorted.count / 2], sorted[0])
        }
        let groups: [(String, [CodecBenchmark.Row])] = [("\(rows.count) stream(s)", rows),
                                                        ("the \(rows.filter { !$0.usedEscape }.count) without escapes", rows.filter { !$0.usedEscape }),
                                                        ("the \(rows.filter(\.usedEscape).count) with escapes", rows.filter(\.usedEscape))]
        for (k, c) in configurations.enumerated() {
            let role = c.lanes == Encode.defaultLanes && c.layout == .split ? " (the CLI default)" : ""
            print("\(c)\(role), M symbols/s over streams:")
            for (label, group) in groups where !group.isEmpty && (group.count < rows.count || label.hasSuffix("stream(s)")) {
                print("  over \(label):")
                print("    median of \(repetitions) runs:  decode \(summary(group.map { $0.decode[k].median })), encode \(summary(group.map { $0.encode[k].median }))")
                print("    fastest of \(repetitions) runs: decode \(summary(group.map { $0.decode[k].fastest })), encode \(summary(group.map { $0.encode[k].fastest }))")
                print("    mean of \(repetitions) runs:    decode \(summary(group.map { $0.decode[k].mean })), encode \(summary(group.map { $0.encode[k].mean }))")
            }
        }
        print("targets (issue #23, P = 8 or 16 split, median): decode ≥ 1200 without escapes, ≥ 1000 with; "
              + "encode ≥ 650 (P ≥ 4), ≥ 500 on spike-and-slab; CLI default decode ≥ 600")
        if let csv {
            let tags = configurations.map { "p\($0.lanes)" }
            var header = ["stream", "shape", "bins", "p0", "symbols", "entropy_bits", "tans_bits", "overhead_percent", "escape"]
            header += tags.dropFirst().map { "tans_\($0)_bits" }
            header += ["huffman_bits", "fixed_bits", "rans_bits"]
            for statistic in ["", "_fastest", "_mean"] {
                for tag in tags { header += ["encode_\(tag)\(statistic)_msym_s", "decode_\(tag)\(statistic)_msym_s"] }
            }
            header += ["zstd19_bits", "xz9_bits"]
            var csvLines = [header.joined(separator: ",")]
            for r in rows {
                var cells = [r.name, r.stream?.shape.rawValue ?? "file", "\(r.stream?.bins ?? 0)",
                             r.stream.map { f($0.zeroProbability, 2) } ?? "", "\(r.symbolCount)",
                             f(r.entropyBitsPerSymbol, 6), f(r.tansBitsPerSymbol, 6), f(r.overheadPercent, 4), r.usedEscape ? "1" : "0"]
                cells += r.configurationBitsPerSymbol.dropFirst().map { f($0, 6) }
                cells += [f(r.huffmanBitsPerSymbol, 6), f(r.fixedBitsPerSymbol, 6), f(r.ransBitsPerSymbol, 6)]
                for statistic in [\CodecBenchmark.Speed.median, \.fastest, \.mean] {
                    for k in tags.indices { cells += [f(r.encode[k][keyPath: statistic], 1), f(r.decode[k][keyPath: statistic], 1)] }
                }
                cells += [r.zstdBitsPerSymbol.map { f($0, 6) } ?? "", r.xzBitsPerSymbol.map { f($0, 6) } ?? ""]
                csvLines.append(cells.joined(separator: ","))
            }
            let url = URL(fileURLWithPath: csv)
            do {
                try Data((csvLines.joined(separator: "\n") + "\n").utf8).write(to: url, options: .atomic)
            } catch {
                throw ValidationError("cannot write --csv \(csv): \(error.localizedDescription); pick a writable path")
            }
            print("wrote \(csv)")
        }
    }
}
