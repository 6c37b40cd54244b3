import Foundation
import ModelIO

/// Model checkpoints as safetensors with PyTorch `state_dict` names and layouts
/// (`conv1.weight` `[out, in, kh, kw]`, `bn1.running_var`, `bn1.num_batches_tracked` I64,
/// `fc.weight` `[out, in]`), so a model trained here loads in PyTorch and back.
///
/// ```swift
/// try Checkpoint.save(model, to: URL(fileURLWithPath: "lenet5.safetensors"))
/// let copy = ModelZoo.make(.lenet5, seed: 0)
/// try Checkpoint.load(into: copy, from: URL(fileURLWithPath: "lenet5.safetensors"))
/// ```
public enum Checkpoint {
    /// The model's state: every parameter and buffer, plus batch counters as I64 scalars.
    public static func stateDict(_ model: Model) throws -> SafeTensorsFile {
        var tensors: [String: TensorData] = [:]
        for (name, p) in model.namedParameters() {
            tensors[name] = try TensorData(floats: p.value.toArray(), shape: p.value.shape)
        }
        for (name, t) in model.namedBuffers() {
            tensors[name] = try TensorData(floats: t.toArray(), shape: t.shape)
        }
        for (name, bn) in model.batchNormLayers() {
            tensors[name + ".num_batches_tracked"] = try TensorData(integers: [Int64(bn.numBatchesTracked)], shape: [])
        }
        return SafeTensorsFile(tensors: tensors, metadata: ["architecture": model.architecture.rawValue,
                                                           "format": "pt"])
    }

    /// Writes the model atomically (temporary file + rename).
    public static func save(_ model: Model, to url: URL, metadata: [String: String] = [:]) throws {
        var file = try stateDict(model)
        file.metadata.merge(metadata) { _, new in new }
        try file.write(to: url)
    }

    /// Loads `url` into `model`, refusing a file whose tensor names or shapes differ from
    /// the model's (nothing is changed then). With `strict: false`, names only one side has
    /// are skipped — e.g. to fine-tune from a float checkpoint after installing weight
    /// transforms whose parameters it lacks; differing shapes are always refused.
    public static func load(into model: Model, from url: URL, strict: Bool = true) throws {
        try load(into: model, from: SafeTensorsFile(contentsOf: url), source: url.path, strict: strict)
    }

    ///
    /// With `requireTrainingState: false` a missing `num_batches_tracked` counter is not an error
    /// (the counter keeps its value): what a file compressed with `--drop-training-state` decodes to.
    public static func load(into model: Model, from file: SafeTensorsFile, source: String = "checkpoint",
                            strict: Bool = true, requireTrainingState: Bool = true) throws {
        var expected: [(String, [Int], Tensor?)] = []
        for (name, p) in model.namedParameters() { expected.append((name, p.value.shape, p.value)) }
        for (name, t) in model.namedBuffers() { expected.append((name, t.shape, t)) }
        for (name, _) in model.batchNormLayers() { expected.append((name + ".num_batches_tracked", [], nil)) }

        let expectedNames = Set(expected.map(\.0))
        let missing = strict ? expected.map(\.0).filter {
            file.tensors[$0] == nil && (requireTrainingState || !$0.hasSuffix(".num_batches_tracked"))
        } : []
        let unexpected = strict ? file.names.filter { !expectedNames.contains($0) } : []
        var shapes: [CheckpointError.ShapeMismatch] = []
        for (name, shape, _) in expected {
            if let t = file.tensors[name], t.shape != shape {
                shapes.append(.init(name: name, model: shape, checkpoint: t.shape))
            }
        }
        guard missing.isEmpty, unexpected.isEmpty, shapes.isEmpty else {
            throw CheckpointError.mismatch(source: source, architecture: model.architecture.rawValue,
                                           missing: missing, unexpected: unexpected, shapes: shapes)
        }
        // Convert everything before touching the model, so a bad tensor changes nothing.
        var values: [(Tensor, [Float])] = []
        for (name, _, tensor) in expected {
            guard let tensor, let stored = file.tensors[name] else { continue }
            values.append((tensor, try stored.floats()))
        }
        for (tensor, floats) in values {
            floats.withUnsafeBufferPointer { tensor.pointer.update(from: $0.baseAddress!, count: floats.count) }
        }
        for (name, bn) in model.batchNormLayers() {
            if let counter = file.tensors[name + ".num_batches_tracked"] {
                bn.numBatchesTracked = Int(try counter.integers().first ?? 0)
            }
        }
    }
}

/// A checkpoint that does not fit the model it is loaded into.
public enum CheckpointError: Error, Equatable, LocalizedError, CustomStringConvertible {
    public struct ShapeMismatch: Equatable, Sendable {
        public var name: String
        public var model: [Int]
        public var checkpoint: [Int]
    }

    case mismatch(source: String, architecture: String, missing: [String], unexpected: [String], shapes: [ShapeMismatch])

    public var description: String {
        switch self {
        case let .mismatch(source, architecture, missing, unexpected, shapes):
            var parts: [String] = []
            if !shapes.isEmpty {
                parts.append("shapes differ: " + Self.list(shapes.map {
                    "\($0.name) (model \($0.model), checkpoint \($0.checkpoint))"
                }))
            }
            if !missing.isEmpty { parts.append("missing: " + Self.list(missing)) }
            if !unexpected.isEmpty { parts.append("not in the model: " + Self.list(unexpected)) }
            return "\(source) does not match a \(architecture) model — " + parts.joined(separator: "; ")
                + ". Fix: pass the --model the checkpoint was trained with, or retrain it."
        }
    }

    public var errorDescription: String? { description }

    /// The first few names, then a count: a whole-model mismatch stays one readable line.
    private static func list(_ names: [String], limit: Int = 6) -> String {
        names.count <= limit ? names.joined(separator: ", ")
            : names.prefix(limit).joined(separator: ", ") + " and \(names.count - limit) more"
    }
}
