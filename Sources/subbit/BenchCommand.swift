import ArgumentParser

/// `subbit bench <x>`: speed and size benchmarks (release builds only give meaningful numbers).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: codec, training.",
        subcommands: [
            BenchCodec.self,
            BenchTrain.self,
        ])
}
