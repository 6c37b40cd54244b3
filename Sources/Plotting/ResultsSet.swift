import Foundation

/// The CSV files of one results folder (`Results/<experiment>/`), read on demand.
///
/// ```swift
/// let results = try ResultsSet(directory: URL(fileURLWithPath: "Results/quick"),
///                              needing: [.frontier])
/// let runs = try results.runs()
/// ```
public struct ResultsSet: Sendable {
    public var directory: URL
    /// `runs.csv`, when a requested plot needs it.
    public var runsTable: CSVTable?
    /// `layers.csv`, when a requested plot needs it.
    var layersTable: CSVTable?

    /// Reads the files the `plots` need; a missing file throws
    /// ``PlottingError/missingFile(file:neededBy:)`` naming the first plot that needs it.
    public init(directory: URL, needing plots: [PlotKind]) throws {
        self.directory = directory
        func load(_ name: String) throws -> CSVTable? {
            let users = plots.filter { $0.inputs.contains(name) }
            guard let first = users.first else { return nil }
            let url = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw PlottingError.missingFile(file: url.path, neededBy: "the \(first.rawValue) plot")
            }
            return try CSVTable(contentsOf: url)
        }
        runsTable = try load(ResultsSchema.Runs.fileName)
        layersTable = try load(ResultsSchema.Layers.fileName)
    }

    /// Results already in memory (tests, and callers that just wrote them).
    public init(directory: URL, runs: CSVTable?, layers: CSVTable?) {
        self.directory = directory
        runsTable = runs
        layersTable = layers
    }

    func runs() throws -> CSVTable {
        guard let runsTable else {
            throw PlottingError.missingFile(
                file: directory.appendingPathComponent(ResultsSchema.Runs.fileName).path, neededBy: "this plot")
        }
        return runsTable
    }

    func layers() throws -> CSVTable {
        guard let layersTable else {
            throw PlottingError.missingFile(
                file: directory.appendingPathComponent(ResultsSchema.Layers.fileName).path, neededBy: "this plot")
        }
        return layersTable
    }
}

/// The accuracy a plot shows for each run: `top1_decoded` (the accuracy of the weights read
/// back from the compressed file), or `top1_quantized` where the decoded one was not measured.
func runAccuracy(_ runs: CSVTable) throws -> [Double] {
    let decoded = try runs.doubles(ResultsSchema.Runs.top1Decoded)
    guard runs.hasColumn(ResultsSchema.Runs.top1Quantized) else { return decoded }
    let quantized = try runs.doubles(ResultsSchema.Runs.top1Quantized)
    return zip(decoded, quantized).map { $0.isFinite ? $0 : $1 }
}

/// The rows whose `codec` is tANS, the code the plots are about; every row when the file has
/// no `codec` column or no tANS row (a sweep of another codec still plots).
func tansRows(_ runs: CSVTable) throws -> Set<Int> {
    let all = Set(runs.rows.indices)
    guard runs.hasColumn(ResultsSchema.Runs.codec) else { return all }
    let codec = try runs.strings(ResultsSchema.Runs.codec)
    let tans = all.filter { codec[$0].lowercased() == ResultsSchema.Codec.tans }
    return tans.isEmpty ? all : tans
}

/// Mean of the finite values, NaN when there are none.
func finiteMean(_ values: [Double]) -> Double {
    let finite = values.filter(\.isFinite)
    return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
}

/// Distinct values in first-seen order.
func orderedUnique<T: Hashable>(_ values: [T]) -> [T] {
    var seen = Set<T>()
    return values.filter { seen.insert($0).inserted }
}

/// Sort key for bin-policy names: `learned` first, then fixed policies by their bin count
/// (`fixed-3` before `fixed-15`), then anything else alphabetically.
func binPolicyOrder(_ a: String, _ b: String) -> Bool {
    func key(_ s: String) -> (Int, Double, String) {
        if s.lowercased().hasPrefix("learned") { return (0, 0, s) }
        let digits = s.split(whereSeparator: { !$0.isNumber }).first.flatMap { Double($0) }
        if let digits { return (1, digits, s) }
        return (2, 0, s)
    }
    return key(a) < key(b)
}
