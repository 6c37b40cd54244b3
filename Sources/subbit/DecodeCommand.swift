import ArgumentParser
import EntropyCoding
import Foundation

/// `subbit decode`: `.sbw` → symbols (.bin / .npy).
struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode a quantized tensor of an .sbw file back to its symbols (.bin or .npy).")

    @Argument(help: "Input .sbw file.")
    var input: String

    @Option(name: .long, help: "Tensor to decode (default: the file's only quantized tensor).")
    var tensor: String?

    @Option(name: .shortAndLong, help: "Output symbols: .bin (one byte per symbol) or .npy (uint8, with the tensor's shape).")
    var output: String

    @OptionGroup var decodeLimits: DecodeLimitOptions

    func validate() throws {
        let ext = URL(fileURLWithPath: output).pathExtension.lowercased()
        guard ext == "bin" || ext == "npy" else {
            throw ValidationError("-o \(output): the output must be a .bin or .npy file")
        }
    }

    func run() throws {
        let file = try readSBW(path: input, limits: decodeLimits.limits)
        let quantized = file.tensors.filter { if case .quantized = $0.payload { return true } else { return false } }
        let chosen: SBWTensor
        if let tensor {
            guard let t = quantized.first(where: { $0.name == tensor }) else {
                throw CommandFailure("\(input): no quantized tensor named '\(tensor)'; it has: \(quantized.map(\.name).joined(separator: ", "))")
            }
            chosen = t
        } else {
            guard quantized.count == 1 else {
                throw CommandFailure(quantized.isEmpty ? "\(input): the file holds no quantized tensor"
                    : "\(input): the file holds \(quantized.count) quantized tensors; pick one with --tensor (\(quantized.map(\.name).joined(separator: ", ")))")
            }
            chosen = quantized[0]
        }
        guard case .quantized(let q) = chosen.payload else { return }
        let symbols: [UInt8]
        do {
            symbols = try q.symbols()
        } catch let error as EntropyCodingError {
            throw CommandFailure("\(input): tensor \(chosen.name): \(error.description)")
        }
        try SymbolFile.write(symbols, shape: chosen.shape, path: output)
        print("\(chosen.name): \(symbols.count) symbols → \(output)")
    }
}
