import ArgumentParser

/// `subbit bench <x>`: speed measurements, one subcommand per module.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure how fast SubBit's parts run.",
        subcommands: [
            // One line per benchmark; keep alphabetical.
            BenchPlot.self,
        ])
}
