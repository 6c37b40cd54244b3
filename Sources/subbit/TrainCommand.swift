import ArgumentParser
import Foundation
import Plotting
import EntropyCoding
import ModelIO
import Quantization
import Training

/// `subbit train`: train a float model and save it as safetensors.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model (mlp, lenet5, resnet20) on MNIST or Fashion-MNIST: float to .safetensors, or entropy-regularized quantized to .sbw.",
        discussion: """
            Float: defaults follow the recommended recipe for the model (SGD, momentum 0.9, cosine schedule; \
            random crops and flips for resnet20). Progress goes to stderr; the final test accuracy to stdout.
            Example: subbit train --dataset fashion-mnist --model lenet5 --epochs 10 -o lenet5.safetensors

            Quantization-aware (--lambda, --bins or --finetune-from; output .sbw): loss = CE + λ·R with R the \
            soft-histogram entropy of the fake-quantized weights; fine-tuning defaults to Adam lr 0.001, cosine, \
            3 epochs, no weight decay. The model is exported, entropy-coded (tANS) into the .sbw, read back from \
            disk, decoded and evaluated: the accuracy printed is that of the stored file.
            Example: subbit train --lambda 0.03 --bins learned --finetune-from lenet5.safetensors -o lenet5.sbw
            """)

    @OptionGroup var common: DatasetModelOptions

    @Option(help: "Epochs (default: the recipe's).")
    var epochs: Int?

    @Option(help: "Batch size.")
    var batch: Int = 128

    @Option(help: "Base learning rate (default: the recipe's).")
    var lr: Float?

    @Option(help: "Optimizer.")
    var optimizer: TrainingConfiguration.OptimizerKind = .sgd

    @Option(help: "Learning-rate schedule.")
    var schedule: LearningRateSchedule = .cosine

    @Option(help: "Weight decay (default: the recipe's).")
    var weightDecay: Float?

    @Option(help: "Random-crop padding in pixels (default: the recipe's).")
    var cropPadding: Int?

    @Option(help: "Use only the first N training images (quick runs).")
    var limit: Int?

    @Option(help: "Seed for initialization, shuffling and augmentation.")
    var seed: UInt64 = 1

    @Option(name: .shortAndLong, help: "Output: a float checkpoint (.safetensors), or with quantization-aware training a .sbw file.")
    var output: String

    @OptionGroup(title: "Quantization-aware training") var qat: QATTrainingOptions

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let lr, !(lr > 0) { throw ValidationError("--lr must be positive") }
        if let cropPadding, cropPadding < 0 { throw ValidationError("--crop-padding must be ≥ 0") }
        if qat.precisionPlot != nil || qat.precisionTrace != nil {
            guard qat.requested else {
                throw ValidationError("--precision-trace and --precision-plot follow quantization-aware training: add --lambda (e.g. --lambda 0.1)")
            }
            if qat.precisionPlot != nil { _ = try failing { try GnuplotRenderer.locate() } }
        }
        if qat.requested != output.hasSuffix(".sbw") {
            throw ValidationError(qat.requested
                ? "quantization-aware training writes a .sbw file: use -o NAME.sbw"
                : "-o \(output) is a .sbw file, which needs quantization-aware training: add --lambda (e.g. --lambda 0.03) or write a .safetensors")
        }
    }

    func run() throws {
        var config = TrainingConfiguration.recommended(for: common.model, dataset: common.dataset)
        if qat.finetuneFrom != nil {
            // The usual fine-tuning protocol: a few epochs of Adam from the float weights.
            config.epochs = 3
            config.optimizer = .adam
            config.learningRate = 1e-3
            config.weightDecay = 0
            config.augmentation = Augmentation(padding: 0, horizontalFlip: false)
        }
        if let epochs { config.epochs = epochs }
        if let lr { config.learningRate = lr }
        if let weightDecay { config.weightDecay = weightDecay }
        if let cropPadding { config.augmentation.padding = cropPadding }
        config.batchSize = batch
        if qat.finetuneFrom == nil || optimizer != .sgd {
            config.optimizer = optimizer
        }
        if config.optimizer == .adam && lr == nil { config.learningRate = 1e-3 }
        config.schedule = schedule
        config.seed = seed
        config.threads = common.threads

        var trainSet = try common.load(.train)
        let testSet = try common.load(.test)
        if let limit { trainSet = trainSet.prefix(limit) }
        let outputURL = URL(fileURLWithPath: output)
        let folder = outputURL.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw CommandFailure("output folder \(folder.path) does not exist; create it or choose another -o path")
        }

        let model = ModelZoo.make(common.model, seed: seed)
        var top1Float: Double?
        if let base = qat.finetuneFrom {
            let checkpoint = try failing { try SafeTensorsFile(contentsOf: URL(fileURLWithPath: base)) }
            try failing { try Checkpoint.load(into: model, from: checkpoint, source: base) }
            top1Float = 100 * Evaluation.run(model, on: testSet, threads: config.threads).accuracy
        }
        let regularizer = qat.requested ? try QuantizationAwareTraining(model: model, configuration: qat.configuration()) : nil
        if qat.tracesPrecision { regularizer?.traceSamplesPerEpoch = 4 }
        let trainer = Trainer(model: model, configuration: config)
        trainer.regularizer = regularizer
        let progress = ProgressLine()
        trainer.onProgress = { progress.update($0) }
        trainer.onEpochEnd = { progress.finishEpoch($0) }
        FileHandle.standardError.write(Data(("training \(common.model.rawValue) (\(model.parameterCount) parameters) on "
            + "\(common.dataset.rawValue) (\(trainSet.count) images): \(config.epochs) epochs, batch \(config.batchSize), "
            + "\(config.optimizer.rawValue) lr \(config.learningRate), \(config.schedule.rawValue), "
            + "seed \(seed), \(config.threads) thread(s), kernels \(KernelFamily.current)\n").utf8))
        let started = Date()
        trainer.train(on: trainSet, test: nil)
        let seconds = Date().timeIntervalSince(started)
        if let regularizer {
            try finishQuantized(regularizer, top1Float: top1Float, testSet: testSet, threads: config.threads, seconds: seconds)
            return
        }
        let result = Evaluation.run(model, on: testSet, threads: config.threads)
        try Checkpoint.save(model, to: outputURL, metadata: [
            "dataset": common.dataset.rawValue, "epochs": "\(config.epochs)", "seed": "\(seed)",
            "test_accuracy": String(format: "%.4f", result.accuracy),
        ])
        print(String(format: "test accuracy %.2f%% (%d images), %d epochs in %.1f s; saved %@",
                     100 * result.accuracy, result.count, config.epochs, seconds, output))
    }
}

