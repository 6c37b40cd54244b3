import Foundation
import Plotting
import XCTest
@testable import Orchestrator

/// The tables renderer on synthetic results CSVs (shaped like real ones, not results).
final class PaperTablesTests: XCTestCase {
    /// A trained study: λ × {learned, fixed-3, fixed-15} × table log × lanes.
    func trainedStudy() -> PaperTables.Study {
        var sweep = SyntheticResults()
        sweep.lambdas = [0, 0.01, 0.1, 1]
        let (runs, layers) = sweep.tables()
        return PaperTables.Study(name: "synthetic-lenet", description: "a synthetic trained sweep", runs: runs, layers: layers)
    }

    /// A pretrained study: an ImageNet model, no accuracy columns filled.
    func pretrainedStudy() -> PaperTables.Study {
        var sweep = SyntheticResults()
        sweep.dataset = "imagenet"
        sweep.model = "mobilenet_v2"
        sweep.lambdas = [0]
        sweep.binPolicies = ["fixed-7", "fixed-15"]
        var (runs, layers) = sweep.tables()
        for column in ["top1_float", "top1_quantized", "top1_decoded"] {
            let c = runs.header.firstIndex(of: column)!
            for r in runs.rows.indices { runs.rows[r][c] = "" }
        }
        return PaperTables.Study(name: "synthetic-mobile", calibration: "mse", runs: runs, layers: layers)
    }

    func render() throws -> String {
        try PaperTables.render(title: "paper", description: "Synthetic.", studies: [trainedStudy(), pretrainedStudy()])
    }

