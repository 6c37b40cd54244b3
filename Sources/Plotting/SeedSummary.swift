import Foundation

/// `runs.csv` across seeds: the rows of one configuration (every configuration column equal,
/// seeds apart) summarized by n, mean, standard deviation and a 95 % confidence interval
/// (``SampleStatistics``) of accuracy, its change against the float baseline (paired by seed:
/// each seed's decoded top-1 minus the float top-1 of the same seed) and the coded size.
///
/// `summary.csv` is ``table(_:)``; the plots and the Pareto filter work on ``means(_:)``, a
/// runs-shaped table with one row per configuration.
///
/// ```swift
/// let runs = try CSVTable(contentsOf: folder.appendingPathComponent("runs.csv"))
/// for group in try SeedSummary.groups(runs) { print(group.configuration["lambda"]!, group.statistics["top1_decoded"]!.mean) }
/// ```
public enum SeedSummary {
    /// The summarized metrics, in `summary.csv` order.
    public enum Metric: String, CaseIterable, Sendable {
        case top1Float = "top1_float"
        case top1Decoded = "top1_decoded"
        /// `top1_decoded − top1_float`, paired by seed (percentage points).
        case top1Change = "top1_change"
        case bitsPerWeightCoded = "bits_per_weight_coded"
        case bitsPerParamFile = "bits_per_param_file"
    }

    /// One configuration's seeds.
    public struct Group: Sendable {
        /// The configuration columns' values (``ResultsSchema/Runs/configurationColumns`` present in the table).
        public var configuration: [String: String]
        /// Row indices in `runs.csv`, in table order.
        public var rows: [Int]
        /// The seeds, in table order.
        public var seeds: [String]
        public var statistics: [String: SampleStatistics]
        public var n: Int { rows.count }
    }

    /// The configurations of `runs`, in order of first appearance.
    public static func groups(_ runs: CSVTable) throws -> [Group] {
        let keyColumns = ResultsSchema.Runs.configurationColumns.filter(runs.hasColumn)
        let keyIndices = try keyColumns.map(runs.index(of:))
        let seeds = runs.hasColumn(ResultsSchema.Runs.seed) ? try runs.strings(ResultsSchema.Runs.seed)
            : Array(repeating: "", count: runs.rows.count)
        var order: [[String]] = []
        var members: [[String]: [Int]] = [:]
        for (i, row) in runs.rows.enumerated() {
            let key = keyIndices.map { row[$0] }
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(i)
        }
        let values = try metricValues(runs)
        return order.map { key in
            let rows = members[key]!
            var statistics: [String: SampleStatistics] = [:]
            for metric in Metric.allCases {
                statistics[metric.rawValue] = SampleStatistics(rows.map { values[metric]![$0] })
            }
            return Group(configuration: Dictionary(uniqueKeysWithValues: zip(keyColumns, key)), rows: rows,
                         seeds: rows.map { seeds[$0] }, statistics: statistics)
        }
    }

    /// Each metric's value per row (NaN where its columns are missing or empty).
    static func metricValues(_ runs: CSVTable) throws -> [Metric: [Double]] {
        func column(_ name: String) throws -> [Double] {
            runs.hasColumn(name) ? try runs.doubles(name) : Array(repeating: .nan, count: runs.rows.count)
        }
        var out: [Metric: [Double]] = [:]
        for metric in Metric.allCases where metric != .top1Change { out[metric] = try column(metric.rawValue) }
        out[.top1Change] = zip(out[.top1Decoded]!, out[.top1Float]!).map { $0 - $1 }
        return out
    }

    /// `summary.csv`: the configuration columns, `n`, `seeds` (space separated), then for each
    /// metric `<metric>_mean`, `_sd` and `_ci95` (the 95 % half-width; empty when n < 2).
    public static func table(_ runs: CSVTable) throws -> CSVTable {
        let keyColumns = ResultsSchema.Runs.configurationColumns.filter(runs.hasColumn)
        var header = keyColumns + ["n", "seeds"]
        for metric in Metric.allCases { header += ["_mean", "_sd", "_ci95"].map { metric.rawValue + $0 } }
        let rows = try groups(runs).map { group in
            var row = keyColumns.map { group.configuration[$0] ?? "" } + [String(group.n), group.seeds.joined(separator: " ")]
            for metric in Metric.allCases {
                let s = group.statistics[metric.rawValue]!
                row += [s.mean, s.standardDeviation, s.ci95HalfWidth].map(format)
            }
            return row
        }
        return CSVTable(header: header, rows: rows, source: ResultsSchema.Summary.fileName)
    }

    /// A runs-shaped table with one row per configuration: numeric per-seed columns are means
    /// over the seeds (`min_layer_sqnr_db`: the worst seed's), identifiers (`point_id`, `seed`,
    /// `sbw_file`, …) and text columns are the first seed's; then `n` and, per metric,
    /// `<metric>_ci95`. A configuration of one seed keeps its row's text unchanged.
    public static func means(_ runs: CSVTable) throws -> CSVTable {
        let groups = try groups(runs)
        let keyColumns = Set(ResultsSchema.Runs.configurationColumns)
        let metricColumns = Metric.allCases.map { $0.rawValue + "_ci95" }
        let header = runs.header.filter { !metricColumns.contains($0) && $0 != "n" } + ["n"] + metricColumns
        let sqnrColumn = runs.header.firstIndex(of: ResultsSchema.Runs.minLayerSQNRdB)
        let rows = groups.map { group -> [String] in
            // The seed with the worst layer SQNR speaks for the configuration's SQNR columns.
            let worst = sqnrColumn.flatMap { c in
                group.rows.indices.min { (Double(runs.rows[group.rows[$0]][c]) ?? .infinity) < (Double(runs.rows[group.rows[$1]][c]) ?? .infinity) }
            } ?? 0
            var row: [String] = runs.header.indices.compactMap { c in
                let name = runs.header[c]
                guard !metricColumns.contains(name) && name != "n" else { return nil }
                let cells = group.rows.map { runs.rows[$0][c] }
                if group.n == 1 || keyColumns.contains(name) { return cells[0] }
                if name == ResultsSchema.Runs.minLayerSQNRdB || name == ResultsSchema.Runs.minSQNRLayer { return cells[worst] }
                if identifiers.contains(name) { return cells[0] }
                let numbers = cells.map { Double($0) }
                guard numbers.allSatisfy({ $0 != nil }) else { return cells[0] }
                return format(SampleStatistics(numbers.map { $0! }).mean)
            }
            row.append(String(group.n))
            // The group's statistics, computed once in `groups(_:)`.
            for metric in Metric.allCases { row.append(format(group.statistics[metric.rawValue]!.ci95HalfWidth)) }
            return row
        }
        return CSVTable(header: header, rows: rows, source: runs.source)
    }

    /// Per-seed columns that name rather than measure: never averaged.
    private static let identifiers: Set<String> = [
        ResultsSchema.Runs.pointID, ResultsSchema.Runs.seed, ResultsSchema.Runs.sbwFile,
    ]

    private static func format(_ x: Double) -> String { x.isFinite ? String(format: "%.6g", x) : "" }
}