extension Train {
    /// Exports the quantized model, writes it as `.sbw`, reads the file back, decodes it and
    /// evaluates the decoded weights: the accuracy reported is that of what was stored.
    func finishQuantized(_ qat: QuantizationAwareTraining, top1Float: Double?, testSet: ImageDataset,
                         threads: Int, seconds: Double) throws {
        let export = try QATExport(qat, architecture: common.model, floatStorage: self.qat.floatDtype,
                                   exportRDOQ: self.qat.exportRDOQ, testSet: testSet, threads: threads)
        if let moved = export.levelsMoved {
            print("export rounding: RDOQ at μ = \(self.qat.exportRDOQ) (relative) moved \(moved) of \(export.model.quantizedParameterCount) levels")
        }
        let stored = try failing { try SBWRoundTrip(export.model, options: try self.qat.codecOptions()) }
        try failing { try AtomicFile.write(stored.bytes, to: URL(fileURLWithPath: output)) }
        let top1Decoded = try failing { try Evaluation.top1(of: stored.decoded, architecture: common.model, on: testSet, threads: threads) }
        // From scratch, "float" is the latent (unquantized) weights the quantizers saw.
        let float = try top1Float ?? {
            let latent = ModelZoo.make(common.model, seed: 0)
            let state = try Checkpoint.stateDict(qat.model)
            let weights = SafeTensorsFile(tensors: state.tensors.filter { !QuantizationAwareTraining.isQuantizerParameter($0.key) })
            try Checkpoint.load(into: latent, from: weights, source: "latent weights")
            return 100 * Evaluation.run(latent, on: testSet, threads: threads).accuracy
        }()
        let report = QATTrainingReport(model: stored.decoded, file: stored.file, fileBytes: stored.bytes.count)
        print(report.render(top1Float: float, top1Quantized: export.top1Quantized, top1Decoded: top1Decoded, softRate: qat.softRate()))
        print(String(format: "trained in %.1f s; wrote %@", seconds, output))
        if let path = self.qat.precisionTrace {
            try failing { try AtomicFile.write(Array(qat.precisionTrace.csv.utf8), to: URL(fileURLWithPath: path)) }
            print("wrote the precision trace (k and bins per layer, 4 samples per epoch) to \(path)")
        }
        if let folder = self.qat.precisionPlot {
            let title = "\(common.dataset.rawValue) \(common.model.rawValue), λ \(self.qat.lambda ?? 0), seed \(seed)"
            let files = try failing {
                try BinsOverEpochsPlot.render(traceCSV: qat.precisionTrace.csv, file: "precision trace", title: title,
                                              formats: [.svg, .png], to: URL(fileURLWithPath: folder), gnuplot: try GnuplotRenderer.locate())
            }
            print("wrote the bins-over-epochs plot: \(files.map(\.lastPathComponent).joined(separator: ", ")) in \(folder)")
        }
    }
}

/// The live progress line on stderr: rewritten in place with `\r` on a terminal,
/// one line per epoch otherwise (logs and pipes stay readable).
final class ProgressLine {
    private let interactive = isatty(STDERR_FILENO) != 0
    private var lastDraw = Date.distantPast

    func update(_ p: TrainingProgress) {
        guard interactive else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) > 0.1 || p.batch == p.batches else { return }
        lastDraw = now
        write("\r\u{1B}[K" + describe(p))
    }

    func finishEpoch(_ s: EpochSummary) {
        let line = String(format: "epoch %d: loss %.4f, train accuracy %.2f%%, %.0f images/s, %.1f s",
                          s.epoch + 1, s.trainLoss, 100 * s.trainAccuracy, s.imagesPerSecond, s.seconds)
        write((interactive ? "\r\u{1B}[K" : "") + line + "\n")
    }

    private func describe(_ p: TrainingProgress) -> String {
        String(format: "epoch %d/%d  batch %d/%d  loss %.4f  acc %.2f%%  lr %.4f  %.0f img/s  ETA %@",
               p.epoch + 1, p.epochs, p.batch, p.batches, p.loss, 100 * p.accuracy, p.learningRate,
               p.imagesPerSecond, duration(p.remaining))
    }

    private func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                         : String(format: "%d:%02d", s / 60, s % 60)
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}
