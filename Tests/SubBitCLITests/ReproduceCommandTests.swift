import Foundation
import ModelIO
import TestSupport
import XCTest

/// End-to-end tests of `subbit reproduce` on a tiny paper spec: one study trained here (LeNet-5 on
/// Fashion-MNIST: an untrained baseline — 0 epochs, to keep the test short — and one epoch of QAT
/// per λ) and one pretrained study on a small model made in the test.
final class ReproduceCommandTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    private func requireFashionMNIST() throws {
        let debian = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
        let cache = (ProcessInfo.processInfo.environment["SUBBIT_DATA"] ?? "") + "/fashion-mnist/t10k-images-idx3-ubyte.gz"
        guard FileManager.default.fileExists(atPath: debian) || FileManager.default.fileExists(atPath: cache) else {
            throw XCTSkip("Fashion-MNIST is not installed (Scripts/setup.sh installs it)")
        }
    }

    /// A small "pretrained" model: two conv/linear weights with biases, Gaussian values.
    func writeTinyModel(to url: URL) throws {
        var state: UInt64 = 7
        func normal() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u = Float(state >> 40) / Float(1 << 24)
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let v = Float(state >> 40) / Float(1 << 24)
            return (-2 * log(max(u, 1e-7))).squareRoot() * cos(2 * .pi * v)
        }
        var file = SafeTensorsFile()
        for (name, shape) in [("conv1.weight", [16, 3, 3, 3]), ("fc1.weight", [64, 144])] {
            let n = shape.reduce(1, *)
            file.tensors[name] = try TensorData(floats: (0..<n).map { _ in normal() * 0.1 }, shape: shape)
            file.tensors[name.replacingOccurrences(of: "weight", with: "bias")] =
                try TensorData(floats: (0..<shape[0]).map { _ in normal() * 0.01 }, shape: [shape[0]])
        }
        try file.write(to: url)
    }

    func writeMiniSpec(in folder: URL) throws {
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("Experiments"), withIntermediateDirectories: true)
        try writeTinyModel(to: folder.appendingPathComponent("tiny.safetensors"))
        let tech = Self.repository.appendingPathComponent("Experiments/tech/asic-22nm.yaml").path
        try """
        experiment: mini
        description: A two-study check of the reproduction plumbing.
        studies:
          - name: lenet
            description: LeNet-5, one epoch of QAT
            dataset: fashion-mnist
            model: lenet5
            baseline: {epochs: 0}
            finetune: {epochs: 1, batch: 256}
            sweep:
              lambda: [0, 0.1]
              table_log: [8]
            decoder: {tech: \(tech)}
            outputs: {plots: [frontier, bins-per-layer], formats: [svg]}
          - name: tiny
            description: a small model made by the test
            pretrained: tiny.safetensors
            calibration: rd
            sweep: {rate_weight: [0.1, 4], table_log: [8, 10], lanes: [1, 4]}
            decoder: {tech: \(tech), compute_weights_per_cycle: 4}
            outputs: {plots: [decoders, layer-memory], formats: [svg]}
        """.write(to: folder.appendingPathComponent("Experiments/mini.yaml"), atomically: true, encoding: .utf8)
    }

    /// Every regular file under `folder`, by relative path, with its bytes.
    func files(under folder: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return out }
        for case let url as URL in walker where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            let relative = String(url.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count + 1))
            out[relative] = try Data(contentsOf: url)
        }
        return out
    }

    func testReproduceRunsEveryStudyWritesTablesAndRegeneratesThemFromTheCSVs() throws {
        try requireFashionMNIST()
        let folder = try temporaryFolder()
        try writeMiniSpec(in: folder)
        let first = try SubBitCLI.run(["reproduce", "Experiments/mini.yaml", "--cache", "cache"], in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("mini: 2 studies, 10 points"), first.stdout)
        XCTAssertTrue(first.stdout.contains("lenet: 2 points, 2 trainings; operating point"), first.stdout)
        XCTAssertTrue(first.stdout.contains("tables: Results/mini/tables.md"), first.stdout)
        XCTAssertNotNil(first.stdout.range(of: #"done in [0-9.]+ s"#, options: .regularExpression), first.stdout)

        let results = folder.appendingPathComponent("Results/mini")
        for study in ["lenet", "tiny"] {
            for name in ["runs.csv", "layers.csv", "pareto.csv"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: results.appendingPathComponent("\(study)/\(name)").path), "\(study)/\(name)")
            }
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Plots/mini/lenet/frontier.svg").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Plots/mini/tiny/decoders.svg").path))
        let tables = try String(contentsOf: results.appendingPathComponent("tables.md"), encoding: .utf8)
        for fragment in ["# mini: SubBit's reproduction", "`subbit reproduce Experiments/mini.yaml`",
                         "paper (ImageNet ResNet-18/50, as quoted): ResNet-18", "SubBit substitute: LeNet-5 on Fashion-MNIST, trained here",
                         "SubBit substitute: tiny.safetensors weights, post-training compression",
                         "## 2. Below one bit per weight", "| lenet | learned (", "### 4a. Bins per layer (Figure 4)",
                         "**tiny** — SubBit substitute: tiny.safetensors weights, post-training compression, μ = ", "## 5. Decoder configurations"] {
            XCTAssertTrue(tables.contains(fragment), fragment)
        }

        // The regeneration path: from the CSVs alone, the same tables and plots, byte for byte.
        let plots = folder.appendingPathComponent("Plots/mini")
        let before = try files(under: plots)
        try FileManager.default.removeItem(at: plots)
        try FileManager.default.removeItem(at: results.appendingPathComponent("tables.md"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("cache"))
        let again = try SubBitCLI.run(["reproduce", "Experiments/mini.yaml", "--tables-only"], in: folder)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try String(contentsOf: results.appendingPathComponent("tables.md"), encoding: .utf8), tables)
        let after = try files(under: plots)
        XCTAssertEqual(Set(after.keys), Set(before.keys))
        for (name, data) in before { XCTAssertEqual(after[name], data, name) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("cache").path), "--tables-only runs nothing")
    }

    func testTablesOnlyWithoutResultsNamesTheMissingFile() throws {
        let folder = try temporaryFolder()
        try writeMiniSpec(in: folder)
        let r = try SubBitCLI.run(["reproduce", "Experiments/mini.yaml", "--tables-only"], in: folder)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("Results/mini/lenet/runs.csv is missing"), r.stderr)
        XCTAssertTrue(r.stderr.contains("without --tables-only"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Results/mini/tables.md").path))
    }

    /// A bad paper spec: one clear error naming file, line and key path; exit 2; nothing written.
    func testBadPaperSpecExitsTwoAndWritesNothing() throws {
        let good = "  - name: a\n    pretrained: mobilenet_v2\n    sweep: {rate_weight: [1]}\n"
        let cases: [(yaml: String, expected: String)] = [
            ("studies:\n" + good + "  - name: b\n    pretrained: mobilenet_v2\n    sweep: {rate_weight: [1], lane: [4]}\n",
             "bad.yaml:7:31: studies[1].sweep.lane: unknown key. Did you mean 'lanes'?"),
            ("studies:\n" + good + good, "bad.yaml:5:11: studies[1].name: the study name 'a' is already used by studies[0]"),
            ("experiment: paper\ndescription: no studies\n", "bad.yaml:1:1: studies: required key is missing."),
        ]
        for c in cases {
            let folder = try temporaryFolder()
            try c.yaml.write(to: folder.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
            let r = try SubBitCLI.run(["reproduce", "bad.yaml", "--cache", "cache"], in: folder)
            XCTAssertEqual(r.status, 2, c.expected)
            XCTAssertTrue(r.stderr.contains(c.expected), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["bad.yaml"], "nothing written")
        }
    }

    /// A study whose data is missing stops the reproduction before any study runs.
    func testMissingPretrainedModelStopsBeforeAnythingRuns() throws {
        let folder = try temporaryFolder()
        try writeMiniSpec(in: folder)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("tiny.safetensors"))
        let r = try SubBitCLI.run(["reproduce", "Experiments/mini.yaml", "--cache", "cache"], in: folder)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("studies[1] (tiny): pretrained model tiny.safetensors not found"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Results").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("cache").path))
    }
}
