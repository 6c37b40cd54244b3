import Foundation

/// `rate-sqnr`: coded bits per quantized weight against weight SQNR, one curve per quantization
/// mode (plain modes dashed with hollow points, RDOQ modes solid with filled points, a peer
/// codec in black). Not part of the results-folder catalogue: `subbit bench rd --plot` draws it
/// from the points it measures.
///
/// ```swift
/// let curves = [RateSQNRPlot.Curve(name: "bins", points: [(7.1, 1.54), (13.0, 2.60)]),
///               RateSQNRPlot.Curve(name: "bins+rdoq", points: [(7.0, 1.41), (12.9, 2.45)])]
/// try RateSQNRPlot.render(curves, subtitle: "mobilenet_v2, tANS R = 11", to: folder,
///                         gnuplot: try GnuplotRenderer.locate(), formats: [.svg, .png])
/// ```
/// - Complexity: O(points) to build; gnuplot renders.
public enum RateSQNRPlot {
    public struct Curve: Sendable {
        /// The mode's name (`bins`, `mu+rdoq`, …); names ending in `+rdoq` are drawn solid.
        public var name: String
        /// (SQNR dB, bits per quantized weight), in any order (drawn sorted by SQNR).
        public var points: [(sqnr: Double, bits: Double)]

        public init(name: String, points: [(sqnr: Double, bits: Double)]) {
            self.name = name
            self.points = points
        }
    }

    /// The file stem: `rate-sqnr.dat`, `rate-sqnr.gp`, `rate-sqnr.svg`, `rate-sqnr.png`.
    static let fileStem = "rate-sqnr"

    static func artifact(_ curves: [Curve], subtitle: String) -> PlotArtifact {
        var dat = GnuplotDataFile(
            title: "rate-sqnr: coded bits per quantized weight against weight SQNR, \(subtitle)",
            columns: ["sqnr_db", "bits_per_quantized_weight"])
        let file = gnuplotString(fileStem + ".dat")
        var clauses: [String] = []
        var sqnrs: [Double] = [], bits: [Double] = []
        // A plain mode and its RDOQ twin share a colour.
        let bases = curves.map { $0.name.replacingOccurrences(of: "+rdoq", with: "") }
        var colourOf: [String: Int] = [:]
        for base in bases where colourOf[base] == nil { colourOf[base] = colourOf.count }
        for (curve, base) in zip(curves, bases) {
            let points = curve.points.filter { $0.sqnr.isFinite && $0.bits.isFinite }.sorted { $0.sqnr < $1.sqnr }
            guard !points.isEmpty else { continue }
            dat.beginBlock(curve.name)
            for p in points { dat.addRow([.number(p.sqnr), .number(p.bits)]) }
            sqnrs += points.map(\.sqnr)
            bits += points.map(\.bits)
            let index = colourOf[base] ?? 0
            let isRDOQ = curve.name.hasSuffix("+rdoq")
            let isPeer = !curve.name.hasPrefix("bins") && !curve.name.hasPrefix("mu") && !curve.name.hasPrefix("rmu")
            let colour = isPeer ? "#000000" : PlotStyle.color(index)
            let style = isRDOQ || isPeer
                ? "lw 2 pt \(PlotStyle.filledPoint(index)) ps 0.9"
                : "lw 1.5 dt 2 pt \(PlotStyle.hollowPoint(index)) ps 0.9"
            clauses.append("\(file) index \(dat.blockCount - 1) using 1:2 with linespoints \(style) lc rgb \"\(colour)\" title \(gnuplotString(curve.name))")
        }
        let xAxis = AxisRange(lower: floor((sqnrs.min() ?? 0) - 1), upper: ceil((sqnrs.max() ?? 40) + 1), isLog: false)
        let yAxis = AxisRange.linear(bits, include: [0])
        var body = """
            set title \(gnuplotString("Rate vs weight SQNR — " + subtitle))
            set xlabel "weight SQNR (dB, all quantized weights)"
            set ylabel "coded bits per quantized weight (SubBit: tANS; NNCodec: its bitstream)"
            set key top left box opaque
            set format y "%g"

            """
        body += xAxis.commands(axis: "x") + yAxis.commands(axis: "y")
        body += plotCommand(clauses, emptyMessage: "no points")
        return PlotArtifact(kind: .frontier, width: 900, height: 600, data: dat.text, body: body, stem: fileStem)
    }

    /// Writes `rate-sqnr.dat` and `.gp` into `folder` and renders `formats` with gnuplot; returns
    /// the files written.
    @discardableResult
    public static func render(_ curves: [Curve], subtitle: String, to folder: URL, gnuplot: GnuplotRenderer,
                              formats: [PlotFormat]) throws -> [URL] {
        try gnuplot.validate()
        return try PlotCatalogue.write([artifact(curves, subtitle: subtitle)], formats: formats, to: folder,
                                       gnuplot: gnuplot)
    }
}
