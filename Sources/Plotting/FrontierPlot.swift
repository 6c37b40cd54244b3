import Foundation

/// `frontier`: top-1 accuracy against coded bits per weight.
///
/// One point series per bin policy (colour and shape), the non-dominated tANS frontier as a
/// black line with each frontier point labelled by its λ, the frontiers the same models reach
/// with Huffman and with fixed-width packing (same accuracy, their own bits), the 1-bit
/// frontier as a vertical rule and the float baseline as a horizontal rule.
enum FrontierPlot {
    /// Label geometry in fractions of the plot's width and height: a six-character label is
    /// about `x` wide, and labels closer than `y` in height whose texts come within `gap` in x are
    /// dropped (the later one), as neighbouring frontier points would print over each other.
    static let labelSpacing = (x: 0.08, y: 0.045, gap: 0.025)

    /// The λ label of each frontier point: left-aligned (text right of the point), or in the
    /// right sixth of the plot right-aligned so it stays inside; empty when it would collide.
    static func lambdaLabels(_ frontier: [Int], bits: [Double], accuracy: [Double], lambda: [Double],
                             x: AxisRange, y: AxisRange) -> (left: [String], right: [String]) {
        func fraction(_ v: Double, _ axis: AxisRange) -> Double {
            axis.isLog ? Foundation.log(v / axis.lower) / Foundation.log(axis.upper / axis.lower)
                       : (v - axis.lower) / (axis.upper - axis.lower)
        }
        // Each placed label as the x interval its text covers, and its height.
        var placed: [(from: Double, to: Double, y: Double)] = []
        var left: [String] = [], right: [String] = []
        for i in frontier {
            let fx = fraction(bits[i], x), fy = fraction(accuracy[i], y)
            let text = lambda[i].isFinite ? "λ=\(compactNumber(lambda[i]))" : ""
            let width = labelSpacing.x * Double(text.count) / 6
            let alignRight = fx > 5.0 / 6
            let span = alignRight ? (fx - width, fx) : (fx, fx + width)
            let free = placed.allSatisfy {
                span.1 + labelSpacing.gap < $0.from || span.0 - labelSpacing.gap > $0.to
                    || abs($0.y - fy) > labelSpacing.y
            }
            let shown = free ? text : ""
            if !shown.isEmpty { placed.append((span.0, span.1, fy)) }
            left.append(alignRight ? "" : shown)
            right.append(alignRight ? shown : "")
        }
        return (left, right)
    }

