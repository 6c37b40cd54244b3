import Quantization

/// The end of entropy-regularized training, shared by `subbit train --lambda` and every sweep
/// point of a trained study, so the two cannot drift apart: export the hard-quantized model
/// with its float tensors stored as asked, optionally choose the levels again by RDOQ from the
/// latent weights training ended with (``ExportRDOQ``), and measure what only the training
/// process can — top-1 of the exported weights in memory and the layer with the lowest SQNR
/// against those latent weights.
///
/// ```swift
/// let export = try QATExport(qat, architecture: .lenet5, floatStorage: .float16, exportRDOQ: 0,
///                            testSet: testSet, threads: 2)
/// print(export.top1Quantized, export.model.quantizedParameterCount)
/// ```
///
/// - Complexity: one pass over the weights (two with RDOQ) and one evaluation of the test set.
public struct QATExport: Sendable {
    /// The model as it will be coded and stored.
    public let model: QuantizedModel
    /// Levels export RDOQ moved away from nearest rounding (nil: nearest rounding).
    public let levelsMoved: Int?
    /// Top-1 (%) of ``model``'s weights before any coding.
    public let top1Quantized: Double
    /// The exported layer with the lowest SQNR against the latent weights (nil without layers).
    public let lowestSQNR: (layer: String, decibels: Double)?

    /// - Parameters:
    ///   - exportRDOQ: μ of RDOQ as the export rounding (relative error); 0 keeps nearest rounding.
    public init(_ qat: QuantizationAwareTraining, architecture: Architecture, floatStorage: TensorPolicy.FloatStorage,
                exportRDOQ: Double, testSet: ImageDataset, threads: Int) throws {
        var exported = try qat.export(floatStorage: floatStorage)
        let latent = qat.model.parameterValues()
        if exportRDOQ > 0 {
            let rounded = try ExportRDOQ(rateWeight: exportRDOQ).apply(to: exported) { latent[$0] }
            (exported, levelsMoved) = (rounded.model, rounded.changed)
        } else {
            levelsMoved = nil
        }
        model = exported
        top1Quantized = try Evaluation.top1(of: exported, architecture: architecture, on: testSet, threads: threads)
        lowestSQNR = exported.lowestLayerSQNR { latent[$0] }
    }
}

extension Evaluation {
    /// Top-1 (%) of `architecture` with `weights` loaded into a fresh model.
    ///
    /// ```swift
    /// let top1 = try Evaluation.top1(of: decoded, architecture: .lenet5, on: testSet, threads: 2)   // e.g. 91.23
    /// ```
    public static func top1(of weights: QuantizedModel, architecture: Architecture, on testSet: ImageDataset,
                            threads: Int) throws -> Double {
        let model = ModelZoo.make(architecture, seed: 0)
        try model.load(weights)
        return run(model, on: testSet, threads: threads).accuracy * 100
    }
}
