#if canImport(Foundation)
import Foundation
#endif

/// `subbit bench codec`: sizes and speeds of tANS against the baselines on the benchmark streams.
public struct CodecBenchmark: Sendable {
    /// One benchmark stream.
    public struct StreamSpec: Sendable, Hashable {
        public enum Shape: String, Sendable { case laplace, spikeAndSlab = "spike-slab" }
        public var shape: Shape
        public var bins: Int
        public var zeroProbability: Double

        public var name: String { "\(shape.rawValue) N=\(bins) p0=\(String(format: "%.2f", zeroProbability))" }

        public func generate(count: Int, seed: UInt64) -> [UInt8] {
            let mixed = seed ^ UInt64(bins) << 32 ^ UInt64(zeroProbability * 1000)
            switch shape {
            case .laplace: return BenchmarkStreams.laplace(count: count, bins: bins, zeroProbability: zeroProbability, seed: mixed)
            case .spikeAndSlab: return BenchmarkStreams.spikeAndSlab(count: count, bins: bins, zeroProbability: zeroProbability, seed: mixed)
            }
        }
    }

    /// The streams of ISSUE must-show 4: Laplace for N = 3, 7, 15, 31 × p0 = 0.6…0.98, and
    /// spike-and-slab for N = 255, p0 = 0.98.
    public static let standardStreams: [StreamSpec] =
        [3, 7, 15, 31].flatMap { bins in
            [0.6, 0.8, 0.9, 0.95, 0.98].map { StreamSpec(shape: .laplace, bins: bins, zeroProbability: $0) }
        } + [StreamSpec(shape: .spikeAndSlab, bins: 255, zeroProbability: 0.98)]

    /// Measured results for one stream.
    public struct Row: Sendable {
        public var stream: StreamSpec
        public var symbolCount: Int
        public var entropyBitsPerSymbol: Double
        /// tANS (P = 1, split), header included.
        public var tansBitsPerSymbol: Double
        /// tANS with P = 4 lanes, header included.
        public var tansP4BitsPerSymbol: Double
        public var usedEscape: Bool
        public var huffmanBitsPerSymbol: Double
        public var fixedBitsPerSymbol: Double
        public var ransBitsPerSymbol: Double
        /// (tANS bits − n·H) / (n·H), in percent.
        public var overheadPercent: Double
        /// Million symbols per second, median of the repetitions.
        public var encodeP1: Double, decodeP1: Double, encodeP4: Double, decodeP4: Double
        /// Million symbols per second of the fastest repetition — the statistic FSE's own benchmark
        /// (`fse -b`, `fullbench`) reports, so the one to hold against its speeds.
        public var fastest: (encodeP1: Double, decodeP1: Double, encodeP4: Double, decodeP4: Double)
        /// External compressors on the one-byte-per-symbol stream (nil when the tool is missing).
        public var zstdBitsPerSymbol: Double?, xzBitsPerSymbol: Double?
    }

    public var symbolCount: Int
    public var tableLog: Int
    public var repetitions: Int
    public var p4Layout: TANSLayout
    public var seed: UInt64
    public var runExternalCompressors: Bool

    public init(symbolCount: Int = 4 << 20, tableLog: Int = 12, repetitions: Int = 15, p4Layout: TANSLayout = .interleaved,
                seed: UInt64 = 0x5B_B17, runExternalCompressors: Bool = true) {
        self.symbolCount = symbolCount
        self.tableLog = tableLog
        self.repetitions = repetitions
        self.p4Layout = p4Layout
        self.seed = seed
        self.runExternalCompressors = runExternalCompressors
    }

    /// Runs one stream. Throws if a round trip fails (a benchmark must never report a wrong codec).
    public func run(_ spec: StreamSpec) throws -> Row {
        try run([spec])[0]
    }

    /// Runs the streams: first their sizes (tANS, the baselines, the external compressors), then
    /// `repetitions` timing rounds, each of which times every stream's four codec runs once.
    ///
    /// Round by round rather than stream by stream, so that each stream's repetitions spread over
    /// the whole benchmark: on a shared machine a slow phase (another tenant on the core) lasts
    /// seconds, and would otherwise hit every repetition of the streams it overlaps.
    /// Throws if a round trip fails (a benchmark must never report a wrong codec).
    public func run(_ specs: [StreamSpec]) throws -> [Row] {
        var rows: [Row] = []
        var streams: [[UInt8]] = []
        var coded: [(p1: TANSEncoded, p4: TANSEncoded)] = []
        for spec in specs {
            let symbols = spec.generate(count: symbolCount, seed: seed)
            let (row, p1, p4) = try sizes(spec, symbols)
            rows.append(row)
            streams.append(symbols)
            coded.append((p1, p4))
        }
        // Decode into one reused buffer: the codec is timed, not the allocator's page faults.
        var decoded = [UInt8](repeating: 0, count: symbolCount)
        // Per stream, seconds of: encode P = 1, decode P = 1, encode P = 4, decode P = 4.
        var samples = [[[Double]]](repeating: [[], [], [], []], count: specs.count)
        for _ in 0..<max(1, repetitions) {
            for (i, spec) in specs.enumerated() {
                let symbols = streams[i]
                for (k, (lanes, layout)) in [(1, TANSLayout.split), (4, p4Layout)].enumerated() {
                    let reference = k == 0 ? coded[i].p1 : coded[i].p4
                    let (again, encodeTime) = try Self.seconds {
                        try TANSCodec.encode(symbols, alphabetSize: spec.bins, tableLog: tableLog, lanes: lanes, layout: layout)
                    }
                    let ((), decodeTime) = try Self.seconds {
                        try decoded.withUnsafeMutableBufferPointer { try TANSCodec.decode(reference, into: $0) }
                    }
                    guard again.totalBits == reference.totalBits, Self.sameBytes(decoded, symbols) else {
                        throw EntropyCodingError.corrupt("benchmark round trip failed on \(spec.name)")
                    }
                    samples[i][2 * k].append(encodeTime)
                    samples[i][2 * k + 1].append(decodeTime)
                }
            }
        }
        for i in rows.indices {
            let n = Double(symbolCount)
            let rate = samples[i].map { times -> (median: Double, fastest: Double) in
                let sorted = times.sorted()
                return (n / sorted[sorted.count / 2] / 1e6, n / sorted[0] / 1e6)
            }
            rows[i].encodeP1 = rate[0].median; rows[i].decodeP1 = rate[1].median
            rows[i].encodeP4 = rate[2].median; rows[i].decodeP4 = rate[3].median
            rows[i].fastest = (rate[0].fastest, rate[1].fastest, rate[2].fastest, rate[3].fastest)
        }
        return rows
    }

