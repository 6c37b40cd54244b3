import ArgumentParser
import EntropyCoding
import Foundation
import Quantization

/// `subbit bench soft-entropy`: speed of the differentiable entropy that training calls every step.
struct BenchSoftEntropy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soft-entropy",
        abstract: "Time SoftEntropy (value, and value + gradients) on seeded Gaussian weights.",
        discussion: "Single core, median of the repetitions, nanoseconds per weight; build with -c release.")

    @Option(help: "Weights per evaluation.")
    var weights: Int = 1 << 20

    @Option(help: "Softmax temperature τ.")
    var temperature: Double = 0.25

    @Option(help: "Comma-separated bin counts.")
    var bins: String = "3,15,255"

    @Option(help: "Timing repetitions (the median is reported).")
    var repetitions: Int = 5

    func run() throws {
        guard weights > 0, repetitions > 0 else { throw ValidationError("--weights and --repetitions must be positive") }
        guard temperature.isFinite, temperature > 0 else { throw ValidationError("--temperature must be a positive number") }
        let binCounts = try CommaList.parse(bins, option: "--bins", what: "an odd bin count from 1 to \(BinCount.maximum)",
                                            example: "3,15,255") { Int($0).flatMap { BinCount.isValid($0) ? $0 : nil } }
        // Seeded Box–Muller Gaussian weights (σ = 1; the step sets the scale).
        var state: UInt64 = 0x50F7_E47B
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / Double(1 << 53)
        }
        let w = (0..<weights).map { _ in Float((-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform())) }
        var gradient = [Float](repeating: 0, count: weights)
        let soft = SoftEntropy(temperature: temperature)
        print("SoftEntropy τ=\(temperature), window radius \(soft.windowRadius), \(weights) weights, median of \(repetitions)")
        print("bins  step    Ĥ bits  value ns/w  value+grad ns/w")
        for n in binCounts {
            let step = Float(6.0 / Double(max(n, 2)))    // covers ±3σ
            var h = 0.0
            let value = median(repetitions) { h = soft.entropy(weights: w, step: step, bins: n) }
            let both = median(repetitions) {
                gradient.withUnsafeMutableBufferPointer { g in
                    w.withUnsafeBufferPointer { _ = soft.accumulateGradient(weights: $0, step: step, bins: n, into: g) }
                }
            }
            let perWeight = { (s: Double) in String(format: "%.2f", s * 1e9 / Double(weights)) }
            print(String(format: "%4d  %.4f  %.4f", n, step, h) + "  " + perWeight(value).leftPad(10)
                + "  " + perWeight(both).leftPad(15))
        }
    }

    func median(_ count: Int, _ body: () -> Void) -> Double {
        var times = [Double]()
        for _ in 0..<count {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[count / 2]
    }
}

private extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
