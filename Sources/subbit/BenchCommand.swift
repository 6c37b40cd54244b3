import ArgumentParser

/// `subbit bench <x>`: benchmarks.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark.",
        subcommands: [BenchCodec.self, BenchSoftEntropy.self])
}
