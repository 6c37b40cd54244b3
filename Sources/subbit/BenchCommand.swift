import ArgumentParser

/// `subbit bench <x>`: speed measurements (noisy on a busy machine; re-measure on a quiet one).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the speed of SubBit's components.",
        subcommands: [
            // One line per benchmark; keep alphabetical.
            BenchCodec.self,
            BenchDecoderCommand.self,
            BenchSoftEntropy.self,
        ])
}