    static func make(_ results: ResultsSet) throws -> PlotArtifact {
        // One point per configuration: the mean over its seeds, with 95 % intervals as error bars.
        let runs = try SeedSummary.means(try results.runs())
        let R = ResultsSchema.Runs.self
        let seeded = try runs.doubles("n").contains { $0 > 1 }
        let bitsCI = try runs.doubles("bits_per_weight_coded_ci95").map { $0.isFinite ? $0 : 0 }
        let accuracyCI = try runs.doubles("top1_decoded_ci95").map { $0.isFinite ? $0 : 0 }
        let bits = try runs.doubles(R.bitsPerWeightCoded)
        let accuracy = try runAccuracy(runs)
        let lambda = try runs.doubles(R.lambda)
        let policy = try runs.strings(R.binPolicy)
        let fixedBits = try runs.doubles(R.bitsPerWeightFixed)
        let huffmanBits = try runs.doubles(R.bitsPerWeightHuffman)
        let floatTop1 = finiteMean(try runs.doubles(R.top1Float))
        // The points and their frontier are tANS runs; the baselines recode the same models.
        let coded = try tansRows(runs)
        // Several models in one sweep: name the model in each series so they stay apart.
        var seriesName = policy
        if runs.hasColumn(R.model) {
            let models = try runs.strings(R.model)
            if Set(models).count > 1 { seriesName = zip(models, policy).map { "\($0) · \($1)" } }
        }

        var dat = GnuplotDataFile(
            title: "frontier: top-1 accuracy (%) against bits per weight, from \(R.fileName)"
                + (seeded ? " (means over seeds; ci95 = half-width of the 95 % Student-t interval)" : ""),
            columns: ["bits_per_weight", "top1_percent", "lambda", "label_left", "label_right"]
                + (seeded ? ["bits_ci95", "top1_ci95"] : []))
        func cis(_ i: Int) -> [GnuplotDataFile.Value] { seeded ? [.number(bitsCI[i]), .number(accuracyCI[i])] : [] }
        var clauses: [String] = []
        var allBits: [Double] = []
        var allAccuracy: [Double] = []
        let file = gnuplotString(PlotKind.frontier.fileStem + ".dat")

        let names = orderedUnique(seriesName).sorted(by: binPolicyOrder)
        for (s, name) in names.enumerated() {
            let rows = runs.rows.indices.filter {
                coded.contains($0) && seriesName[$0] == name && bits[$0].isFinite && accuracy[$0].isFinite
            }
            guard !rows.isEmpty else { continue }
            dat.beginBlock("bin policy \(name) (coded bits)")
            for i in rows {
                dat.addRow([.number(bits[i]), .number(accuracy[i]), .number(lambda[i]), .text(""), .text("")] + cis(i))
                allBits += seeded ? [bits[i] - bitsCI[i], bits[i] + bitsCI[i]] : [bits[i]]
                allAccuracy += seeded ? [accuracy[i] - accuracyCI[i], accuracy[i] + accuracyCI[i]] : [accuracy[i]]
            }
            clauses.append("\(file) index \(dat.blockCount - 1) using \(seeded ? "1:2:6:7 with xyerrorbars" : "1:2 with points") "
                + "pt \(PlotStyle.filledPoint(s)) ps 0.8 lc rgb \"\(PlotStyle.color(s))\" title \(gnuplotString(name))")
        }

        let baselines: [(String, [Double], String, Int)] = [
            ("Huffman frontier", huffmanBits, PlotStyle.ruleGrey, 2),
            ("fixed-width frontier", fixedBits, PlotStyle.lightGrey, 4),
        ]
        for (b, (title, baselineBits, colour, dash)) in baselines.enumerated() {
            let frontier = ParetoFrontier.indices(bits: baselineBits, accuracy: accuracy)
            guard !frontier.isEmpty else { continue }
            dat.beginBlock(title)
            for i in frontier {
                dat.addRow([.number(baselineBits[i]), .number(accuracy[i]), .number(lambda[i]), .text(""), .text("")] + cis(i))
                allBits.append(baselineBits[i])
                allAccuracy.append(accuracy[i])
            }
            clauses.append("\(file) index \(dat.blockCount - 1) using 1:2 with linespoints dt \(dash) lw 1.5 "
                + "pt \(PlotStyle.hollowPoint(b + 1)) ps 0.9 lc rgb \"\(colour)\" title \(gnuplotString(title))")
        }

        // Always show the 1-bit rule: the whole point of the plot is which side of it we are on.
        let x = AxisRange.auto(allBits, include: [1], ratio: 8)
        let y = AxisRange.linear(allAccuracy, include: floatTop1.isFinite ? [floatTop1] : [])

        let codedBits = bits.indices.map { coded.contains($0) ? bits[$0] : .nan }
        let frontier = ParetoFrontier.indices(bits: codedBits, accuracy: accuracy)
        if !frontier.isEmpty {
            let (leftLabels, rightLabels) = lambdaLabels(frontier, bits: bits, accuracy: accuracy,
                                                         lambda: lambda, x: x, y: y)
            dat.beginBlock("non-dominated frontier, coded bits; labels = λ where they do not collide")
            for (n, i) in frontier.enumerated() {
                dat.addRow([.number(bits[i]), .number(accuracy[i]), .number(lambda[i]),
                            .text(leftLabels[n]), .text(rightLabels[n])] + cis(i))
            }
            let index = dat.blockCount - 1
            // Drawn first among the lines so the baselines stay visible where they cross it.
            clauses.append("\(file) index \(index) using 1:2 with lines lw 2 lc rgb \"#000000\" title \"tANS frontier\"")
            clauses.append("\(file) index \(index) using 1:2:4 with labels left offset char 0.5,0.7 "
                + "font small tc rgb \"#000000\" notitle")
            clauses.append("\(file) index \(index) using 1:2:5 with labels right offset char -0.5,0.7 "
                + "font small tc rgb \"#000000\" notitle")
        }
        var body = """
        set title "Top-1 accuracy against coded size\\n(points: tANS-coded runs\(seeded ? " — seed means, 95 % intervals" : ""); lines: non-dominated frontiers\(seeded ? "" : ", Huffman and fixed width coding the same models"))" font medium
        set xlabel "bits per weight (bits/weight)"
        set ylabel "top-1 accuracy (%)"
        set key outside right top vertical Left reverse box lc rgb "#bbbbbb" samplen 2 spacing 1.15 title "bin policy"
        set format x "%g"
        set format y "%g"
        set mxtics default
        set arrow 1 from first 1, graph 0 to first 1, graph 1 nohead dt 2 lw 1.5 lc rgb "\(PlotStyle.ruleGrey)" back
        set label 1 "1 bit/weight" at first 1, graph 0.02 left rotate by 90 offset char -1.6,0 font small tc rgb "\(PlotStyle.ruleGrey)"

        """
        body += x.commands(axis: "x", logBase: 2) + x.powerOfTwoTics(axis: "x")
        body += y.commands(axis: "y")
        if floatTop1.isFinite {
            body += """
            set arrow 2 from graph 0, first \(gnuplotNumber(floatTop1)) to graph 1, first \(gnuplotNumber(floatTop1)) nohead dt 3 lw 1.5 lc rgb "\(PlotStyle.ruleGrey)" back
            set label 2 \(gnuplotString("float baseline \(formatFixed(floatTop1, digits: 1)) %")) at graph 0.01, first \(gnuplotNumber(floatTop1)) left offset 0,0.6 font small tc rgb "\(PlotStyle.ruleGrey)"

            """
        }
        body += plotCommand(clauses, emptyMessage: "no run has both coded bits and accuracy")
        return PlotArtifact(kind: .frontier, width: 960, height: 600, data: dat.text, body: body)
    }
}
