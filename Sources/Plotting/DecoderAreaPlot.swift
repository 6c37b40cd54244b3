import Foundation

/// `rtl-area`: the decoder's logic area against its decode rate, the analytic model's curve
/// (before and after the synthesis calibration) beside the synthesized points of the generated
/// RTL — one point per lane count. Not part of the results-folder catalogue: `subbit rtl --plot`
/// draws it from the configurations it generates and the synthesis results it is given.
///
/// ```swift
/// let points = [DecoderAreaPlot.Point(lanes: 4, weightsPerCycle: 3.9, modelledGE: 17391,
///                                     calibratedGE: 28267, synthesizedGE: 28347)]
/// try DecoderAreaPlot.render(points, subtitle: "MobileNetV2, R = 10, W = 32", to: folder,
///                            gnuplot: try GnuplotRenderer.locate(), formats: [.svg, .png])
/// ```
/// - Complexity: O(points) to build; gnuplot renders.
public enum DecoderAreaPlot {
    public struct Point: Sendable, Equatable {
        public var lanes: Int
        /// Decoded weights per decode-phase cycle over the model's layers.
        public var weightsPerCycle: Double
        /// The model's logic GE (decode tables excluded), uncalibrated and calibrated.
        public var modelledGE: Double
        public var calibratedGE: Double
        /// Synthesized logic GE, when the configuration was synthesized.
        public var synthesizedGE: Double?

        public init(lanes: Int, weightsPerCycle: Double, modelledGE: Double, calibratedGE: Double,
                    synthesizedGE: Double?) {
            self.lanes = lanes
            self.weightsPerCycle = weightsPerCycle
            self.modelledGE = modelledGE
            self.calibratedGE = calibratedGE
            self.synthesizedGE = synthesizedGE
        }
    }

    /// The file stem: `rtl-area.dat`, `rtl-area.gp`, `rtl-area.svg`, `rtl-area.png`.
    static let fileStem = "rtl-area"

    static func artifact(_ points: [Point], subtitle: String) -> PlotArtifact {
        let sorted = points.sorted { $0.lanes < $1.lanes }
        var dat = GnuplotDataFile(
            title: "rtl-area: decoder logic area (GE, tables excluded) against decoded weights per cycle, \(subtitle)",
            columns: ["lanes", "weights_per_cycle", "model_ge", "model_ge_calibrated", "synthesized_ge", "label"])
        dat.beginBlock("one row per lane count")
        for p in sorted {
            dat.addRow([.integer(p.lanes), .number(p.weightsPerCycle), .number(p.modelledGE), .number(p.calibratedGE),
                        .number(p.synthesizedGE ?? .nan), .text("P=\(p.lanes)")])
        }
        let file = gnuplotString(fileStem + ".dat")
        var clauses = [
            "\(file) index 0 using 2:3 with linespoints lw 1 dt 2 pt \(PlotStyle.hollowPoints[0]) lc rgb \"\(PlotStyle.lightGrey)\" title \"model, uncalibrated\"",
            "\(file) index 0 using 2:4 with linespoints lw 2 pt \(PlotStyle.hollowPoints[1]) lc rgb \"\(PlotStyle.palette[0])\" title \"model, calibrated to synthesis\"",
        ]
        if sorted.contains(where: { $0.synthesizedGE != nil }) {
            clauses.append("\(file) index 0 using 2:5 with points pt \(PlotStyle.filledPoints[0]) ps 1.3 lc rgb \"\(PlotStyle.palette[1])\" title \"synthesized (Yosys + ABC, OSU 0.18 um)\"")
            clauses.append("\(file) index 0 using 2:5:6 with labels offset 0,1.1 font small notitle")
        }
        let body = """
            set title \(gnuplotString("Decoder logic area vs decode rate — " + subtitle))
            set xlabel "decoded weights per cycle (decode phase)"
            set ylabel "logic area (gate equivalents, decode tables excluded)"
            set logscale xy
            set key top left box opaque
            \(plotCommand(clauses, emptyMessage: "no configurations"))
            """
        return PlotArtifact(kind: .decoders, width: 900, height: 600, data: dat.text, body: body, stem: fileStem)
    }

    /// Writes `rtl-area.dat` and `.gp` into `folder` and renders `formats` with gnuplot; returns
    /// the files written.
    @discardableResult
    public static func render(_ points: [Point], subtitle: String, to folder: URL, gnuplot: GnuplotRenderer,
                              formats: [PlotFormat]) throws -> [URL] {
        try gnuplot.validate()
        return try PlotCatalogue.write([artifact(points, subtitle: subtitle)], formats: formats, to: folder,
                                       gnuplot: gnuplot)
    }
}
