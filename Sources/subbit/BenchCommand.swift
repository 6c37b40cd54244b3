import ArgumentParser

/// `subbit bench <x>`: speed and size measurements, one subcommand per module (release builds
/// only give meaningful numbers).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure how fast and how small SubBit's parts are.",
        subcommands: [
            // One line per benchmark; keep alphabetical.
            BenchCodec.self,
            BenchDecoderCommand.self,
            BenchPlot.self,
            BenchRD.self,
            BenchSoftEntropy.self,
            BenchTrain.self,
        ])
}
