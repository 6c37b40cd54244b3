import ArgumentParser
import DecoderHardware
import Foundation
import StrictYAML

/// `subbit bench decoder`: analytic decoder-model evaluations per second.
struct BenchDecoderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decoder",
        abstract: "Analytic decoder-model evaluations per second (target ≥ 100000).")

    @Option(help: "Technology file.")
    var tech = "Experiments/tech/asic-22nm.yaml"

    @Option(help: "Minimum measuring time, seconds.")
    var seconds = 1.0

    func validate() throws {
        guard seconds > 0, seconds.isFinite else {
            throw ValidationError("--seconds must be a positive number of seconds, e.g. --seconds 1")
        }
    }

    func run() throws {
        do {
            let technology = try Technology.load(contentsOf: URL(fileURLWithPath: tech))
            let result = try DecoderBenchmark.run(technology: technology, minimumSeconds: seconds)
            print("decoder model (\(technology.name), MobileNetV2-shaped, \(result.layersPerModel) layers): "
                  + "\(result.evaluations) evaluations in \(String(format: "%.3f", result.seconds)) s")
            print(String(format: "evaluations per second: %.0f", result.evaluationsPerSecond))
            print(String(format: "layer evaluations per second: %.0f", result.layerEvaluationsPerSecond))
        } catch let error as SpecError {
            throw CommandFailure(error.description)
        }
    }
}
