import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A property a reader broke: not a refusal with a message, but a wrong answer.
public struct FuzzFinding: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The readers under fuzzing.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `.sbw` decode, inspect and decompress.
    case sbw
    /// safetensors read, compress and decompress.
    case safetensors
    /// `.npy` symbol files.
    case npy
}

/// Seeded, time-bounded fuzzing of one reader, in process: case `i` of seed `s` is generated
/// from `FuzzRandom(seed: s ⊕ i·φ)`, so any case is reproduced alone (`first: i, cases: 1`).
/// Every case must end in a decode or in the reader's own error type with a message; anything
/// else — another error type, a broken round trip, a case over ``caseSeconds`` of CPU time — is a
/// finding. (CPU time, not wall time: on a shared machine a niced run is starved for seconds at
/// a time, which says nothing about the reader; the wall time of the slowest case is reported too.)
/// A crash or a signal ends the process, which is the loudest finding of all.
///
/// ```swift
/// let report = Fuzzer(target: .sbw, seed: 1, cases: 100_000).run()
/// print(report.summary)          // "sbw: 100000 cases (… decoded, … refused) in … s; …"
/// ```
/// - Complexity: O(cases); each case is bounded by its input's size and the readers' limits.
public struct Fuzzer: Sendable {
    public var target: FuzzTarget
    public var seed: UInt64
    public var cases: Int
    public var first: Int
    /// Stop after this many seconds even if fewer cases ran (nil: no bound).
    public var timeBudget: TimeInterval?
    /// A case using more CPU seconds than this is a finding.
    public var caseSeconds: TimeInterval

    public init(target: FuzzTarget, seed: UInt64, cases: Int, first: Int = 0, timeBudget: TimeInterval? = nil,
                caseSeconds: TimeInterval = 10) {
        self.target = target
        self.seed = seed
        self.cases = cases
        self.first = first
        self.timeBudget = timeBudget
        self.caseSeconds = caseSeconds
    }

    /// What a run found.
    public struct Report: Sendable {
        public var target: FuzzTarget
        public var cases = 0
        public var decoded = 0
        public var refused = 0
        public var seconds = 0.0
        /// CPU seconds of the most expensive case, and its index.
        public var slowestSeconds = 0.0
        public var slowestCase = -1
        /// Longest wall time of a case (includes time the machine gave to other processes).
        public var longestWallSeconds = 0.0
        public var peakResidentBytes = 0
        public var findings: [String] = []

        public var summary: String {
            String(format: "%@: %d cases (%d decoded, %d refused with a message) in %.1f s; most expensive case #%d %.3f s CPU; longest wall %.3f s; peak RSS %.0f MiB; %d findings",
                   target.rawValue, cases, decoded, refused, seconds, slowestCase, slowestSeconds, longestWallSeconds,
                   Double(peakResidentBytes) / 1_048_576, findings.count)
        }
    }

    /// The bytes of case `index`.
    public func input(_ index: Int) -> [UInt8] {
        var random = FuzzRandom(seed: seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
        switch target {
        case .sbw: return SBWTarget.generate(&random)
        case .safetensors: return SafeTensorsTarget.generate(&random)
        case .npy: return NPYTarget.generate(&random)
        }
    }

    public func run(progress: ((Report) -> Void)? = nil) -> Report {
        var report = Report(target: target)
        let start = Date()
        for index in first..<(first + cases) {
            if let timeBudget, Date().timeIntervalSince(start) > timeBudget { break }
            let bytes = input(index)
            let caseStart = Date(), cpuStart = Self.cpuSeconds()
            do {
                let decoded: Bool
                switch target {
                case .sbw: decoded = try SBWTarget.feed(bytes)
                case .safetensors: decoded = try SafeTensorsTarget.feed(bytes)
                case .npy: decoded = try NPYTarget.feed(bytes)
                }
                if decoded { report.decoded += 1 } else { report.refused += 1 }
            } catch {
                report.findings.append("case \(index): \(type(of: error)): \(error)")
            }
            let elapsed = Self.cpuSeconds() - cpuStart
            report.longestWallSeconds = max(report.longestWallSeconds, Date().timeIntervalSince(caseStart))
            if elapsed > report.slowestSeconds { (report.slowestSeconds, report.slowestCase) = (elapsed, index) }
            if elapsed > caseSeconds { report.findings.append(String(format: "case %d took %.1f s of CPU (limit %.0f s)", index, elapsed, caseSeconds)) }
            report.cases += 1
            if report.cases % 10_000 == 0 { progress?(report) }
        }
        report.seconds = Date().timeIntervalSince(start)
        report.peakResidentBytes = Self.peakResidentBytes()
        return report
    }

    /// CPU seconds this process has used (all threads).
    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// The process's peak resident set (`ru_maxrss`, KiB on Linux).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}
