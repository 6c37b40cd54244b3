import ArgumentParser
import ModelIO
import Training

/// `--dataset` and `--model`, shared by `train` and `eval`.
struct DatasetModelOptions: ParsableArguments {
    @Option(help: "Dataset.")
    var dataset: DataCache.Dataset = .fashionMNIST

    @Option(help: "Model.")
    var model: Architecture = .lenet5

    @Option(help: "Worker threads (default: the CPUs this process was given — SLURM_CPUS_PER_TASK or its affinity mask). Results do not depend on it: the same seed gives the same bits on any thread count.")
    var threads: Int = CPUBudget.available

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }


    /// Loads a split, turning a missing file into a clean one-line error.
    func load(_ split: DataCache.Split) throws -> ImageDataset {
        do {
            return try ImageDataset.load(dataset, split)
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}
