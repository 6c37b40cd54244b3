import ArgumentParser
import Foundation
import ModelIO
import Training

/// `subbit eval`: test accuracy of a saved float model.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a safetensors checkpoint on a dataset's test split.",
        discussion: "Example: subbit eval lenet5.safetensors --dataset fashion-mnist --model lenet5")

    @Argument(help: "The checkpoint (.safetensors) written by `subbit train`.")
    var checkpoint: String

    @OptionGroup var common: DatasetModelOptions

    func run() throws {
        let url = URL(fileURLWithPath: checkpoint)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CommandFailure("checkpoint \(checkpoint) not found; train one with `subbit train … -o \(checkpoint)`")
        }
        let model = ModelZoo.make(common.model, seed: 0)
        do {
            try Checkpoint.load(into: model, from: url)
        } catch {
            throw CommandFailure("\(error)")
        }
        let testSet = try common.load(.test)
        let result = Evaluation.run(model, on: testSet, threads: common.threads)
        print(String(format: "test accuracy %.2f%% (%d images), loss %.4f", 100 * result.accuracy, result.count,
                     result.loss))
    }
}
