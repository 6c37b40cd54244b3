import Plotting

/// The rows of `pareto.csv`: the non-dominated points of a sweep for the two trade-offs users
/// compare — top-1 accuracy (decoded weights) against coded bits per weight, and decoder area
/// against throughput — each row tagged with its `frontier` and sorted along it. With several
/// seeds the filter works on each configuration's means over its seeds (``SeedSummary/means(_:)``),
/// and the rows carry `n` and the 95 % half-widths of accuracy and bits.
///
/// ```swift
/// let rows = try ParetoTable.rows(records.map(\.run))
/// ```
public enum ParetoTable {
    /// The `frontier` column's values.
    public static let accuracyBits = "accuracy-bits"
    static let areaThroughput = "area-throughput"

    /// Column order: the schema's, then the frontier tag and the decoder columns it is judged on.
    public static var columns: [String] {
        ["frontier"] + ResultsSchema.Pareto.columns
            + [ResultsSchema.Runs.portBits, ResultsSchema.Runs.decoderAreaUM2, ResultsSchema.Runs.throughputWeightsPerS,
               "n", "top1_decoded_ci95", "bits_per_weight_coded_ci95"]
    }

    public static func rows(_ records: [[String: String]]) throws -> [[String: String]] {
        let R = ResultsSchema.Runs.self
        let table = try SeedSummary.means(ResultsWriter.table(columns: ResultsWriter.columns(R.columns, records), rows: records))
        let runs = table.rows.map { Dictionary(uniqueKeysWithValues: zip(table.header, $0)) }
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