    func testEverySectionAndThePaperRowsAreThere() throws {
        let text = try render()
        for heading in ["# paper: SubBit's reproduction", "## Studies", "## 1. Compression", "## 2. Below one bit per weight",
                        "## 3. Entropy-regularized vs fixed-width",
                        "## 3b. Learned vs fixed precision at equal λ", "### 4a. Bins per layer (Figure 4)",
                        "### 4b. Memory per layer at the operating point (Figure 5)", "## 5. Decoder configurations",
                        "## Appendix: every training"] {
            XCTAssertTrue(text.contains("\n\(heading)") || text.hasPrefix(heading), heading)
        }
        XCTAssertTrue(text.contains("| paper (ImageNet ResNet-18/50, as quoted): ResNet-18 | — | — | 46.8 MB | 1.67 MB | — | — | 28.0× | — | — | −0.8 | — |"))
        XCTAssertTrue(text.contains("| paper (ImageNet ResNet-18/50, as quoted): ResNet-50 |"))
        XCTAssertTrue(text.contains("SubBit substitute: LeNet-5 on Fashion-MNIST, trained here (`synthetic-lenet`)"))
        XCTAssertTrue(text.contains("SubBit substitute: MobileNetV2 ImageNet weights, post-training compression (`synthetic-mobile`)"))
        XCTAssertTrue(text.contains("n/a: a pretrained ImageNet model's accuracy"))
        // Markdown tables: every table line has as many cells as its header.
        var width: Int?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("|") else { width = nil; continue }
            let cells = line.replacingOccurrences(of: "\\|", with: "").split(separator: "|", omittingEmptySubsequences: false).count
            if let width { XCTAssertEqual(cells, width, String(line)) } else { width = cells }
        }
    }

    func testRenderingIsDeterministicAndHasNoClock() throws {
        let a = try render(), b = try render()
        XCTAssertEqual(a, b)
        XCTAssertFalse(a.contains("train_seconds"))
        XCTAssertNil(a.range(of: #"20[0-9]{2}-[0-9]{2}-[0-9]{2}"#, options: .regularExpression), "no dates")
    }

    /// The ★ row is the per-layer plots' operating point, and section 4b lists its layers with totals.
    func testOperatingPointMatchesThePlotsChoice() throws {
        let study = trainedStudy()
        let chosen = try XCTUnwrap(OperatingPointSelection.select(runs: study.runs, layerPoints: Set(try study.layers.strings("point_id")),
                                                         requested: nil))
        let id = try study.runs.strings("point_id")[chosen]
        let text = try PaperTables.render(title: "t", studies: [study])
        XCTAssertTrue(text.contains("| \(id) ★ |"), "the operating point \(id) is starred")
        XCTAssertTrue(text.contains("(\(id))\n\n| layer | shape | params | bins | f32 bytes"), "section 4b shows \(id)")
        XCTAssertTrue(text.contains("| **total** |  | 44190 |"), "the totals count every layer's weights")
    }

    /// Section 2 lists exactly the trainings whose smallest tANS configuration is under 1 bit.
    func testSubBitSectionListsExactlyTheTrainingsUnderOneBit() throws {
        let study = trainedStudy()
        let t = study.runs
        let keys = zip(try t.strings("lambda"), try t.strings("bin_policy")).map { "\($0) \($1)" }
        let bits = try t.doubles("bits_per_weight_coded")
        var best: [String: Double] = [:]
        for (k, b) in zip(keys, bits) { best[k] = min(best[k] ?? .infinity, b) }
        let expected = best.values.filter { $0 < 1 }.count
        XCTAssertGreaterThan(expected, 0, "the synthetic sweep reaches under 1 bit")
        let text = try PaperTables.render(title: "t", studies: [study])
        let section = try XCTUnwrap(text.components(separatedBy: "## 2. ").dropFirst().first?.components(separatedBy: "## 3.").first)
        let rows = section.split(separator: "\n").filter { $0.hasPrefix("| SubBit substitute") }
        XCTAssertEqual(rows.count, expected)
        for row in rows {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            XCTAssertLessThan(try XCTUnwrap(Double(cells[2])), 1, String(row))
        }
    }

    /// Section 3: the ratio is the reference's fixed-width bits over the chosen point's coded bits,
    /// and the chosen point is no more than 0.3 pt less accurate.
    func testFixedWidthComparisonUsesTheAccuracyBand() throws {
        let text = try PaperTables.render(title: "t", studies: [trainedStudy()])
        let section = try XCTUnwrap(text.components(separatedBy: "## 3. ").dropFirst().first?.components(separatedBy: "## 3b.").first)
        let rows = section.split(separator: "\n").filter { $0.hasPrefix("| synthetic-lenet") }
        XCTAssertEqual(rows.count, 3, "one row per λ = 0 training (learned, fixed-3, fixed-15)")
        var compared = 0
        for row in rows {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let refBits = Double(cells[3]), let bits = Double(cells[7]), let ratio = Double(cells[9].dropLast()) else { continue }
            compared += 1
            XCTAssertEqual(ratio, refBits / bits, accuracy: 0.06, String(row))
            let delta = Double(cells[8].replacingOccurrences(of: "−", with: "-")) ?? 0
            XCTAssertGreaterThanOrEqual(delta, -0.3 - 0.005, String(row))
        }
        XCTAssertGreaterThan(compared, 0, "some reference has a regularized point within the band")
    }

    /// Section 3b: at each λ > 0, learned precision and every fixed bin count trained at that λ,
    /// the differences learned − fixed, and a verdict that follows the seeds' intervals.
    func testAblationSectionComparesLearnedWithFixedBinsAtEqualLambda() throws {
        var sweep = SyntheticResults()
        sweep.lambdas = [0, 0.01, 0.1]
        sweep.seeds = [1, 2, 3]
        let (runs, layers) = sweep.tables()
        let study = PaperTables.Study(name: "synthetic-lenet", runs: runs, layers: layers)
        let text = try PaperTables.render(title: "t", studies: [study])
        let section = try XCTUnwrap(text.components(separatedBy: "## 3b. ").dropFirst().first?.components(separatedBy: "## 4.").first)
        let rows = section.split(separator: "\n").filter { $0.hasPrefix("| synthetic-lenet") }
            .map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } }
        XCTAssertEqual(rows.map { $0[1] }, ["λ = 0.01", "λ = 0.01", "λ = 0.01", "λ = 0.1", "λ = 0.1", "λ = 0.1"], "λ = 0 is not an ablation")
        XCTAssertEqual(rows.map { $0[2] }, ["learned", "fixed-3", "fixed-15", "learned", "fixed-3", "fixed-15"])
        func number(_ cell: String) -> Double { Double(cell.components(separatedBy: " ± ")[0].replacingOccurrences(of: "−", with: "-"))! }
        for group in [rows[0..<3], rows[3..<6]] {
            let learned = group.first!
            XCTAssertEqual(learned[9], "—")
            for fixed in group.dropFirst() {
                XCTAssertEqual(number(fixed[7]), number(learned[3]) - number(fixed[3]), accuracy: 0.0015, "bits difference")
                XCTAssertEqual(number(fixed[8]), number(learned[5]) - number(fixed[5]), accuracy: 0.015, "top-1 difference")
                XCTAssertTrue(["wins", "loses", "trades", "not distinguishable"].contains(fixed[9]), fixed[9])
            }
        }
        XCTAssertTrue(section.contains("**synthetic-lenet**: learned precision against 4 fixed-bin trainings at equal λ — "))
        // One seed: no interval, no verdict.
        let single = try PaperTables.render(title: "t", studies: [trainedStudy()])
        XCTAssertTrue(single.contains("| one seed |"))
        // No equal-λ pair: the section says so.
        sweep.binPolicies = ["learned"]
        let (r2, l2) = sweep.tables()
        let none = try PaperTables.render(title: "t", studies: [PaperTables.Study(name: "s", runs: r2, layers: l2)])
        XCTAssertTrue(none.contains("No study trains learned and fixed precision at the same λ > 0"))
    }

    func testAblationVerdictFollowsTheIntervals() {
        func run(bits: Double, bitsCI: Double, top1: Double, top1CI: Double) -> PaperTables.Run {
            PaperTables.Run(row: 0, id: "p", dataset: "", model: "", lambda: "0.1", binPolicy: "", rateWeight: "", seed: "",
                            codec: "", tableLog: "", lanes: "", portBits: "", sharing: "", layout: "", compute: "", keepsUp: "",
                            top1Float: 99, top1Quantized: top1, top1: top1, bitsCoded: bits, bitsEntropy: .nan, bitsFixed: .nan,
                            bitsHuffman: .nan, bitsFile: .nan, bytes: .nan, floatBytes: .nan, ratio: .nan, area: .nan,
                            energy: .nan, cycles: .nan, throughput: .nan, netSaved: .nan, n: 3, top1CI: top1CI,
                            deltaCI: .nan, bitsCI: bitsCI)
        }
        typealias V = PaperTables.AblationVerdict
        let base = run(bits: 1.0, bitsCI: 0.05, top1: 99.0, top1CI: 0.1)
        XCTAssertEqual(V(learned: run(bits: 0.8, bitsCI: 0.05, top1: 99.0, top1CI: 0.1), fixed: base), .wins)
        XCTAssertEqual(V(learned: run(bits: 1.0, bitsCI: 0.05, top1: 99.5, top1CI: 0.1), fixed: base), .wins)
        XCTAssertEqual(V(learned: run(bits: 1.2, bitsCI: 0.05, top1: 99.0, top1CI: 0.1), fixed: base), .loses)
        XCTAssertEqual(V(learned: run(bits: 0.8, bitsCI: 0.05, top1: 98.5, top1CI: 0.1), fixed: base), .trades)
        XCTAssertEqual(V(learned: run(bits: 1.05, bitsCI: 0.05, top1: 99.1, top1CI: 0.1), fixed: base), .notDistinguishable)
        XCTAssertEqual(V(learned: run(bits: 0.5, bitsCI: .nan, top1: 99.0, top1CI: .nan), fixed: base), .oneSeed)
    }

    func testDecoderSectionListsEveryConfigurationOfTheOperatingTraining() throws {
        let text = try PaperTables.render(title: "t", studies: [trainedStudy()])
        let section = try XCTUnwrap(text.components(separatedBy: "## 5. ").dropFirst().first?.components(separatedBy: "## Appendix").first)
        let rows = section.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| P ") && !$0.hasPrefix("| ---") }
        XCTAssertEqual(rows.count, 2 * 3, "table logs × lanes of the synthetic sweep")
        XCTAssertTrue(rows[0].hasPrefix("| 1 | 8 |"), String(rows[0]))
    }

    /// A study that swept the optional `layer_form` axis: its two forms of one configuration are
    /// two configurations in the tables (a column of their own in section 5, named in the codec
    /// cell), not two rows of the same one; the trainings stay the same.
    func testSweptOptionalAxisSeparatesItsConfigurations() throws {
        var study = trainedStudy()
        let plain = try PaperTables.render(title: "t", studies: [study])
        let (id, bits) = (study.runs.header.firstIndex(of: "point_id")!, study.runs.header.firstIndex(of: "bits_per_weight_coded")!)
        study.runs.header.append("layer_form")
        let configured = study.runs.rows.map { $0 + ["configured"] }
        let smallest = study.runs.rows.map { row -> [String] in
            var row = row + ["smallest"]
            row[id] += "s"
            row[bits] = String(Double(row[bits])! - 0.001)
            return row
        }
        study.runs.rows = configured + smallest
        let text = try PaperTables.render(title: "t", studies: [study])
        func studyRow(_ t: String) throws -> [String] {   // study, substitute, trainings, points, description
            let line = try XCTUnwrap(t.split(separator: "\n").first { $0.hasPrefix("| synthetic-lenet | SubBit substitute") })
            return line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let (before, after) = (try studyRow(plain), try studyRow(text))
        XCTAssertEqual(after[2], before[2], "the same trainings")
        XCTAssertEqual(Int(after[3]), 2 * Int(before[3])!, "twice the points")
        let section = try XCTUnwrap(text.components(separatedBy: "## 5. ").dropFirst().first?.components(separatedBy: "## Appendix").first)
        XCTAssertTrue(section.contains("| P | R | W | tables | streams | layer_form | bits/weight (coded) |"), section)
        let rows = section.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| P ") && !$0.hasPrefix("| ---") }
        XCTAssertEqual(rows.count, 2 * 2 * 3, "both forms of table logs × lanes")
        XCTAssertTrue(rows[0].contains("| configured |") && rows[1].contains("| smallest |"), "\(rows[0])\n\(rows[1])")
        XCTAssertTrue(text.contains("R=8 P=1 layer_form=smallest"), "the codec cell names the form")
        XCTAssertFalse(plain.contains("layer_form"), "an unswept optional axis stays out of the tables")
    }

    func testNumberFormatting() {
        XCTAssertEqual(PaperTables.signed(-0.8), "−0.80")
        XCTAssertEqual(PaperTables.signed(0.123), "+0.12")
        XCTAssertEqual(PaperTables.signed(-0.001), "0.00")
        XCTAssertEqual(PaperTables.size(46_800_000), "46.80 MB")
        XCTAssertEqual(PaperTables.size(27_744), "27.7 kB")
        XCTAssertEqual(PaperTables.size(812), "812 B")
        XCTAssertEqual(PaperTables.ratio(28.04), "28.0×")
        XCTAssertEqual(PaperTables.bits(.nan), "—")
        XCTAssertEqual(PaperTables.markdownTable(["a", "b|c"], right: [1], rows: [["x", "1"]]),
                       ["| a | b\\|c |", "| --- | ---: |", "| x | 1 |"])
    }

    /// A runs.csv without the newer whole-file columns (synthetic results lack them) derives the
    /// whole-file bits per parameter from `bytes_coded` and `params`.
    func testOlderFilesWithoutWholeFileColumnsDeriveThem() throws {
        let study = trainedStudy()
        XCTAssertFalse(study.runs.hasColumn("bits_per_param_file"))
        let ids = try study.runs.strings("point_id")
        let bytes = try study.runs.doubles("bytes_coded"), params = try study.runs.doubles("params")
        let text = try PaperTables.render(title: "t", studies: [study])
        let section = try XCTUnwrap(text.components(separatedBy: "## 1. ").dropFirst().first?.components(separatedBy: "## 2.").first)
        let rows = section.split(separator: "\n").filter { $0.hasPrefix("| SubBit substitute") }
        XCTAssertFalse(rows.isEmpty)
        for row in rows {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let id = String(cells[11].prefix { $0 != " " })
            let i = try XCTUnwrap(ids.firstIndex(of: id), String(row))
            XCTAssertEqual(cells[5], PaperTables.bits(bytes[i] * 8 / params[i]), String(row))
        }
    }
}
