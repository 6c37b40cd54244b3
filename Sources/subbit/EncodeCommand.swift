import ArgumentParser
import EntropyCoding
import Foundation

/// `subbit encode`: symbols (.bin / .npy) → `.sbw`.
struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Entropy-code a quantized symbol stream into an .sbw file.",
        discussion: "SYMBOLS is a .bin file (one byte per symbol) or a .npy integer array; each symbol must be < --bins.")

    @Argument(help: "Input symbols: .bin (one byte per symbol) or .npy of integers.")
    var symbols: String

    @Option(name: .long, help: "Number of quantization bins N = 2K + 1 (odd, 1…255).")
    var bins: Int

    @Option(name: .customLong("table-log"), help: "tANS table log R (5…15); rANS precision for --codec rans.")
    var tableLog: Int = 12

    /// The default lane count of `encode` and `compress`: 16 split lanes, which the AVX2 quad
    /// kernels decode at about twice FSE's speed in software (four 4-lane chains of gathers in
    /// flight), where one lane is a single latency-bound chain of table lookups. Hardware sweeps
    /// (`subbit decoder`) still choose their own P.
    static let defaultLanes = 16

    @Option(name: .long, help: ArgumentHelp(
        "Decoder lanes P (1…64); symbol i goes to lane i mod P.",
        discussion: "Default 16 split lanes: the AVX2 kernels decode them at 1.0–1.5 G symbols/s on one core (subbit bench codec), where FSE decodes ~0.6 G and one lane, a single serial chain of table lookups, ~0.45 G. Each extra lane costs its initial state, its stream length and up to 7 padding bits in the file (about 30–40 bits), which matters only for tensors of a few thousand weights; pass --lanes 1 for the smallest file."))
    var lanes: Int = Encode.defaultLanes

    @Option(name: .long, help: "Lane layout: split (offsets in the header) or interleaved (one stream).")
    var layout: TANSLayout = .split

    @Option(name: .long, help: "Codec.")
    var codec: CodecKind = .tans

    @Option(name: .long, help: "Quantization step Δ stored with the tensor (symbol s means (s − K)·Δ).")
    var step: Float = 1

    @Option(name: .long, help: "Tensor name stored in the file (default: the input file's name).")
    var name: String?

    @Option(name: .shortAndLong, help: "Output .sbw file.")
    var output: String

    func validate() throws {
        guard BinCount.isValid(bins) else {
            throw ValidationError("--bins \(bins) is invalid: bins must be odd and in 1…\(BinCount.maximum) (N = 2K + 1)")
        }
        guard TANSCodec.tableLogs.contains(tableLog) else {
            throw ValidationError("--table-log \(tableLog) is out of range: pick a table log R in 5…15")
        }
        guard TANSCodec.laneCounts.contains(lanes) else {
            throw ValidationError("--lanes \(lanes) is out of range: pick 1…64 lanes")
        }
        guard URL(fileURLWithPath: output).pathExtension.lowercased() == "sbw" else {
            throw ValidationError("-o \(output): the output must be an .sbw file")
        }
        guard step.isFinite else { throw ValidationError("--step must be a finite number") }
    }

    func run() throws {
        let (values, shape) = try SymbolFile.read(path: symbols)
        let bins = self.bins   // read once: the property wrapper's getter is not free per symbol
        if let bad = values.firstIndex(where: { Int($0) >= bins }) {
            throw CommandFailure("\(symbols): symbol \(values[bad]) at index \(bad) is not below --bins \(bins); pass the bin count the symbols were quantized with")
        }
        let configuration: CodecConfiguration
        switch codec {
        case .tans: configuration = .tans(tableLog: tableLog, lanes: lanes, layout: layout)
        case .huffman: configuration = .huffman()
        case .fixedWidth: configuration = .fixedWidth
        case .rans: configuration = .rans(precisionBits: tableLog)
        }
        let tensorName = name ?? URL(fileURLWithPath: symbols).deletingPathExtension().lastPathComponent
        let file: SBWFile
        do {
            let quantized = try SBWQuantizedTensor(symbols: values, step: step, bins: bins, codec: configuration)
            file = SBWFile(metadata: ["source": URL(fileURLWithPath: symbols).lastPathComponent],
                           tensors: [try SBWTensor(name: tensorName, shape: shape, payload: .quantized(quantized))])
        } catch let error as EntropyCodingError {
            throw CommandFailure("\(symbols): \(error.description)")
        }
        do {
            try file.write(to: URL(fileURLWithPath: output))
        } catch {
            throw CommandFailure("\(output): cannot write the file (\(error.localizedDescription)); check the directory exists and is writable")
        }
        let tensor = file.tensors[0]
        let n = max(1, values.count)
        print(String(format: "%@: %d symbols, %d bins, %@ → %d bytes (%.4f bits/symbol coded, %.4f with every stored byte)",
                     tensorName, values.count, bins, codec.rawValue, file.serialized().count,
                     Double(tensor.codedBits) / Double(n), Double(tensor.storedBits) / Double(n)))
    }
}
