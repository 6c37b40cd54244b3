import Plotting

/// The rows of `pareto.csv`: the non-dominated points of a sweep for the two trade-offs users
/// compare — top-1 accuracy (decoded weights) against coded bits per weight, and decoder area
/// against throughput — each row tagged with its `frontier` and sorted along it.
///
/// ```swift
/// let rows = ParetoTable.rows(records.map(\.run))
/// ```
public enum ParetoTable {
    /// The `frontier` column's values.
    public static let accuracyBits = "accuracy-bits"
    public static let areaThroughput = "area-throughput"

    /// Column order: the schema's, then the frontier tag and the decoder columns it is judged on.
    public static var columns: [String] {
        ["frontier"] + ResultsSchema.Pareto.columns
            + [ResultsSchema.Runs.portBits, ResultsSchema.Runs.decoderAreaUM2, ResultsSchema.Runs.throughputWeightsPerS]
    }

    public static func rows(_ runs: [[String: String]]) -> [[String: String]] {
        let R = ResultsSchema.Runs.self
        func values(_ column: String) -> [Double] { runs.map { Double($0[column] ?? "") ?? .nan } }
        var rows: [[String: String]] = []
        for i in ParetoFrontier.indices(bits: values(R.bitsPerWeightCoded), accuracy: values(R.top1Decoded)) {
            rows.append(runs[i].merging(["frontier": accuracyBits]) { $1 })
        }
        // Minimize area, maximize throughput: the same dominance with area in the role of bits.
        for i in ParetoFrontier.indices(bits: values(R.decoderAreaUM2), accuracy: values(R.throughputWeightsPerS)) {
            rows.append(runs[i].merging(["frontier": areaThroughput]) { $1 })
        }
        return rows
    }
}
