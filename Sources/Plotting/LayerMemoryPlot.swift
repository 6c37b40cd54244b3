/// `layer-memory`: the paper's Figure 5. Two panels on one layer axis, each with its own scale:
/// the quantized model's per-layer memory with fixed-width packing, and with tANS coding.
enum LayerMemoryPlot {
    static func make(_ results: ResultsSet, point: String?) throws -> PlotArtifact {
        let view = try LayerView(results, point: point)
        let kib = 8.0 * 1024
        let fixed = view.fixedWidthBits.map { $0 / kib }
        let coded = view.codedBits.map { $0 / kib }
        var dat = GnuplotDataFile(
            title: "layer-memory: per-layer weight memory (KiB = 1024 bytes) of \(view.description)",
            columns: ["position", "layer", "fixed_width_kib", "coded_kib", "bins", "params"])
        dat.beginBlock("layers in model order")
        for i in 0..<view.count {
            dat.addRow([.integer(i), .text(view.tickNames[i]), .number(fixed[i]), .number(coded[i]),
                        .number(view.bins[i]), .number(view.params[i])])
        }
        let height = 680
        let bottom = view.labelMargin(height: height)
        let middle = bottom + (0.86 - bottom) / 2
        let totalFixed = finiteSum(fixed), totalCoded = finiteSum(coded)
        let memoryLeft = view.leftMargin(width: 960, minimum: 0.09)
        let ratio = totalCoded > 0 ? " (\(formatFixed(totalFixed / totalCoded, digits: 1))× smaller)" : ""
        let file = gnuplotString(PlotKind.layerMemory.fileStem + ".dat")
        let hasData = view.count > 0
        var body = """
        set multiplot title \(gnuplotString("Per-layer weight memory: \(view.description)"))
        set style data boxes
        set boxwidth 0.7 absolute
        set lmargin at screen \(gnuplotNumber(memoryLeft))
        set rmargin at screen 0.97
        unset key
        set ylabel "memory (KiB)"
        set format y "%g"
        \(view.xRangeCommand)
        """
        // Top panel: fixed width; the layer names go under the bottom panel only.
        body += """
        set tmargin at screen 0.86
        set bmargin at screen \(gnuplotNumber(middle + 0.05))
        set title \(gnuplotString("quantized, fixed-width packing: \(formatFixed(totalFixed, digits: 1)) KiB in total")) font medium
        set xtics format "" \(view.tickStride)
        \(AxisRange.linear(fixed, include: [0], padding: 0.08).commands(axis: "y"))
        """
        body += hasData
            ? "plot \(file) index 0 using 1:3 lc rgb \"\(PlotStyle.color(0))\" notitle\n"
            : plotCommand([], emptyMessage: "no layers for this point in layers.csv")
        body += """
        set tmargin at screen \(gnuplotNumber(middle - 0.01))
        set bmargin at screen \(gnuplotNumber(bottom))
        set title \(gnuplotString("tANS coded: \(formatFixed(totalCoded, digits: 1)) KiB in total\(ratio)")) font medium
        set xtics format "%g" \(view.tickOptions) \(view.tickStride)
        \(view.axisTitle(left: memoryLeft, right: 0.97))\(AxisRange.linear(coded, include: [0], padding: 0.08).commands(axis: "y"))
        """
        body += hasData
            ? "plot \(file) index 0 using 1:4:\(view.xticColumn) lc rgb \"\(PlotStyle.color(1))\" notitle\n"
            : plotCommand([], emptyMessage: "no layers for this point in layers.csv")
        body += "unset multiplot\n"
        return PlotArtifact(kind: .layerMemory, width: 960, height: height, data: dat.text, body: body)
    }
}
