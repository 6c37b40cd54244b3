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

        public init(shape: Shape, bins: Int, zeroProbability: Double) {
            self.shape = shape
            self.bins = bins
            self.zeroProbability = zeroProbability
        }

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

    /// A stream to benchmark: a generated one (``StreamSpec``) or a file's symbols.
    public struct Input: Sendable {
        public var name: String
        public var symbols: [UInt8]
        /// The alphabet the stream is coded with (every symbol is below it).
        public var alphabetSize: Int
        /// The generator's parameters, for generated streams.
        public var spec: StreamSpec?

        public init(name: String, symbols: [UInt8], alphabetSize: Int, spec: StreamSpec? = nil) {
            self.name = name
            self.symbols = symbols
            self.alphabetSize = alphabetSize
            self.spec = spec
        }
    }

    /// One timed coder configuration: P lanes in a layout.
    public struct LaneLayout: Sendable, Hashable, CustomStringConvertible {
        public var lanes: Int
        public var layout: TANSLayout
        public init(lanes: Int, layout: TANSLayout) {
            self.lanes = lanes
            self.layout = layout
        }
        public var description: String { "P=\(lanes) \(layout.rawValue)" }
    }

    /// One operation's speed over the timed calls, in million symbols per second.
    public struct Speed: Sendable {
        /// The median call's speed (the table's statistic).
        public var median: Double
        /// The fastest call's speed.
        public var fastest: Double
        /// All calls' symbols over all calls' time (the mean call time's speed — the statistic
        /// FSE's `fse -b` reports).
        public var mean: Double

        /// The speed statistics of calls that each coded `symbols` symbols in `seconds`.
        public init(symbols: Int, seconds: [Double]) {
            let sorted = seconds.sorted()
            let n = Double(symbols)
            median = n / sorted[sorted.count / 2] / 1e6
            fastest = n / sorted[0] / 1e6
            mean = n * Double(sorted.count) / sorted.reduce(0, +) / 1e6
        }
    }

    /// Measured results for one stream.
    public struct Row: Sendable {
        public var name: String
        public var stream: StreamSpec?
        public var symbolCount: Int
        public var entropyBitsPerSymbol: Double
        /// tANS (P = 1, split), header included.
        public var tansBitsPerSymbol: Double
        /// tANS bits per symbol (header included) of each of ``CodecBenchmark/configurations``.
        public var configurationBitsPerSymbol: [Double]
        public var usedEscape: Bool
        public var huffmanBitsPerSymbol: Double
        public var fixedBitsPerSymbol: Double
        public var ransBitsPerSymbol: Double
        /// (tANS bits − n·H) / (n·H), in percent.
        public var overheadPercent: Double
        /// Encode and decode speeds of each of ``CodecBenchmark/configurations``.
        public var encode: [Speed], decode: [Speed]
        /// External compressors on the one-byte-per-symbol stream (nil when the tool is missing).
        public var zstdBitsPerSymbol: Double?, xzBitsPerSymbol: Double?
    }

    public var symbolCount: Int
    public var tableLog: Int
    public var repetitions: Int
    /// The timed lane layouts, in the report's order.
    public var configurations: [LaneLayout]
    public var seed: UInt64
    public var runExternalCompressors: Bool

    /// The configurations timed by default: one lane, four interleaved (the scalar fast path),
    /// and sixteen split lanes (the AVX2 quad kernels, and the CLI's default).
    public static let defaultConfigurations = [LaneLayout(lanes: 1, layout: .split), LaneLayout(lanes: 4, layout: .interleaved),
                                               LaneLayout(lanes: 16, layout: .split)]

    public init(symbolCount: Int = 4 << 20, tableLog: Int = 12, repetitions: Int = 15,
                configurations: [LaneLayout] = defaultConfigurations,
                seed: UInt64 = 0x5B_B17, runExternalCompressors: Bool = true) {
        self.symbolCount = symbolCount
        self.tableLog = tableLog
        self.repetitions = repetitions
        self.configurations = configurations
        self.seed = seed
        self.runExternalCompressors = runExternalCompressors
    }

    /// The generated input of `spec`.
    public func input(_ spec: StreamSpec) -> Input {
        Input(name: spec.name, symbols: spec.generate(count: symbolCount, seed: seed), alphabetSize: spec.bins, spec: spec)
    }

    /// Runs one stream. Throws if a round trip fails (a benchmark must never report a wrong codec).
    public func run(_ spec: StreamSpec) throws -> Row {
        try run([spec])[0]
    }

    /// Runs generated streams (see ``run(inputs:)``).
    public func run(_ specs: [StreamSpec]) throws -> [Row] {
        try run(inputs: specs.map(input))
    }

    /// Runs the streams: first their sizes (tANS, the baselines, the external compressors), then
    /// `repetitions` timing rounds, each of which times every stream's encode and decode calls
    /// once per configuration.
    ///
    /// Round by round rather than stream by stream, so that each stream's repetitions spread over
    /// the whole benchmark: on a shared machine a slow phase (another tenant on the core) lasts
    /// seconds, and would otherwise hit every repetition of the streams it overlaps. Each call is
    /// timed alone, around the codec call only: decoding writes into one reused buffer with a
    /// reused ``TANSDecodeWorkspace`` and encoding into a reused result and
    /// ``TANSEncodeWorkspace``, so the timed region allocates no stream-sized memory (and takes
    /// no page faults) once the first round has grown them.
    /// Throws if a round trip fails (a benchmark must never report a wrong codec).
    public func run(inputs: [Input]) throws -> [Row] {
        var rows: [Row] = []
        var coded: [[TANSEncoded]] = []
        for input in inputs {
            let (row, encodings) = try sizes(input)
            rows.append(row)
            coded.append(encodings)
        }
        var decoded = [UInt8](repeating: 0, count: inputs.map(\.symbols.count).max() ?? 0)
        var decodeWorkspace = TANSDecodeWorkspace()
        var encodeWorkspace = TANSEncodeWorkspace()
        var again = TANSEncoded.empty
        // Per stream and configuration, seconds of each encode and decode call.
        var encodeTimes = inputs.map { _ in configurations.map { _ in [Double]() } }
        var decodeTimes = encodeTimes
        for _ in 0..<max(1, repetitions) {
            for (i, input) in inputs.enumerated() {
                for (k, configuration) in configurations.enumerated() {
                    let reference = coded[i][k]
                    let encodeTime = try Self.seconds {
                        try TANSCodec.encode(input.symbols, alphabetSize: input.alphabetSize, tableLog: tableLog,
                                             lanes: configuration.lanes, layout: configuration.layout,
                                             into: &again, workspace: &encodeWorkspace)
                    }.1
                    let decodeTime = try decoded.withUnsafeMutableBufferPointer { buffer in
                        let output = UnsafeMutableBufferPointer(rebasing: buffer[0..<input.symbols.count])
                        return try Self.seconds { try TANSCodec.decode(reference, into: output, workspace: &decodeWorkspace) }.1
                    }
                    guard again == reference, Self.sameBytes(decoded[0..<input.symbols.count], input.symbols[...]) else {
                        throw EntropyCodingError.corrupt("benchmark round trip failed on \(input.name), \(configuration)")
                    }
                    encodeTimes[i][k].append(encodeTime)
                    decodeTimes[i][k].append(decodeTime)
                }
            }
        }
        for i in rows.indices {
            let n = inputs[i].symbols.count
            rows[i].encode = encodeTimes[i].map { Speed(symbols: n, seconds: $0) }
            rows[i].decode = decodeTimes[i].map { Speed(symbols: n, seconds: $0) }
        }
        return rows
    }

    /// One stream's sizes (speeds left empty) and its tANS encoding in each configuration.
    func sizes(_ input: Input) throws -> (Row, [TANSEncoded]) {
        let symbols = input.symbols
        let bins = input.alphabetSize
        let histogram = try SymbolStatistics.histogram(symbols, alphabetSize: bins)
        let n = Double(max(1, symbols.count))
        let entropy = SymbolStatistics.entropy(histogram: histogram)
        let p1 = try TANSCodec.encode(symbols, alphabetSize: bins, tableLog: tableLog, lanes: 1, layout: .split)
        let encodings = try configurations.map {
            try TANSCodec.encode(symbols, alphabetSize: bins, tableLog: tableLog, lanes: $0.lanes, layout: $0.layout)
        }
        let huffman = try HuffmanCodec.encode(symbols, alphabetSize: bins)
        let fixed = try FixedWidthCodec.encode(symbols, alphabetSize: bins)
        let rans = try RANSCodec.encode(symbols, alphabetSize: bins, precisionBits: 15)
        guard try huffman.decode() == symbols, try rans.decode() == symbols else {
            throw EntropyCodingError.corrupt("baseline round trip failed on \(input.name)")
        }
        let shannon = n * entropy
        var row = Row(name: input.name, stream: input.spec, symbolCount: symbols.count, entropyBitsPerSymbol: entropy,
                      tansBitsPerSymbol: Double(p1.totalBits) / n,
                      configurationBitsPerSymbol: encodings.map { Double($0.totalBits) / n },
                      usedEscape: p1.escape != nil,
                      huffmanBitsPerSymbol: Double(huffman.totalBits) / n, fixedBitsPerSymbol: Double(fixed.totalBits) / n,
                      ransBitsPerSymbol: Double(rans.totalBits) / n,
                      overheadPercent: shannon > 0 ? 100 * (Double(p1.totalBits) - shannon) / shannon : 0,
                      encode: [], decode: [], zstdBitsPerSymbol: nil, xzBitsPerSymbol: nil)
        #if canImport(Foundation)
        if runExternalCompressors {
            row.zstdBitsPerSymbol = ExternalCompressor.zstd.compressedBytes(symbols).map { Double($0 * 8) / n }
            row.xzBitsPerSymbol = ExternalCompressor.xz.compressedBytes(symbols).map { Double($0 * 8) / n }
        }
        #endif
        return (row, encodings)
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

    /// Whether two byte sequences are equal (`memcmp`: the element-wise `==` of arrays was a
    /// tenth of the benchmark's wall time).
    static func sameBytes(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
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
