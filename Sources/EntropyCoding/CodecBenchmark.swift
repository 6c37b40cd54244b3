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
        /// External compressors on the one-byte-per-symbol stream (nil when the tool is missing).
        public var zstdBitsPerSymbol: Double?, xzBitsPerSymbol: Double?
    }

    public var symbolCount: Int
    public var tableLog: Int
    public var repetitions: Int
    public var p4Layout: TANSLayout
    public var seed: UInt64
    public var runExternalCompressors: Bool

    public init(symbolCount: Int = 4 << 20, tableLog: Int = 12, repetitions: Int = 5, p4Layout: TANSLayout = .interleaved,
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
        let symbols = spec.generate(count: symbolCount, seed: seed)
        let histogram = try SymbolStatistics.histogram(symbols, alphabetSize: spec.bins)
        let n = Double(symbols.count)
        let entropy = SymbolStatistics.entropy(histogram: histogram)

        let (p1, encodeP1) = try timed { try TANSCodec.encode(symbols, alphabetSize: spec.bins, tableLog: tableLog, lanes: 1, layout: .split) }
        // Decode into a reused buffer: the codec is timed, not the allocator's page faults.
        var decodedP1 = [UInt8](repeating: 0, count: symbols.count)
        var decodedP4 = [UInt8](repeating: 0, count: symbols.count)
        let ((), decodeP1) = try timed { try decodedP1.withUnsafeMutableBufferPointer { try TANSCodec.decode(p1, into: $0) } }
        let (p4, encodeP4) = try timed { try TANSCodec.encode(symbols, alphabetSize: spec.bins, tableLog: tableLog, lanes: 4, layout: p4Layout) }
        let ((), decodeP4) = try timed { try decodedP4.withUnsafeMutableBufferPointer { try TANSCodec.decode(p4, into: $0) } }
        guard decodedP1 == symbols, decodedP4 == symbols else {
            throw EntropyCodingError.corrupt("benchmark round trip failed on \(spec.name)")
        }
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
                      encodeP1: n / encodeP1 / 1e6, decodeP1: n / decodeP1 / 1e6,
                      encodeP4: n / encodeP4 / 1e6, decodeP4: n / decodeP4 / 1e6,
                      zstdBitsPerSymbol: nil, xzBitsPerSymbol: nil)
        #if canImport(Foundation)
        if runExternalCompressors {
            row.zstdBitsPerSymbol = ExternalCompressor.zstd.compressedBytes(symbols).map { Double($0 * 8) / n }
            row.xzBitsPerSymbol = ExternalCompressor.xz.compressedBytes(symbols).map { Double($0 * 8) / n }
        }
        #endif
        return row
    }

    /// Median seconds of `repetitions` runs, and the last result.
    ///
    /// Time is the calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`): on a quiet machine it
    /// equals wall time; on a shared one it excludes the time other processes held the core.
    func timed<T>(_ body: () throws -> T) throws -> (T, Double) {
        var times: [Double] = []
        var result: T?
        for _ in 0..<max(1, repetitions) {
            let start = Self.threadCPUSeconds()
            result = try body()
            times.append(Self.threadCPUSeconds() - start)
        }
        times.sort()
        return (result!, times[times.count / 2])
    }
}

extension CodecBenchmark {
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
            FileManager.default.createFile(atPath: output.path, contents: nil)
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
