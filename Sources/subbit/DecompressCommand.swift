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
        let model: QuantizedModel
        do {
            model = try SBWModelCodec.decode(bytes, limits: decodeLimits.limits)
        } catch {
            let text = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            throw CommandFailure(message: "\(input) is not a readable compressed model (\(text)); "
                + "create one with 'subbit compress MODEL.safetensors -o \(input)'")
        }
        let file = try failing { try model.dequantized(metadata: ["format": "pt", "subbit": "decompressed"]) }
        try failing { try file.write(to: URL(fileURLWithPath: output)) }
        print("wrote \(output): \(model.quantized.count) dequantized tensors, \(model.kept.count) kept tensors, "
            + "\(model.parameterCount) parameters")
    }
}
