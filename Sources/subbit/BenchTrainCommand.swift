import ArgumentParser
import Foundation
import Training

/// `subbit bench train`: training images/s per model and GFLOP/s against the sgemm peak.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training throughput (forward + backward + SGD update) per model, and GFLOP/s vs the sgemm peak.")

    @Option(help: "Models to measure (comma-separated: \(Architecture.allCases.map(\.rawValue).joined(separator: ", "))).")
    var models: String = Architecture.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: "Batch size.")
    var batch: Int = 128

    @Option(help: "Worker threads.")
    var threads: Int = CPUBudget.available

    @Option(help: "Seconds to measure each model.")
    var seconds: Double = 3

    @Option(help: "How 3×3 stride-1 padding-1 convolutions run: row-winograd (F(4, 3) along rows on AVX2 kernels), direct (AVX2 kernels) — both im2col on CPUs without AVX2 + FMA —, im2col or winograd (F(2×2, 3×3)).")
    var convolution: ConvolutionAlgorithm = .rowWinograd

    @Flag(inversion: .prefixedNo, help: "Measure the sgemm peak first (for the % of peak column).")
    var peak = true

    @Flag(name: .customLong("per-layer"), help: "Also time each layer's forward and backward pass (a second run per model).")
    var perLayer = false

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        _ = try CommaList.choices(models, option: "--models") as [Architecture]
    }

    func run() throws {
        let peak = self.peak ? TrainingBenchmark.sgemmPeak(threads: threads) : .nan
        if self.peak {
            print("sgemm peak (\(threads) thread(s), 1024³, one single-threaded sgemm per thread): "
                  + String(format: "%.1f", peak) + " GFLOP/s")
        }
        print("model     batch threads   images/s  median/s  best/s  GFLOP/s  %peak  MFLOP/img  img/CPU-s  CPU use")
        for architecture in try CommaList.choices(models, option: "--models") as [Architecture] {
            let r = TrainingBenchmark.measure(architecture, batchSize: batch,
                                              threads: threads, seconds: seconds, convolution: convolution)
            let label = r.architecture.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
            // Without --peak there is no peak to divide by: "-" rather than "nan%".
            let share = peak.isFinite ? String(format: "%5.1f%%", 100 * r.gflops / peak) : "     -"
            print(label + String(format: " %5d %7d %10.0f %9.0f %7.0f %8.1f ", r.batchSize, r.threads, r.imagesPerSecond,
                                        r.medianImagesPerSecond, r.bestImagesPerSecond, r.gflops)
                  + share + String(format: " %10.2f %10.0f %7.2f", Double(r.flopsPerImage) / 1e6,
                                   r.imagesPerCPUSecond, r.cpuSeconds / r.seconds))
            if perLayer { printProfile(of: r) }
        }
        print("median/s, best/s: images/s of the median and the fastest step. CPU use < threads means other")
        print("processes took CPU time; img/CPU-s × threads estimates a quiet machine.")
    }
}

extension BenchTrain {
    /// A second run of about `--seconds`, with every layer timed; one line per layer.
    func printProfile(of result: TrainingBenchmark.Result) {
        let steps = max(3, Int(result.imagesPerSecond * seconds / Double(batch)))
        let profile = StepProfile.measure(result.architecture, batchSize: batch, threads: threads, steps: steps,
                                           convolution: convolution)
        let step = profile.stepSeconds
        print("  \(result.architecture.rawValue) per layer (\(steps) steps, wall ms per step):")
        print("    layer                 forward  backward   share  GFLOP/s")
        for layer in profile.layers {
            let gflops = Double(layer.trainingFLOPsPerImage * batch) / layer.seconds / 1e9
            print("    " + layer.name.padding(toLength: 20, withPad: " ", startingAt: 0)
                  + String(format: " %8.2f %9.2f %6.1f%%", 1e3 * layer.forwardSeconds, 1e3 * layer.backwardSeconds,
                           100 * layer.seconds / step)
                  + (layer.trainingFLOPsPerImage > 0 ? String(format: " %8.1f", gflops) : "        -"))
        }
        print("    " + "other (loss, update)".padding(toLength: 20, withPad: " ", startingAt: 0)
              + String(format: " %18.2f %6.1f%%", 1e3 * profile.otherSeconds, 100 * profile.otherSeconds / step))
        print("    " + "step".padding(toLength: 20, withPad: " ", startingAt: 0)
              + String(format: " %18.2f  %.0f images/s", 1e3 * step, Double(batch) / step))
    }
}

extension ConvolutionAlgorithm: ExpressibleByArgument {}
