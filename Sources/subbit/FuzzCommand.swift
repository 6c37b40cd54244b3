import ArgumentParser
import Foundation
import Fuzzing

/// `subbit fuzz`: seeded, time-bounded fuzzing of the file readers (see ``Fuzzer``).
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Fuzz a file reader (sbw, safetensors, npy) with seeded mutations, forged CRCs and size bombs.",
        discussion: """
            Every case must decode or be refused with a message; any other outcome, or a case over \
            10 s of CPU, is a finding and the exit status is 1. The long run of the reliability note:
              subbit fuzz --target sbw --cases 100000 --seed 1
            Reproduce case N alone with --first N --cases 1.
            """)

    @Option(name: .long, help: "Reader to fuzz: sbw, safetensors or npy.")
    var target: String

    @Option(name: .long, help: "Number of cases.")
    var cases = 10_000

    @Option(name: .long, help: "Seed of the case generator.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Index of the first case.")
    var first = 0

    @Option(name: .long, help: "Stop after this many seconds.")
    var seconds: Double?

    func validate() throws {
        guard FuzzTarget(rawValue: target) != nil else {
            throw ValidationError("--target \(target): choose one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard cases >= 1, first >= 0 else { throw ValidationError("--cases must be at least 1 and --first at least 0") }
    }

    func run() throws {
        let fuzzer = Fuzzer(target: FuzzTarget(rawValue: target)!, seed: seed, cases: cases, first: first, timeBudget: seconds)
        let report = fuzzer.run { partial in
            FileHandle.standardError.write(Data("  \(partial.cases) cases…\n".utf8))
        }
        for finding in report.findings { print("finding: \(finding)") }
        print(report.summary)
        if !report.findings.isEmpty { throw ExitCode.failure }
    }
}
