/// The plot catalogue: every plot `subbit plot` can draw from a results folder.
///
/// ```swift
/// try PlotKind.parseList("frontier,lambda")   // [.frontier, .lambda]
/// PlotKind.frontier.fileStem                  // "frontier" (frontier.dat, frontier.gp, frontier.svg)
/// ```
public enum PlotKind: String, CaseIterable, Sendable, Codable {
    /// Top-1 accuracy against coded bits per weight, per bin policy, with λ, the non-dominated
    /// frontier, the fixed-width and Huffman baselines, the 1-bit rule and the float baseline.
    case frontier
    /// Per-layer memory of the quantized model, fixed width and tANS coded (paper Fig. 5).
    case layerMemory = "layer-memory"
    /// Bins each layer ended with, and their distribution across layers (paper Fig. 4).
    case binsPerLayer = "bins-per-layer"
    /// Decoder area against throughput per lanes × table-log configuration, net area saved.
    case decoders
    /// Coded bits over entropy against table log, for tANS, Huffman and fixed width.
    case codecOverhead = "codec-overhead"
    /// Accuracy and coded bits per weight against λ (two y axes).
    case lambda

    /// The name on the command line and the stem of the plot's files.
    var fileStem: String { rawValue }

    /// The results files the plot reads.
    public var inputs: [String] {
        switch self {
        case .frontier, .decoders, .codecOverhead, .lambda: return [ResultsSchema.Runs.fileName]
        case .layerMemory, .binsPerLayer: return [ResultsSchema.Runs.fileName, ResultsSchema.Layers.fileName]
        }
    }

    /// Parses a comma-separated list of plot names; an unknown name throws
    /// ``PlottingError/unknownPlot(name:valid:)`` listing the valid ones.
    public static func parseList(_ text: String) throws -> [PlotKind] {
        var kinds: [PlotKind] = []
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased()
            guard let kind = PlotKind(rawValue: name) else {
                throw PlottingError.unknownPlot(name: name, valid: allCases.map(\.rawValue))
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        guard !kinds.isEmpty else {
            throw PlottingError.unknownPlot(name: text, valid: allCases.map(\.rawValue))
        }
        return kinds
    }
}
