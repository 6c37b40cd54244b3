import ArgumentParser
import EntropyCoding
import Foundation
import ModelIO
import Quantization

/// `subbit decompress`: `.sbw` → safetensors with dequantized weights and the kept tensors.
struct DecompressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decompress",
        abstract: "Decode a .sbw file back to safetensors: dequantized weights (F32) and the kept tensors.",
        discussion: """
            Every tensor of the compressed model comes back under its name and shape: quantized \
            weights as the exact dequantized values (level × step, bit for bit), the other tensors \
            as stored.
            """)

    @Argument(help: "The compressed model (.sbw).")
    var input: String

    @Option(name: .shortAndLong, help: "The .safetensors file to write.")
    var output: String

    @OptionGroup var decodeLimits: DecodeLimitOptions

    func run() throws {
        let bytes = try failing(input) { try [UInt8](Data(contentsOf: URL(fileURLWithPath: input))) }
        let written: (quantized: Int, kept: Int, parameters: Int)
        do {
            written = try SBWModelCodec.decompress(bytes, limits: decodeLimits.limits, to: URL(fileURLWithPath: output),
                                                   metadata: ["format": "pt", "subbit": "decompressed"])
        } catch let error as FileAccessError {
            throw CommandFailure("\(error)")
        } catch {
            let text = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            throw CommandFailure("\(input) is not a readable compressed model (\(text)); "
                + "create one with 'subbit compress MODEL.safetensors -o \(input)'")
        }
        print("wrote \(output): \(written.quantized) dequantized tensors, \(written.kept) kept tensors, "
            + "\(written.parameters) parameters")
    }
}
