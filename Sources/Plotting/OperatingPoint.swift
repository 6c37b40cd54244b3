/// Chooses the sweep point whose layers the per-layer plots show.
///
/// The paper's Figures 4 and 5 show one trained model; from a sweep we take the same kind of
/// model: on the tANS accuracy/bits frontier, the point with the fewest coded bits whose
/// accuracy is within `tolerance` points of the float baseline. Without such a point, the most
/// accurate frontier point. Only points that have rows in `layers.csv` are candidates; tANS
/// rows are preferred when the sweep holds several codecs, and learned-precision rows when
/// it holds several bin policies (fixed policies make flat bins-per-layer bars).
///
/// Public so the reproduction tables describe the same point the per-layer plots show:
///
/// ```swift
/// let row = try OperatingPoint.select(runs: runs, layerPoints: Set(try layers.strings("point_id")), requested: nil)
/// ```
public enum OperatingPoint {
    public static let tolerance = 1.0

    /// The chosen row of `runs`, or nil when no row has layers.
    public static func select(runs: CSVTable, layerPoints: Set<String>, requested: String?) throws -> Int? {
        let ids = try runs.strings(ResultsSchema.Runs.pointID)
        if let requested {
            guard let i = ids.firstIndex(of: requested) else {
                throw PlottingError.unknownPoint(id: requested, file: runs.source)
            }
            return i
        }
        var candidates = ids.indices.filter { layerPoints.contains(ids[$0]) }
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
           let good = frontier.first(where: { accuracy[$0] >= floatTop1 - tolerance }) {
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
