/// The per-layer view of one sweep point (chosen by ``OperatingPoint``), shared by the
/// `layer-memory` and `bins-per-layer` plots.
struct LayerView {
    var description: String
    var names: [String]
    var params: [Double]
    var bins: [Double]
    var fixedWidthBits: [Double]
    var codedBits: [Double]

    var count: Int { names.count }

    init(_ results: ResultsSet, point: String?) throws {
        let runs = try results.runs()
        let layers = try results.layers()
        let L = ResultsSchema.Layers.self
        let layerPoint = try layers.strings(L.pointID)
        let chosen = try OperatingPoint.select(runs: runs, layerPoints: Set(layerPoint), requested: point)
        let id = try chosen.map { try runs.strings(ResultsSchema.Runs.pointID)[$0] }
        description = chosen.map { OperatingPoint.describe(runs: runs, row: $0) }
            ?? "no point of \(ResultsSchema.Runs.fileName) has rows in \(ResultsSchema.Layers.fileName)"

        let names = try layers.strings(L.layer)
        let params = try layers.doubles(L.params)
        let bins = try layers.doubles(L.bins)
        let fixed = try layers.doubles(L.fixedWidthBits)
        let coded = try layers.doubles(L.codedBits)
        var rows = layerPoint.indices.filter { id != nil && layerPoint[$0] == id }
        if layers.hasColumn(L.layerIndex) {
            // A missing index sorts last (NaN would make the ordering inconsistent).
            let order = try layers.doubles(L.layerIndex).map { $0.isNaN ? Double.infinity : $0 }
            rows.sort { (order[$0], $0) < (order[$1], $1) }
        }
        self.names = rows.map { names[$0] }
        self.params = rows.map { params[$0] }
        self.bins = rows.map { bins[$0] }
        fixedWidthBits = rows.map { fixed[$0] }
        codedBits = rows.map { coded[$0] }
    }

    /// Layer names as tick labels: long names keep their (more specific) tail.
    var tickNames: [String] {
        names.map { $0.count > LayerView.maxNameLength ? "…" + String($0.suffix(LayerView.maxNameLength - 1)) : $0 }
    }

    static let maxNameLength = 24
    /// At most this many layer names are written under the axis; more would overlap.
    static let maxTicks = 40

    /// Every `tickStride`-th layer gets its name under the axis.
    var tickStride: Int { max(1, (count + LayerView.maxTicks - 1) / LayerView.maxTicks) }

    /// Height (screen fraction of a canvas `height` pixels high) the rotated names need.
    func labelMargin(height: Int) -> Double {
        let longest = tickNames.map(\.count).max() ?? 0
        // 9-pt DejaVu is about 6 px per character; names are rotated by 45°; plus tics and xlabel.
        let pixels = Double(min(longest, LayerView.maxNameLength)) * 6.0 * 0.72 + 62
        return min(0.45, max(0.13, pixels / Double(height)))
    }

    /// The `using` column that writes the name of every `tickStride`-th layer (column 1 holds
    /// the layer position, column 2 the name).
    var xticColumn: String {
        tickStride == 1 ? "xtic(2)" : "xtic(int($1) % \(tickStride) == 0 ? strcol(2) : \"\")"
    }

    /// The x range: one slot per layer.
    var xRangeCommand: String {
        "set xrange [-0.6:\(gnuplotNumber(Double(max(count, 1)) - 0.4))]\n"
    }
}