    /// One stream's sizes (speeds left at zero) and its tANS encodings at P = 1 and P = 4.
    func sizes(_ spec: StreamSpec, _ symbols: [UInt8]) throws -> (Row, TANSEncoded, TANSEncoded) {
        let histogram = try SymbolStatistics.histogram(symbols, alphabetSize: spec.bins)
        let n = Double(symbols.count)
        let entropy = SymbolStatistics.entropy(histogram: histogram)
        let p1 = try TANSCodec.encode(symbols, alphabetSize: spec.bins, tableLog: tableLog, lanes: 1, layout: .split)
        let p4 = try TANSCodec.encode(symbols, alphabetSize: spec.bins, tableLog: tableLog, lanes: 4, layout: p4Layout)
        let huffman = try HuffmanCodec.encode(symbols, alphabetSize: spec.bins)
        let fixed = try FixedWidthCodec.encode(symbols, alphabetSize: spec.bins)
        let rans = try RANSCodec.encode(symbols, alphabetSize: spec.bins, precisionBits: 15)
        guard try huffman.decode() == symbols, try rans.decode() == symbols else {
            throw EntropyCodingError.corrupt("baseline round trip failed on \(spec.name)")
        }
        let shannon = n * entropy
        var row = Row(stream: spec, symbolCount: symbols.count, entropyBitsPerSymbol: entropy,
                      tansBitsPerSymbol: Double(p1.totalBits) / n, tansP4BitsPerSymbol: Double(p4.totalBits) / n,
                      usedEscape: p1.escape != nil,
                      huffmanBitsPerSymbol: Double(huffman.totalBits) / n, fixedBitsPerSymbol: Double(fixed.totalBits) / n,
                      ransBitsPerSymbol: Double(rans.totalBits) / n,
                      overheadPercent: 100 * (Double(p1.totalBits) - shannon) / shannon,
                      encodeP1: 0, decodeP1: 0, encodeP4: 0, decodeP4: 0, fastest: (0, 0, 0, 0),
                      zstdBitsPerSymbol: nil, xzBitsPerSymbol: nil)
        #if canImport(Foundation)
        if runExternalCompressors {
            row.zstdBitsPerSymbol = ExternalCompressor.zstd.compressedBytes(symbols).map { Double($0 * 8) / n }
            row.xzBitsPerSymbol = ExternalCompressor.xz.compressedBytes(symbols).map { Double($0 * 8) / n }
        }
        #endif
        return (row, p1, p4)
    }
}

extension CodecBenchmark {
    /// Seconds of the calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`) that `body` takes: on
    /// a quiet machine it equals wall time; on a shared one it excludes the time other processes
    /// held the core (not the time a hypervisor held it, which the guest cannot see).
    static func seconds<T>(_ body: () throws -> T) throws -> (T, Double) {
        let start = threadCPUSeconds()
        let result = try body()
        return (result, threadCPUSeconds() - start)
    }

    /// Whether two equally long byte arrays are equal (`memcmp`: the element-wise `==` of
    /// arrays was a tenth of the benchmark's wall time).
    static func sameBytes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count && a.withUnsafeBytes { a in
            b.withUnsafeBytes { b in a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
        }
    }

    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

#if canImport(Foundation)
/// A Debian command-line compressor run on a byte stream, for reference sizes.
public struct ExternalCompressor: Sendable {
    public var executable: String
    public var arguments: [String]

    public static let zstd = ExternalCompressor(executable: "zstd", arguments: ["-19", "-q", "-c", "--single-thread"])
    public static let xz = ExternalCompressor(executable: "xz", arguments: ["-9", "-c", "-T1"])

    /// Full path of the tool, or nil if it is not installed.
    public var path: String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return dirs.map { "\($0)/\(executable)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Compressed size in bytes, or nil when the tool is missing or fails.
    public func compressedBytes(_ bytes: [UInt8]) -> Int? {
        guard let path else { return nil }
        let dir = FileManager.default.temporaryDirectory
        let input = dir.appendingPathComponent("subbit-bench-\(UUID().uuidString).bin")
        let output = dir.appendingPathComponent("subbit-bench-\(UUID().uuidString).out")
        defer {
            try? FileManager.default.removeItem(at: input)
            try? FileManager.default.removeItem(at: output)
        }
        do {
            try Data(bytes).write(to: input)
            guard FileManager.default.createFile(atPath: output.path, contents: nil) else { return nil }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments + [input.path]
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { return nil }
            let attributes = try FileManager.default.attributesOfItem(atPath: output.path)
            return (attributes[.size] as? NSNumber)?.intValue
        } catch {
            return nil
        }
    }
}
#endif
