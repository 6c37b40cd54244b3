/// `lambda`: accuracy (left axis, solid) and coded bits per weight (right axis, dashed)
/// against the entropy weight λ, one colour per bin policy; tANS runs sharing a policy and λ
/// (seeds, codec configurations) are averaged. With several seeds each seed's mean is one
/// sample, and the curves carry 95 % Student-t error bars over the seeds. λ spans decades, so the axis is logarithmic
/// when it can be; λ = 0 then sits one decade left of the smallest positive λ, labelled `0`.
enum LambdaPlot {
    static func make(_ results: ResultsSet) throws -> PlotArtifact {
        let runs = try results.runs()
        let R = ResultsSchema.Runs.self
        let lambda = try runs.doubles(R.lambda)
        let policy = try runs.strings(R.binPolicy)
        let accuracy = try runAccuracy(runs)
        let bits = try runs.doubles(R.bitsPerWeightCoded)
        let floatTop1 = finiteMean(try runs.doubles(R.top1Float))
        let coded = try tansRows(runs)
        let seeds = runs.hasColumn(R.seed) ? try runs.strings(R.seed) : Array(repeating: "", count: runs.rows.count)
        let seeded = Set(seeds).count > 1

        let positive = lambda.filter { $0.isFinite && $0 > 0 }
        let hasZero = lambda.contains(0)
        let logAxis = !positive.isEmpty && ((positive.max() ?? 1) / (positive.min() ?? 1) >= 10 || hasZero)
        let zeroPosition = (positive.min() ?? 1) / 10
        func position(_ l: Double) -> Double { logAxis && l == 0 ? zeroPosition : l }

        var dat = GnuplotDataFile(
            title: "lambda: accuracy and coded bits against λ (means per bin policy and λ), from \(R.fileName)",
            columns: ["x_position", "lambda", "top1_percent", "bits_per_weight_coded", "runs"]
                + (seeded ? ["top1_ci95", "bits_ci95", "seeds"] : []))
        var clauses: [String] = []
        var xs: [Double] = [], accs: [Double] = [], bitValues: [Double] = []
        let file = gnuplotString(PlotKind.lambda.fileStem + ".dat")
        for (s, name) in orderedUnique(policy).sorted(by: binPolicyOrder).enumerated() {
            var byLambda: [Double: [Int]] = [:]
            for i in runs.rows.indices where coded.contains(i) && policy[i] == name && lambda[i].isFinite {
                byLambda[lambda[i], default: []].append(i)
            }
            guard !byLambda.isEmpty else { continue }
            dat.beginBlock("bin policy \(name)")
            for l in byLambda.keys.sorted() {
                let rows = byLambda[l] ?? []
                guard seeded else {
                    let acc = finiteMean(rows.map { accuracy[$0] }), b = finiteMean(rows.map { bits[$0] })
                    dat.addRow([.number(position(l)), .number(l), .number(acc), .number(b), .integer(rows.count)])
                    xs.append(position(l)); accs.append(acc); bitValues.append(b)
                    continue
                }
                // Each seed's mean over its codec configurations is one sample.
                // In seed order (a dictionary's order changes from run to run, and so would the sums' last bits).
                let bySeed = Dictionary(grouping: rows, by: { seeds[$0] })
                let groups = bySeed.keys.sorted().map { bySeed[$0]! }
                let acc = SampleStatistics(groups.map { finiteMean($0.map { accuracy[$0] }) })
                let b = SampleStatistics(groups.map { finiteMean($0.map { bits[$0] }) })
                let (accCI, bitsCI) = (acc.ci95HalfWidth.isFinite ? acc.ci95HalfWidth : 0, b.ci95HalfWidth.isFinite ? b.ci95HalfWidth : 0)
                dat.addRow([.number(position(l)), .number(l), .number(acc.mean), .number(b.mean), .integer(rows.count),
                            .number(accCI), .number(bitsCI), .integer(bySeed.count)])
                xs.append(position(l)); accs += [acc.mean - accCI, acc.mean + accCI]; bitValues += [b.mean - bitsCI, b.mean + bitsCI]
            }
            let index = dat.blockCount - 1
            let colour = "lc rgb \"\(PlotStyle.color(s))\""
            let (top1Columns, bitsColumns) = seeded ? ("1:3:6 axes x1y1 with yerrorlines", "1:4:7 axes x1y2 with yerrorlines")
                : ("1:3 axes x1y1 with linespoints", "1:4 axes x1y2 with linespoints")
            clauses.append("\(file) index \(index) using \(top1Columns) lw 2 pt \(PlotStyle.filledPoint(s)) ps 0.9 \(colour) title \(gnuplotString("\(name): top-1"))")
            clauses.append("\(file) index \(index) using \(bitsColumns) dt 2 lw 2 pt \(PlotStyle.hollowPoint(s)) ps 0.9 \(colour) title \(gnuplotString("\(name): bits/weight"))")
        }

        let x: AxisRange
        if logAxis {
            x = AxisRange.log(xs, padding: 0.04)
        } else {
            x = AxisRange.linear(xs)
        }
        let yAcc = AxisRange.linear(accs, include: floatTop1.isFinite ? [floatTop1] : [])
        let yBits = AxisRange.linear(bitValues, include: [0, 1], padding: 0.06)
        var body = """
        set title "Accuracy and coded size against the entropy weight λ (means over runs\(seeded ? "; error bars: 95 % intervals over seeds" : ""))"
        set xlabel "λ, weight of the entropy term in CE + λ·R (dimensionless)"
        set ylabel "top-1 accuracy (%), solid"
        set y2label "coded bits per weight (bits/weight), dashed"
        set border 11 lw 1
        set ytics nomirror
        set y2tics
        set format x "%g"
        set format y "%g"
        set format y2 "%g"
        # gnuplot's own "key below" placement overlaps the x label: place it explicitly.
        set key at screen 0.5, screen 0.015 center bottom horizontal Left reverse box lc rgb "#bbbbbb" samplen 2.5 spacing 1.1 maxrows 2
        set bmargin 10

        """
        body += x.commands(axis: "x") + yAcc.commands(axis: "y") + yBits.commands(axis: "y2")
        let distinctX = Set(xs)
        if distinctX.count == 1, let only = distinctX.first {
            // One λ: a single tic, so the padding around it does not show negative λ values.
            body += "set xtics (\(gnuplotString(compactNumber(only))) \(gnuplotNumber(only)))\n"
        } else if logAxis && hasZero {
            // λ = 0 is a stand-in position, not a decade: no minor tics pretending otherwise.
            body += "set xtics add (\"0\" \(gnuplotNumber(zeroPosition)))\nunset mxtics\n"
        }
        body += """
        set arrow 1 from graph 0, second 1 to graph 1, second 1 nohead dt 3 lw 1 lc rgb "\(PlotStyle.ruleGrey)" back
        set label 1 "1 bit/weight" at graph 0.99, second 1 right offset 0,0.6 font small tc rgb "\(PlotStyle.ruleGrey)"

        """
        if floatTop1.isFinite {
            body += """
            set arrow 2 from graph 0, first \(gnuplotNumber(floatTop1)) to graph 1, first \(gnuplotNumber(floatTop1)) nohead dt 4 lw 1 lc rgb "\(PlotStyle.ruleGrey)" back
            set label 2 \(gnuplotString("float baseline \(formatFixed(floatTop1, digits: 1)) %")) at graph 0.01, first \(gnuplotNumber(floatTop1)) left offset 0,0.6 font small tc rgb "\(PlotStyle.ruleGrey)"

            """
        }
        body += plotCommand(clauses, emptyMessage: "no run has a finite λ")
        return PlotArtifact(kind: .lambda, width: 900, height: 620, data: dat.text, body: body)
    }
}