/// Total of the finite values.
func finiteSum(_ values: [Double]) -> Double { values.filter(\.isFinite).reduce(0, +) }

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
        let ratio = totalCoded > 0 ? " (\(formatFixed(totalFixed / totalCoded, digits: 1))× smaller)" : ""
        let file = gnuplotString(PlotKind.layerMemory.fileStem + ".dat")
        let hasData = view.count > 0
        var body = """
        set multiplot title \(gnuplotString("Per-layer weight memory: \(view.description)"))
        set style data boxes
        set boxwidth 0.7 absolute
        set lmargin at screen 0.09
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
        set title \(gnuplotString("quantized, fixed-width packing: \(formatFixed(totalFixed, digits: 1)) KiB in total")) font ",10"
        set xtics format "" \(view.tickStride)
        \(AxisRange.linear(fixed, include: [0], padding: 0.08).commands(axis: "y"))
        """
        body += hasData
            ? "plot \(file) index 0 using 1:3 lc rgb \"\(PlotStyle.color(0))\" notitle\n"
            : plotCommand([], emptyMessage: "no layers for this point in layers.csv")
        body += """
        set tmargin at screen \(gnuplotNumber(middle - 0.01))
        set bmargin at screen \(gnuplotNumber(bottom))
        set title \(gnuplotString("tANS coded: \(formatFixed(totalCoded, digits: 1)) KiB in total\(ratio)")) font ",10"
        set xtics format "%g" rotate by 45 right font ",9" \(view.tickStride)
        set xlabel "layer"
        \(AxisRange.linear(coded, include: [0], padding: 0.08).commands(axis: "y"))
        """
        body += hasData
            ? "plot \(file) index 0 using 1:4:\(view.xticColumn) lc rgb \"\(PlotStyle.color(1))\" notitle\n"
            : plotCommand([], emptyMessage: "no layers for this point in layers.csv")
        body += "unset multiplot\n"
        return PlotArtifact(kind: .layerMemory, width: 960, height: height, data: dat.text, body: body)
    }
}

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
        // Tics at the bin counts that occur (plus 0 on a linear axis), when they are few.
        let ticValues = logBins ? distinct : [0] + distinct
        let binTics = distinct.count <= 12 && !distinct.isEmpty
            ? "set ytics (" + ticValues.map { "\"\(compactNumber($0))\" \(gnuplotNumber($0))" }.joined(separator: ", ") + ")\n"
            : "set ytics\n"
        var body = """
        set multiplot title \(gnuplotString("Quantization bins per layer: \(view.description)"))
        set style data boxes
        set boxwidth 0.7 absolute
        unset key
        set tmargin at screen 0.86
        set bmargin at screen \(gnuplotNumber(bottom))
        set lmargin at screen 0.08
        set rmargin at screen 0.63
        set title "bins of each layer (N = 2K + 1)" font ",10"
        set ylabel "bins (count)"
        set xlabel "layer"
        \(view.xRangeCommand)set xtics rotate by 45 right font ",9" \(view.tickStride)
        \(binTics)\(binAxis.commands(axis: "y", logBase: 2))
        """
        body += view.count > 0
            // Boxes start at the axis floor so a log axis (no zero) still shows 1-bin layers.
            ? "plot \(file) index 0 using 1:3:($1-0.35):($1+0.35):(\(gnuplotNumber(binAxis.lower))):3:\(view.xticColumn) "
                + "with boxxyerror lc rgb \"\(PlotStyle.color(0))\" notitle\n"
            : plotCommand([], emptyMessage: "no layers for this point in layers.csv")
        body += """
        set lmargin at screen 0.72
        set rmargin at screen 0.97
        set title "distribution across layers" font ",10"
        set ylabel "layers (count)"
        set xlabel "bins"
        set xtics norotate font ",10" 1
        set ytics \(gnuplotNumber(max(1, (maxCount / 8).rounded(.up))))
        set format y "%g"
        set xrange [-0.6:\(gnuplotNumber(Double(max(distinct.count, 1)) - 0.4))]

        """
        body += AxisRange(lower: 0, upper: max(1, maxCount) * 1.18, isLog: false).commands(axis: "y")
        body += distinct.isEmpty
            ? plotCommand([], emptyMessage: "no bin counts")
            : "plot \(file) index 1 using 1:4:xtic(2) lc rgb \"\(PlotStyle.color(2))\" notitle, \\\n"
                + "     \(file) index 1 using 1:4:(sprintf(\"%d\", $4)) with labels offset 0,0.7 font \",9\" notitle\n"
        body += "unset multiplot\n"
        return PlotArtifact(kind: .binsPerLayer, width: 960, height: height, data: dat.text, body: body)
    }
}
