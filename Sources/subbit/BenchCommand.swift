import ArgumentParser

/// `subbit bench <x>`: throughput measurements (run on a release build).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure throughput (use a release build).",
        subcommands: [
            BenchTrain.self,
        ])
}
