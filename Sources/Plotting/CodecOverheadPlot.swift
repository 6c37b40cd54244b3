/// `codec-overhead`: how far each code sits above the entropy, in bits per weight, against the
/// table log R. Table-driven codes (tANS, rANS) get a point per R (mean over runs, bars from
/// the smallest to the largest); Huffman and fixed width do not depend on R and are drawn as
/// horizontal lines at their mean overhead.
enum CodecOverheadPlot {
    static func make(_ results: ResultsSet) throws -> PlotArtifact {
        let runs = try results.runs()
        let R = ResultsSchema.Runs.self
        let codec = try runs.strings(R.codec).map { $0.lowercased() }
        let tableLog = try runs.doubles(R.tableLog)
        let entropy = try runs.doubles(R.bitsPerWeightEntropy)
        let coded = try runs.doubles(R.bitsPerWeightCoded)
        let huffman = try runs.doubles(R.bitsPerWeightHuffman)
        let fixed = try runs.doubles(R.bitsPerWeightFixed)

        var dat = GnuplotDataFile(
            title: "codec-overhead: coded minus entropy (bits/weight) against table log, from \(R.fileName)",
            columns: ["table_log", "mean_overhead_bits_per_weight", "min", "max", "runs"])
        var clauses: [String] = []
        var values: [Double] = []
        var logs: [Double] = []
        let file = gnuplotString(PlotKind.codecOverhead.fileStem + ".dat")
        var series = 0

        for (name, title) in [(ResultsSchema.Codec.tans, "tANS"), (ResultsSchema.Codec.rans, "rANS")] {
            var byLog: [Double: [Double]] = [:]
            for i in runs.rows.indices where codec[i] == name && tableLog[i].isFinite {
                let overhead = coded[i] - entropy[i]
                if overhead.isFinite { byLog[tableLog[i], default: []].append(overhead) }
            }
            guard !byLog.isEmpty else { continue }
            dat.beginBlock("\(title): one row per table log")
            for log in byLog.keys.sorted() {
                let v = byLog[log] ?? []
                let (lo, hi) = (v.min() ?? .nan, v.max() ?? .nan)
                dat.addRow([.number(log), .number(finiteMean(v)), .number(lo), .number(hi), .integer(v.count)])
                values += [finiteMean(v), lo, hi]
                logs.append(log)
            }
            let colour = PlotStyle.color(series)
            clauses.append("\(file) index \(dat.blockCount - 1) using 1:2:3:4 with yerrorlines lw 2 "
                + "pt \(PlotStyle.filledPoint(series)) ps 1 lc rgb \"\(colour)\" title \"\(title) (mean, min–max)\"")
            series += 1
        }

        let xAxis = logs.isEmpty
            ? AxisRange(lower: 4.5, upper: 15.5, isLog: false)
            : AxisRange(lower: (logs.min() ?? 5) - 0.5, upper: (logs.max() ?? 15) + 0.5, isLog: false)
        // Rows with both numbers, one per training point and codec configuration alike: the
        // baseline does not depend on R, so every run counts.
        for (title, bits, dash) in [("Huffman", huffman, 2), ("fixed width", fixed, 4)] {
            let overhead = runs.rows.indices.map { bits[$0] - entropy[$0] }.filter(\.isFinite)
            guard !overhead.isEmpty else { continue }
            let mean = finiteMean(overhead)
            dat.beginBlock("\(title): mean overhead over \(overhead.count) runs (independent of table log)")
            for x in [xAxis.lower, xAxis.upper] {
                dat.addRow([.number(x), .number(mean), .number(overhead.min() ?? .nan),
                            .number(overhead.max() ?? .nan), .integer(overhead.count)])
            }
            values.append(mean)
            let colour = PlotStyle.color(series)
            clauses.append("\(file) index \(dat.blockCount - 1) using 1:2 with lines dt \(dash) lw 2 "
                + "lc rgb \"\(colour)\" title \(gnuplotString("\(title) (mean \(formatFixed(mean, digits: 3)) bits/weight)"))")
            series += 1
        }

        let yAxis = AxisRange.auto(values, ratio: 20)
        var body = """
        set title "Codec overhead over the entropy of the quantized weights"
        set xlabel "table log R (table size L = 2^R entries)"
        set ylabel "coded − entropy (bits/weight)"
        # gnuplot's own "key below" placement overlaps the x label: place it explicitly.
        set key at screen 0.5, screen 0.015 center bottom horizontal Left reverse box lc rgb "#bbbbbb" samplen 2.5 spacing 1.2 maxrows 2
        set bmargin 7.5
        set format y "%g"
        set xtics 1
        set mytics default

        """
        body += xAxis.commands(axis: "x") + yAxis.commands(axis: "y")
        body += plotCommand(clauses, emptyMessage: "no run has both entropy and coded bits")
        return PlotArtifact(kind: .codecOverhead, width: 900, height: 560, data: dat.text, body: body)
    }
}
