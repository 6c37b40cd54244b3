/// `bins-per-layer`: the paper's Figure 4. Left, the number of bins each layer ended with;
/// right, how many layers ended with each bin count.
enum BinsPerLayerPlot {
    static func make(_ results: ResultsSet, point: String?) throws -> PlotArtifact {
        let view = try LayerView(results, point: point)
        var dat = GnuplotDataFile(
            title: "bins-per-layer: quantization bins per layer of \(view.description)",
            columns: ["position", "layer_or_bins", "bins", "layers_with_that_bin_count", "share_of_weights_percent"])
        dat.beginBlock("bins of each layer, in model order")
        for i in 0..<view.count {
            dat.addRow([.integer(i), .text(view.tickNames[i]), .number(view.bins[i]), .number(.nan), .number(.nan)])
        }
        let distinct = Set(view.bins.filter(\.isFinite)).sorted()
        let totalParams = finiteSum(view.params)
        if !distinct.isEmpty {
            dat.beginBlock("distribution: layers (and share of weights) per bin count")
            for (k, b) in distinct.enumerated() {
                let members = view.bins.indices.filter { view.bins[$0] == b }
                let share = totalParams > 0 ? 100 * finiteSum(members.map { view.params[$0] }) / totalParams : .nan
                dat.addRow([.integer(k), .text(compactNumber(b)), .number(b), .integer(members.count), .number(share)])
            }
        }
        let binsLeft = view.leftMargin(width: 960, minimum: 0.08)
        let maxCount = distinct.map { b in Double(view.bins.filter { $0 == b }.count) }.max() ?? 1
        let height = 600
        let bottom = view.labelMargin(height: height)
        let file = gnuplotString(PlotKind.binsPerLayer.fileStem + ".dat")
        // Bin counts run from 1 to 255: a log₂ axis keeps 3 and 255 both readable.
        let finiteBins = view.bins.filter { $0.isFinite && $0 > 0 }
        let logBins = (finiteBins.max() ?? 1) > 16 && (finiteBins.min() ?? 0) >= 1
        let binAxis = logBins
            ? AxisRange(lower: 0.8, upper: (finiteBins.max() ?? 1) * 1.4, isLog: true)
            : AxisRange(lower: 0, upper: max(1, finiteBins.max() ?? 1) * 1.1, isLog: false)
        // Linear axis: tics at the bin counts that occur, when few. Log axis: at 2^k − 1, the
        // largest bin count a k-bit fixed-width code holds.
        let ticValues = logBins
            ? (0...8).map { Double((1 << $0) - 1) }.filter { $0 >= 1 && $0 <= binAxis.upper }
            : [0] + distinct
        let binTics = (logBins || distinct.count <= 12) && !distinct.isEmpty
            ? "set ytics (" + ticValues.map { "\"\(compactNumber($0))\" \(gnuplotNumber($0))" }.joined(separator: ", ") + ")\n"
            : "set ytics autofreq\n"
        var body = """
        set multiplot title \(gnuplotString("Quantization bins per layer: \(view.description)"))
        set style data boxes
        set boxwidth 0.7 absolute
        unset key
        set tmargin at screen 0.86
        set bmargin at screen \(gnuplotNumber(bottom))
        set lmargin at screen \(gnuplotNumber(binsLeft))
        set rmargin at screen 0.58
        set title "bins of each layer (N = 2K + 1)" font medium
        set ylabel "bins (count)"
        \(view.axisTitle(left: binsLeft, right: 0.58))\(view.xRangeCommand)set xtics \(view.tickOptions) \(view.tickStride)
        \(binTics)\(binAxis.commands(axis: "y", logBase: 2))
        """
        body += view.count > 0
            // Boxes start at the axis floor so a log axis (no zero) still shows 1-bin layers.
            ? "plot \(file) index 0 using 1:3:($1-0.35):($1+0.35):(\(gnuplotNumber(binAxis.lower))):3:\(view.xticColumn) "
                + "with boxxyerror lc rgb \"\(PlotStyle.color(0))\" notitle\n"
            : plotCommand([], emptyMessage: "no layers for this point in layers.csv")
        body += """
        set lmargin at screen 0.67
        set rmargin at screen 0.97
        unset label 20
        set title "distribution across layers" font medium
        set ylabel "layers (count)"
        set xlabel "bins"
        set xtics \(distinct.count > 7 ? "rotate by 45 right" : "norotate") font small 1
        set ytics \(gnuplotNumber(max(1, (maxCount / 8).rounded(.up))))
        set format y "%g"
        set xrange [-0.6:\(gnuplotNumber(Double(max(distinct.count, 1)) - 0.4))]

        """
        body += AxisRange(lower: 0, upper: max(1, maxCount) * 1.18, isLog: false).commands(axis: "y")
        body += distinct.isEmpty
            ? plotCommand([], emptyMessage: "no bin counts")
            : "plot \(file) index 1 using 1:4:xtic(2) lc rgb \"\(PlotStyle.color(2))\" notitle, \\\n"
                + "     \(file) index 1 using 1:4:(sprintf(\"%d\", $4)) with labels offset 0,0.7 font small notitle\n"
        body += "unset multiplot\n"
        return PlotArtifact(kind: .binsPerLayer, width: 960, height: height, data: dat.text, body: body)
    }
}
