import ArgumentParser
import Training

/// The `subbit` command line: thin commands that parse, call a module, and print.
@main
struct SubBit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subbit",
        abstract: "Sub-bit neural-network weight compression: quantize, entropy-code, model the decoder.",
        version: "0.1.0",
        subcommands: [
            // One line per command; keep alphabetical.
            Bench.self,
            CompressCommand.self,
            CompressSweepCommand.self,
            Decode.self,
            DecoderCommand.self,
            DecompressCommand.self,
            Encode.self,
            Eval.self,
            FuzzCommand.self,
            Inspect.self,
            Merge.self,
            Plot.self,
            Reproduce.self,
            RTLCommand.self,
            Run.self,
            Slurm.self,
            Train.self,
        ])

    /// Pins OpenBLAS's kernel set first (re-executing once), so trained bits depend on the CPU
    /// class only; see `BLASCorePin`.
    static func main() {
        BLASCorePin.reexecuteIfNeeded()
        main(nil)
    }
}
