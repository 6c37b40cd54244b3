import Foundation

/// `bins-over-epochs`: how each layer's learned precision moves during one training — the
/// companion of `bins-per-layer` (which shows where the layers ended). Per layer, one colour:
/// the continuous precision as bins, `2k + 1` (solid), and the bins its weights actually reach
/// at that precision, `2·max|q| + 1` (dashed steps; what export keeps).
///
/// Input: the CSV of Training's `PrecisionTrace` (`epoch,layer,precision_k,bins,bins_used,…`),
/// as `subbit train --precision-trace` writes it.
///
/// ```swift
/// let files = try BinsOverEpochsPlot.render(traceCSV: text, file: "trace.csv", title: "MNIST LeNet-5, λ 0.1",
///                                           formats: [.svg, .png], to: folder, gnuplot: try .locate())
/// ```
public enum BinsOverEpochsPlot {
    /// The files' stem: `bins-over-epochs.{dat,gp,svg,png}`.
    public static let stem = "bins-over-epochs"

    /// Writes the `.dat`, `.gp` and images into `outputDirectory`; returns the files written.
    @discardableResult
    public static func render(traceCSV: String, file: String, title: String, formats: [PlotFormat],
                              to outputDirectory: URL, gnuplot: GnuplotRenderer) throws -> [URL] {
        try gnuplot.validate()
        let artifact = try make(traceCSV: traceCSV, file: file, title: title)
        return try PlotCatalogue.write([artifact], formats: formats, to: outputDirectory, gnuplot: gnuplot)
    }

    struct Sample {
        var epoch: Double
        var precision: Double
        var usedBins: Double
    }

    /// Parses the trace (layers in order of first appearance) and builds the plot.
    static func make(traceCSV: String, file: String, title: String) throws -> PlotArtifact {
        let lines = traceCSV.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard let header = lines.first?.split(separator: ",").map(String.init) else {
            throw PlottingError.malformedCSV(file: file, line: 1, reason: "the file is empty")
        }
        func column(_ name: String) throws -> Int {
            guard let i = header.firstIndex(of: name) else { throw PlottingError.missingColumn(column: name, file: file) }
            return i
        }
        let (e, l, k, u) = (try column("epoch"), try column("layer"), try column("precision_k"), try column("bins_used"))
        var order: [String] = []
        var series: [String: [Sample]] = [:]
        for (index, line) in lines.enumerated().dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == header.count else {
                throw PlottingError.malformedCSV(file: file, line: index + 1, reason: "\(fields.count) fields, the header has \(header.count)")
            }
            func number(_ c: Int) throws -> Double {
                guard let x = Double(fields[c]), x.isFinite else {
                    throw PlottingError.notANumber(value: fields[c], column: header[c], file: file, line: index + 1)
                }
                return x
            }
            let sample = Sample(epoch: try number(e), precision: try number(k), usedBins: try number(u))
            if series[fields[l]] == nil { order.append(fields[l]) }
            series[fields[l], default: []].append(sample)
        }
        var dat = GnuplotDataFile(title: "\(stem): per layer, bins over training epochs (\(title))",
                                  columns: ["epoch", "bins_2k_plus_1", "bins_used"])
        var clauses: [String] = []
        var values: [Double] = []
        let data = gnuplotString(stem + ".dat")
        for (i, name) in order.enumerated() {
            dat.beginBlock(name)
            for s in series[name]! {
                dat.addRow([.number(s.epoch), .number(2 * s.precision + 1), .number(s.usedBins)])
                values += [2 * s.precision + 1, s.usedBins]
            }
            let color = PlotStyle.color(i)
            clauses.append("\(data) index \(i) using 1:2 with lines lw 2 lc rgb \"\(color)\" title \(gnuplotString(name + " 2k+1"))")
            clauses.append("\(data) index \(i) using 1:3 with steps dt 2 lw 1.5 lc rgb \"\(color)\" title \(gnuplotString(name + " used"))")
        }
        let epochs = order.flatMap { series[$0]!.map(\.epoch) }
        var body = """
        set title \(gnuplotString("Learned precision over training: \(title)"))
        set xlabel "epoch"
        set ylabel "bins (count)"
        set key outside right top
        set xrange [\(gnuplotNumber(epochs.min() ?? 0)):\(gnuplotNumber(max(epochs.max() ?? 1, (epochs.min() ?? 0) + 1e-3)))]

        """
        body += AxisRange(lower: 0, upper: max(1, values.max() ?? 1) * 1.1, isLog: false).commands(axis: "y")
        body += plotCommand(clauses, emptyMessage: "no precision samples in \(file)")
        return PlotArtifact(kind: .binsPerLayer, width: 960, height: 600, data: dat.text, body: body, stem: stem)
    }
}
