/// Chooses the sweep point whose layers the per-layer plots show.
///
/// The paper's Figures 4 and 5 show one trained model; from a sweep we take the same kind of
/// model: on the tANS accuracy/bits frontier, the point with the fewest coded bits whose top-1
/// *error* is at most `errorRatio` (1.1) times the float baseline's — a rule that scales with
/// the baseline: 1 pt of drop is allowed at 90 % but only 0.1 pt at 99 % (a fixed "within 1 pt"
/// would let MNIST LeNet-5 pick a point with 76 % more errors than float). Without such a point,
/// the most accurate frontier point. Points with a fully pruned layer (``prunedLayers(_:)``: a
/// classifier pruned to zero leaves the logits to the bias) are never chosen. Only points that
/// have rows in `layers.csv` are candidates; tANS rows are preferred when the sweep holds several
/// codecs, and learned-precision rows when it holds several bin policies (fixed policies make
/// flat bins-per-layer bars). Pass a table of means over seeds (``SeedSummary/means(_:)``) to
/// choose on means.
///
/// Public so the reproduction tables describe the same point the per-layer plots show:
///
/// ```swift
/// let row = try OperatingPointSelection.select(runs: runs, layerPoints: Set(try layers.strings("point_id")), requested: nil)
/// ```
public enum OperatingPointSelection {
    /// The most top-1 error an operating point may have, as a multiple of the float baseline's.
    public static let errorRatio = 1.1

    /// Whether `top1` (%) is within the rule against a float baseline of `floatTop1` (%).
    static func isNearFloat(_ top1: Double, floatTop1: Double) -> Bool {
        100 - top1 <= errorRatio * (100 - floatTop1) + 1e-9
    }

    /// Below this SQNR (dB) a layer's quantization error carries about as much power as its
    /// weights (at 1 dB the error is 79 % of the signal's power): the layer is as good as pruned.
    public static let degenerateSQNRFloor = 1.0

    /// Why each degenerate point is one, by point id: the layers it pruned to one bin (all
    /// weights zero, from `layers.csv`), and — for a point whose decoded accuracy was not
    /// measured (`top1_decoded` empty, e.g. post-training compression without its data set) — a
    /// layer whose SQNR against its float weights is under ``degenerateSQNRFloor``
    /// (`runs.csv`'s `min_layer_sqnr_db`).
    ///
    /// The SQNR floor stands in for an accuracy that is missing; where the decoded model's top-1
    /// was measured, that measurement decides. (Entropy-regularized training drives most of a
    /// large layer's latent weights toward zero and learns to work with their quantized values,
    /// so a trained LeNet-5's fc1 at ~1 dB SQNR against its own latent floats still classifies
    /// MNIST at 98.8–99.0 %.)
    public static func degeneratePoints(runs: CSVTable, layers: CSVTable) throws -> [String: [String]] {
        var out = try prunedLayers(layers).mapValues { $0.map { "\($0) pruned to zero" } }
        let R = ResultsSchema.Runs.self
        if runs.hasColumn(R.minLayerSQNRdB), runs.hasColumn(R.minSQNRLayer) {
            let (ids, db, layer) = (try runs.strings(R.pointID), try runs.doubles(R.minLayerSQNRdB), try runs.strings(R.minSQNRLayer))
            let measured = runs.hasColumn(R.top1Decoded) ? try runs.doubles(R.top1Decoded).map(\.isFinite)
                : Array(repeating: false, count: ids.count)
            for i in ids.indices where !measured[i] && db[i] < degenerateSQNRFloor
                && !(out[ids[i]] ?? []).contains(where: { $0.hasPrefix(layer[i] + " ") }) {
                out[ids[i], default: []].append("\(layer[i]) at \(String(format: "%.2f", db[i])) dB SQNR")
            }
        }
        return out
    }

    /// The layers each point pruned to one bin (all weights zero), by point id, from `layers.csv`.
    static func prunedLayers(_ layers: CSVTable) throws -> [String: [String]] {
        let L = ResultsSchema.Layers.self
        guard layers.hasColumn(L.bins), !layers.rows.isEmpty else { return [:] }
        let (ids, names, bins, params) = (try layers.strings(L.pointID), try layers.strings(L.layer),
                                          try layers.doubles(L.bins), try layers.doubles(L.params))
        var out: [String: [String]] = [:]
        for i in ids.indices where bins[i] == 1 && params[i] > 0 { out[ids[i], default: []].append(names[i]) }
        return out
    }

    /// The chosen row of `runs`, or nil when no row has layers (or every one is `degenerate`).
    public static func select(runs: CSVTable, layerPoints: Set<String>, requested: String?,
                              degenerate: Set<String> = []) throws -> Int? {
        let ids = try runs.strings(ResultsSchema.Runs.pointID)
        if let requested {
            guard let i = ids.firstIndex(of: requested) else {
                throw PlottingError.unknownPoint(id: requested, file: runs.source)
            }
            return i
        }
        var candidates = ids.indices.filter { layerPoints.contains(ids[$0]) && !degenerate.contains(ids[$0]) }
        // No point with layers (an empty sweep): the plots say so instead of failing.
        guard !candidates.isEmpty else { return nil }
        if runs.hasColumn(ResultsSchema.Runs.codec) {
            let codecs = try runs.strings(ResultsSchema.Runs.codec)
            let tans = candidates.filter { codecs[$0].lowercased() == ResultsSchema.Codec.tans }
            if !tans.isEmpty { candidates = tans }
        }
        // The paper's per-layer figures show learned precision; fixed policies give flat bars.
        if runs.hasColumn(ResultsSchema.Runs.binPolicy) {
            let policies = try runs.strings(ResultsSchema.Runs.binPolicy)
            let learned = candidates.filter { policies[$0].lowercased().hasPrefix("learned") }
            if !learned.isEmpty { candidates = learned }
        }
        let accuracy = try runAccuracy(runs)
        let bits = try runs.doubles(ResultsSchema.Runs.bitsPerWeightCoded)
        let floatTop1 = finiteMean(try runs.doubles(ResultsSchema.Runs.top1Float))
        let frontier = ParetoFrontier.indices(
            bits: candidates.map { bits[$0] }, accuracy: candidates.map { accuracy[$0] }
        ).map { candidates[$0] }
        guard let mostAccurate = frontier.last else { return candidates[0] }
        if floatTop1.isFinite,
           let good = frontier.first(where: { isNearFloat(accuracy[$0], floatTop1: floatTop1) }) {
            return good
        }
        return mostAccurate
    }

    /// A one-line description of run `i` for plot titles.
    static func describe(runs: CSVTable, row i: Int) -> String {
        func cell(_ column: String) -> String? {
            guard let c = try? runs.index(of: column) else { return nil }
            let v = runs.rows[i][c].trimmingCharacters(in: .whitespaces)
            return v.isEmpty || v.lowercased() == "nan" ? nil : v
        }
        var parts: [String] = []
        if let model = cell(ResultsSchema.Runs.model) {
            parts.append(cell(ResultsSchema.Runs.dataset).map { "\(model) on \($0)" } ?? model)
        }
        if let policy = cell(ResultsSchema.Runs.binPolicy) { parts.append("bins \(policy)") }
        if let lambda = cell(ResultsSchema.Runs.lambda) { parts.append("λ = \(lambda)") }
        if let codec = cell(ResultsSchema.Runs.codec) {
            parts.append(cell(ResultsSchema.Runs.tableLog).map { "\(codec) R = \($0)" } ?? codec)
        }
        if let id = cell(ResultsSchema.Runs.pointID) { parts.append("point \(id)") }
        return parts.joined(separator: ", ")
    }
}
