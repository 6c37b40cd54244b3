import ArgumentParser
import ModelIO
import Training

/// `--dataset` and `--model`, shared by `train` and `eval`.
struct DatasetModelOptions: ParsableArguments {
    @Option(help: "Dataset: fashion-mnist or mnist.")
    var dataset: String = "fashion-mnist"

    @Option(help: "Model: mlp, lenet5 or resnet20.")
    var model: String = "lenet5"

    @Option(help: "Worker threads (default: the CPUs this process was given — SLURM_CPUS_PER_TASK or its affinity mask). Results do not depend on it: the same seed gives the same bits on any thread count.")
    var threads: Int = CPUBudget.available

    func validate() throws {
        guard DataCache.Dataset(rawValue: dataset) != nil else {
            throw ValidationError("unknown dataset '\(dataset)'; choose fashion-mnist or mnist")
        }
        guard Architecture(rawValue: model) != nil else {
            throw ValidationError("unknown model '\(model)'; choose mlp, lenet5 or resnet20")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    var datasetValue: DataCache.Dataset { DataCache.Dataset(rawValue: dataset)! }
    var architecture: Architecture { Architecture(rawValue: model)! }

    /// Loads a split, turning a missing file into a clean one-line error.
    func load(_ split: DataCache.Split) throws -> ImageDataset {
        do {
            return try ImageDataset.load(datasetValue, split)
        } catch {
            throw TrainingCommandError("\(error)")
        }
    }
}

/// A user-caused failure: ArgumentParser prints `Error: <message>` once (no usage text)
/// and exits with status 1.
struct TrainingCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
