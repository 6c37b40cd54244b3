import Foundation
import TestSupport
import XCTest

/// End-to-end: `subbit train`, `subbit eval`, `subbit bench train` on the built binary.
final class TrainCommandTests: XCTestCase {
    private func accuracy(in text: String) -> Double? {
        guard let range = text.range(of: #"test accuracy ([0-9.]+)%"#, options: .regularExpression) else { return nil }
        let match = text[range].dropFirst("test accuracy ".count).dropLast()
        return Double(match)
    }

    private func requireFashionMNIST() throws {
        let debian = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
        let cache = (ProcessInfo.processInfo.environment["SUBBIT_DATA"] ?? "") + "/fashion-mnist/t10k-images-idx3-ubyte.gz"
        guard FileManager.default.fileExists(atPath: debian) || FileManager.default.fileExists(atPath: cache) else {
            throw XCTSkip("Fashion-MNIST is not installed (Scripts/setup.sh installs it)")
        }
    }

    func testTrainThenEvaluateMLPOnFashionMNIST() throws {
        try requireFashionMNIST()
        let dir = try temporaryFolder()
        let train = try SubBitCLI.run(["train", "--dataset", "fashion-mnist", "--model", "mlp", "--epochs", "1",
                                       "--limit", "4000", "--batch", "64", "--threads", "2", "-o", "mlp.safetensors"],
                                      in: dir)
        XCTAssertEqual(train.status, 0, train.stderr)
        // stderr is not a terminal here: one line per epoch, no carriage returns.
        XCTAssertTrue(train.stderr.contains("epoch 1: loss"), train.stderr)
        XCTAssertFalse(train.stderr.contains("\r"))
        let trained = try XCTUnwrap(accuracy(in: train.stdout), train.stdout)
        XCTAssertGreaterThan(trained, 70, "a fraction of an epoch should be far above chance (10 %)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("mlp.safetensors").path))

        let eval = try SubBitCLI.run(["eval", "mlp.safetensors", "--dataset", "fashion-mnist", "--model", "mlp"], in: dir)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertEqual(accuracy(in: eval.stdout), trained)

        let wrong = try SubBitCLI.run(["eval", "mlp.safetensors", "--dataset", "fashion-mnist", "--model", "lenet5"],
                                      in: dir)
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("does not match a lenet5 model"), wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("fc1.weight (model [120, 400], checkpoint [300, 784])"), wrong.stderr)
    }

    /// Quantization-aware fine-tuning from a float checkpoint into `.sbw`: the printed decoded
    /// accuracy is that of the written file (re-evaluated here with `subbit eval` after
    /// `subbit decompress`), and the per-layer table lists every quantized layer.
    func testQuantizationAwareFineTuningWritesAnSBWAndReportsItsDecodedAccuracy() throws {
        try requireFashionMNIST()
        let dir = try temporaryFolder()
        let base = try SubBitCLI.run(["train", "--model", "mlp", "--epochs", "1", "--limit", "3000", "-o", "base.safetensors"], in: dir)
        XCTAssertEqual(base.status, 0, base.stderr)
        let qat = try SubBitCLI.run(["train", "--model", "mlp", "--epochs", "1", "--limit", "3000", "--lambda", "0.05",
                                     "--bins", "learned", "--finetune-from", "base.safetensors", "-o", "mlp.sbw"], in: dir)
        XCTAssertEqual(qat.status, 0, qat.stderr)
        for layer in ["fc1.weight", "fc2.weight", "fc3.weight"] { XCTAssertTrue(qat.stdout.contains("| \(layer) |"), qat.stdout) }
        XCTAssertTrue(qat.stdout.contains("bits per parameter, whole file:"), qat.stdout)
        let decodedRange = try XCTUnwrap(qat.stdout.range(of: #"decoded from \.sbw ([0-9.]+)%"#, options: .regularExpression), qat.stdout)
        let decoded = Double(qat.stdout[decodedRange].dropFirst("decoded from .sbw ".count).dropLast())
        let restored = try SubBitCLI.run(["decompress", "mlp.sbw", "-o", "restored.safetensors"], in: dir)
        XCTAssertEqual(restored.status, 0, restored.stderr)
        let eval = try SubBitCLI.run(["eval", "restored.safetensors", "--model", "mlp"], in: dir)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertEqual(accuracy(in: eval.stdout), decoded, "the reported accuracy is the stored file's")

        let wrongOutput = try SubBitCLI.run(["train", "--model", "mlp", "--lambda", "0.05", "-o", "x.safetensors"], in: dir)
        XCTAssertNotEqual(wrongOutput.status, 0)
        XCTAssertTrue(wrongOutput.stderr.contains("use -o NAME.sbw"), wrongOutput.stderr)
        let badBins = try SubBitCLI.run(["train", "--model", "mlp", "--bins", "4", "-o", "x.sbw"], in: dir)
        XCTAssertNotEqual(badBins.status, 0)
        XCTAssertTrue(badBins.stderr.contains("use an odd number"), badBins.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.sbw").path))
    }

    func testMissingDataNamesTheFetchScript() throws {
        let dir = try temporaryFolder()
        let previous = ProcessInfo.processInfo.environment["SUBBIT_DATA"]
        setenv("SUBBIT_DATA", dir.appendingPathComponent("empty-cache").path, 1)
        defer {
            if let previous { setenv("SUBBIT_DATA", previous, 1) } else { unsetenv("SUBBIT_DATA") }
        }
        let result = try SubBitCLI.run(["train", "--dataset", "mnist", "--model", "mlp", "--epochs", "1",
                                        "-o", "out.safetensors"], in: dir)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("Scripts/fetch-data.sh"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.safetensors").path))
    }

    func testBadArgumentsAreRefused() throws {
        let unknownModel = try SubBitCLI.run(["train", "--model", "vgg", "-o", "x.safetensors"])
        XCTAssertNotEqual(unknownModel.status, 0)
        XCTAssertTrue(unknownModel.stderr.contains("'vgg' is invalid for '--model") && unknownModel.stderr.contains("'lenet5'"), unknownModel.stderr)
        let missing = try SubBitCLI.run(["eval", "/nonexistent/model.safetensors"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("not found"), missing.stderr)
    }

    func testBenchTrainReportsThroughput() throws {
        let result = try SubBitCLI.run(["bench", "train", "--models", "mlp", "--seconds", "0.2", "--threads", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("sgemm peak"), result.stdout)
        XCTAssertTrue(result.stdout.contains("mlp"), result.stdout)
    }

    func testBenchTrainPerLayerTimesEveryLayer() throws {
        let result = try SubBitCLI.run(["bench", "train", "--models", "lenet5", "--batch", "4", "--seconds", "0.1",
                                        "--threads", "1", "--no-peak", "--per-layer"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("lenet5 per layer"), result.stdout)
        XCTAssertFalse(result.stdout.contains("nan"), "no peak measured: the %peak column says \"-\"\n\(result.stdout)")
        for row in ["conv1", "conv2", "fc3", "other (loss, update)", "step"] {
            XCTAssertTrue(result.stdout.contains("    \(row) "), "\(row) missing from\n\(result.stdout)")
        }
    }

    func testBenchTrainRunsResNetWithEveryConvolutionAlgorithm() throws {
        for algorithm in ["row-winograd", "direct", "im2col", "winograd"] {
            let result = try SubBitCLI.run(["bench", "train", "--models", "resnet20", "--batch", "4", "--seconds", "0.1",
                                            "--no-peak", "--convolution", algorithm])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stdout.contains("resnet20"), result.stdout)
        }
        let wrong = try SubBitCLI.run(["bench", "train", "--convolution", "fft"])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("fft"), wrong.stderr)
    }
}
