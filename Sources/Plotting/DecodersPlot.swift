/// `decoders`: the hardware view. Top, decoder area against throughput, one series per table
/// log R (colour), lanes P along each series; filled points keep up with the compute array,
/// hollow ones fall behind. Bottom, the net area saved (weight memory saved minus decoder
/// area) against lanes. Runs sharing a configuration are averaged.
enum DecodersPlot {
    struct Configuration: Hashable {
        var tableLog: Double
        var portBits: Double
        var lanes: Double
    }

    static func make(_ results: ResultsSet) throws -> PlotArtifact {
        let runs = try results.runs()
        let R = ResultsSchema.Runs.self
        let tableLog = try runs.doubles(R.tableLog)
        let lanes = try runs.doubles(R.lanes)
        let area = try runs.doubles(R.decoderAreaUM2)
        let throughput = try runs.doubles(R.throughputWeightsPerS)
        let netSaved = try runs.doubles(R.netAreaSavedUM2)
        let keepsUp = try runs.booleans(R.keepsUp)
        let portBits = runs.hasColumn(R.portBits)
            ? try runs.doubles(R.portBits) : Array(repeating: Double.nan, count: runs.rows.count)

        var groups: [Configuration: [Int]] = [:]
        for i in runs.rows.indices
        where tableLog[i].isFinite && lanes[i].isFinite && area[i].isFinite && throughput[i].isFinite {
            // NaN never equals itself; a missing port width groups as 0.
            let port = portBits[i].isFinite ? portBits[i] : 0
            groups[Configuration(tableLog: tableLog[i], portBits: port, lanes: lanes[i]), default: []].append(i)
        }
        let severalPorts = Set(groups.keys.map(\.portBits)).count > 1
        struct SeriesKey: Hashable, Comparable {
            var tableLog: Double, portBits: Double
            static func < (a: Self, b: Self) -> Bool { (a.tableLog, a.portBits) < (b.tableLog, b.portBits) }
        }
        let seriesKeys = Set(groups.keys.map { SeriesKey(tableLog: $0.tableLog, portBits: $0.portBits) }).sorted()

        var dat = GnuplotDataFile(
            title: "decoders: decoder configurations (means over the runs sharing one), from \(R.fileName)",
            columns: ["lanes", "throughput_weights_per_s", "decoder_area_um2", "net_area_saved_um2",
                      "keeps_up", "label"])
        var top: [String] = [], bottom: [String] = []
        var xs: [Double] = [], ys: [Double] = [], laneValues: [Double] = [], saved: [Double] = []
        let file = gnuplotString(PlotKind.decoders.fileStem + ".dat")
        let labelAll = seriesKeys.count <= 3
        for (s, key) in seriesKeys.enumerated() {
            let configs = groups.keys.filter { $0.tableLog == key.tableLog && $0.portBits == key.portBits }
                .sorted { $0.lanes < $1.lanes }
            var name = "R = \(compactNumber(key.tableLog))"
            if key.tableLog >= 0, key.tableLog <= 30 {
                name += " (L = \(compactNumber(tableSize(key.tableLog))))"
            }
            if severalPorts { name += ", W = \(compactNumber(key.portBits)) bits" }
            dat.beginBlock("table log \(name), one row per lane count")
            var upFlags: [Bool] = []
            for config in configs {
                let rows = groups[config] ?? []
                let meanThroughput = finiteMean(rows.map { throughput[$0] })
                let meanArea = finiteMean(rows.map { area[$0] })
                let meanSaved = finiteMean(rows.map { netSaved[$0] })
                let up = rows.allSatisfy { keepsUp[$0] == true }
                upFlags.append(up)
                let label = (labelAll || s == 0) ? "P=\(compactNumber(config.lanes))" : ""
                dat.addRow([.number(config.lanes), .number(meanThroughput), .number(meanArea),
                            .number(meanSaved), .integer(up ? 1 : 0), .text(label)])
                xs.append(meanThroughput); ys.append(meanArea)
                laneValues.append(config.lanes); saved.append(meanSaved)
            }
            let index = dat.blockCount - 1
            let colour = "lc rgb \"\(PlotStyle.color(s))\""
            top.append("\(file) index \(index) using 2:3 with lines lw 1 \(colour) notitle")
            // The key entry is a NaN function: a series whose points are all hollow (or all
            // filled) would otherwise lose its entry, as gnuplot skips empty data sets.
            top.append("NaN with linespoints lw 1 pt \(PlotStyle.filledPoint(s)) ps 1.1 \(colour) title \(gnuplotString(name))")
            // Only the clauses that have points: gnuplot warns about empty ones.
            if upFlags.contains(true) {
                top.append("\(file) index \(index) using 2:($5 > 0 ? $3 : NaN) with points pt \(PlotStyle.filledPoint(s)) ps 1.1 \(colour) notitle")
            }
            if upFlags.contains(false) {
                top.append("\(file) index \(index) using 2:($5 > 0 ? NaN : $3) with points pt \(PlotStyle.hollowPoint(s)) ps 1.1 \(colour) notitle")
            }
            top.append("\(file) index \(index) using 2:3:6 with labels left offset char 0.7,-0.3 font \",8\" tc rgb \"#333333\" notitle")
            bottom.append("\(file) index \(index) using 1:4 with linespoints lw 1.5 pt \(PlotStyle.filledPoint(s)) ps 0.9 \(colour) notitle")
        }
        if !top.isEmpty {
            top.append("NaN with points pt 7 ps 1.1 lc rgb \"#000000\" title \"filled: keeps up\"")
            top.append("NaN with points pt 6 ps 1.1 lc rgb \"#000000\" title \"hollow: falls behind\"")
        }

        let x = AxisRange.auto(xs, ratio: 5)
        let y = AxisRange.auto(ys, ratio: 10)
        let laneAxis = AxisRange.auto(laneValues, ratio: 3)
        let savedAxis = AxisRange.linear(saved, include: [0], padding: 0.08)
        var body = """
        set multiplot title "Decoder configurations: lanes P × table log R (means over runs sharing a configuration)"
        set lmargin at screen 0.11
        set rmargin at screen 0.70
        set tmargin at screen 0.90
        set bmargin at screen 0.58
        set title "area against throughput" font ",10"
        set xlabel "throughput (weights/s)"
        set ylabel "decoder area (µm²)"
        set key at screen 0.72, screen 0.90 left top Left reverse box lc rgb "#bbbbbb" samplen 1.5 spacing 1.15 title "table log (table size)"

        """
        body += x.commands(axis: "x") + y.commands(axis: "y") + x.siFormat(axis: "x") + y.siFormat(axis: "y")
        body += plotCommand(top, emptyMessage: "no run has decoder area and throughput")
        body += """
        set tmargin at screen 0.42
        set bmargin at screen 0.08
        set title "net area saved (weight memory saved minus decoder area; below 0: a loss)" font ",10"
        set xlabel "lanes P (weights decoded per cycle)"
        set ylabel "net area saved (µm²)"
        set format x "%g"
        unset key
        set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead lw 1 lc rgb "\(PlotStyle.ruleGrey)" back

        """
        body += laneAxis.commands(axis: "x", logBase: 2) + savedAxis.commands(axis: "y") + savedAxis.siFormat(axis: "y")
        // Lanes are whole numbers: tic the lane counts of the sweep when they are few.
        let laneCounts = Set(laneValues).sorted()
        if !laneCounts.isEmpty && laneCounts.count <= 12 {
            body += "set xtics (" + laneCounts.map { gnuplotNumber($0) }.joined(separator: ", ") + ")\nunset mxtics\n"
        }
        body += plotCommand(bottom, emptyMessage: "no run has decoder area and throughput")
        body += "unset multiplot\n"
        return PlotArtifact(kind: .decoders, width: 960, height: 760, data: dat.text, body: body)
    }
}

/// L = 2^R entries for a table log R (small non-negative integers in practice).
func tableSize(_ x: Double) -> Double {
    var result = 1.0
    for _ in 0..<Int(x.rounded()) { result *= 2 }
    return result
}
