import XCTest
import ModelIO
@testable import Training

final class CheckpointTests: XCTestCase {
    func temporaryURL() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID()).safetensors")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testRoundTripRestoresOutputsAndBatchNormState() throws {
        let model = ModelZoo.make(.resnet20, seed: 1)
        var rng = Xoshiro256(seed: 2)
        let x = GradientCheck.randomTensor([3, 1, 28, 28], rng: &rng)
        _ = model.forward(x, context: ExecutionContext(training: true, threads: 1))   // moves running stats
        let expected = model.forward(x, context: ExecutionContext(training: false)).clone()
        let url = temporaryURL()
        try Checkpoint.save(model, to: url)

        let file = try SafeTensorsFile(contentsOf: url)
        XCTAssertEqual(file["layer1.0.bn1.num_batches_tracked"]?.dtype, .i64)
        XCTAssertEqual(file["layer1.0.bn1.num_batches_tracked"]?.shape, [])
        XCTAssertEqual(file["conv1.weight"]?.shape, [16, 1, 3, 3])
        XCTAssertEqual(file["fc.weight"]?.shape, [10, 64])
        XCTAssertEqual(file.metadata["architecture"], "resnet20")

        let copy = ModelZoo.make(.resnet20, seed: 99)
        try Checkpoint.load(into: copy, from: url)
        XCTAssertEqual(copy.forward(x, context: ExecutionContext(training: false)).toArray(), expected.toArray())
        XCTAssertEqual(copy.batchNormLayers()[0].layer.numBatchesTracked, 1)
    }

    func testShapeMismatchIsRefusedWithTheNamesThatDiffer() throws {
        let url = temporaryURL()
        let model = ModelZoo.make(.lenet5, seed: 1)
        var file = try Checkpoint.stateDict(model)
        file.tensors["fc1.weight"] = try TensorData(floats: Array(repeating: 0, count: 120 * 401), shape: [120, 401])
        try file.write(to: url)
        let target = ModelZoo.make(.lenet5, seed: 2)
        let before = target.namedParameters().map { $0.parameter.value.toArray() }
        XCTAssertThrowsError(try Checkpoint.load(into: target, from: url)) { error in
            guard case let CheckpointError.mismatch(_, _, missing, unexpected, shapes) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(shapes, [.init(name: "fc1.weight", model: [120, 400], checkpoint: [120, 401])])
            XCTAssertTrue(missing.isEmpty && unexpected.isEmpty)
            XCTAssertTrue("\(error)".contains("fc1.weight"))
        }
        // Nothing was loaded.
        XCTAssertEqual(target.namedParameters().map { $0.parameter.value.toArray() }, before)

        XCTAssertThrowsError(try Checkpoint.load(into: ModelZoo.make(.mlp, seed: 0), from: url)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("shapes differ: fc1.weight") && text.contains("not in the model: bn1.bias"), text)
        }
    }

    func testNonStrictLoadSkipsNamesOnlyOneSideHas() throws {
        let url = temporaryURL()
        let source = ModelZoo.make(.lenet5, seed: 3)
        try Checkpoint.save(source, to: url)
        let target = ModelZoo.make(.lenet5, seed: 4)
        let extra = Parameter(Tensor(shape: [1], values: [0.5]))
        final class Extra: WeightTransform {
            let p: Parameter
            init(_ p: Parameter) { self.p = p }
            func forward(weight: Tensor, into effective: Tensor, context: ExecutionContext) { effective.copy(from: weight) }
            func backward(weight: Tensor, gradEffective: Tensor, gradWeight: Tensor, context: ExecutionContext) {}
            func visitParameters(prefix: String, _ body: (String, Parameter) -> Void) { body(prefix + "weight_step", extra) }
            var extra: Parameter { p }
        }
        target.weightLayers()[0].layer.weightTransform = Extra(extra)
        XCTAssertThrowsError(try Checkpoint.load(into: target, from: url))
        try Checkpoint.load(into: target, from: url, strict: false)
        XCTAssertEqual(target.namedParameters().first { $0.name == "conv1.weight" }!.parameter.value.toArray(),
                       source.namedParameters().first { $0.name == "conv1.weight" }!.parameter.value.toArray())
        XCTAssertEqual(extra.value[0], 0.5)
    }
}
