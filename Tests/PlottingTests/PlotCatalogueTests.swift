import Foundation
import TestSupport
import XCTest
@testable import Plotting

final class PlotCatalogueTests: XCTestCase {
    /// A small synthetic sweep (54 runs) written to a fresh results folder named `quick`.
    func makeResults(_ sweep: SyntheticResults = SyntheticResults(),
                     _ edit: (inout CSVTable, inout CSVTable) -> Void = { _, _ in }) throws -> URL {
        let folder = try temporaryFolder().appendingPathComponent("Results/quick", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var (runs, layers) = sweep.tables()
        edit(&runs, &layers)
        try runs.write(to: folder.appendingPathComponent(ResultsSchema.Runs.fileName))
        try layers.write(to: folder.appendingPathComponent(ResultsSchema.Layers.fileName))
        return folder
    }

    /// Renders every plot and checks every file: data, script, valid images of the right size.
    @discardableResult
    func renderAndCheck(_ results: URL, formats: [PlotFormat] = PlotFormat.allCases,
                        file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        let output = results.deletingLastPathComponent().appendingPathComponent("plots-\(UUID().uuidString)")
        let request = PlotRequest(resultsDirectory: results, outputDirectory: output, formats: formats)
        let written = try PlotCatalogue.render(request, gnuplot: try gnuplot())
        XCTAssertEqual(written.count, PlotKind.allCases.count * (2 + formats.count), file: file, line: line)
        let artifacts = try PlotCatalogue.artifacts(
            for: request, results: ResultsSet(directory: results, needing: PlotKind.allCases))
        for artifact in artifacts {
            let dat = try String(contentsOf: output.appendingPathComponent(artifact.dataFileName), encoding: .utf8)
            XCTAssertTrue(dat.hasPrefix("# ") && dat.contains("\n# columns: "), artifact.dataFileName, file: file, line: line)
            let script = try String(contentsOf: output.appendingPathComponent(artifact.scriptFileName), encoding: .utf8)
            XCTAssertTrue(script.contains("set output \"\(artifact.kind.fileStem).\".fmt"), file: file, line: line)
            XCTAssertFalse(script.contains(output.path), "\(artifact.scriptFileName) uses an absolute path", file: file, line: line)
            for format in formats {
                let image = output.appendingPathComponent(artifact.imageFileName(format))
                switch format {
                case .svg: try ImageCheck.assertValidSVG(image, width: artifact.width, height: artifact.height, file: file, line: line)
                case .png: try ImageCheck.assertValidPNG(image, width: artifact.width, height: artifact.height, file: file, line: line)
                }
            }
        }
        return output
    }

    func testRendersTheWholeCatalogue() throws {
        let output = try renderAndCheck(try makeResults())
        // Nothing but the catalogue's files, and no staging folder left beside it.
        let names = try FileManager.default.contentsOfDirectory(atPath: output.path).sorted()
        let expected = PlotKind.allCases.flatMap { kind in ["dat", "gp", "png", "svg"].map { kind.fileStem + "." + $0 } }
        XCTAssertEqual(names, expected.sorted())
        let siblings = try FileManager.default.contentsOfDirectory(atPath: output.deletingLastPathComponent().path)
        XCTAssertFalse(siblings.contains { $0.contains("staging") }, "\(siblings)")
    }

    /// Each `.gp` re-renders by itself with plain `gnuplot` from its folder, to the same bytes.
    func testEachScriptReRendersByItselfAndDeterministically() throws {
        let output = try renderAndCheck(try makeResults())
        let gnuplotPath = try gnuplot().executable
        for kind in PlotKind.allCases {
            var before: [PlotFormat: Data] = [:]
            for format in PlotFormat.allCases {
                let image = output.appendingPathComponent(kind.fileStem + "." + format.fileExtension)
                before[format] = try Data(contentsOf: image)
                try FileManager.default.removeItem(at: image)
            }
            let process = Process()
            process.executableURL = gnuplotPath
            process.arguments = [kind.fileStem + ".gp"]
            process.currentDirectoryURL = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "gnuplot \(kind.fileStem).gp")
            for format in PlotFormat.allCases {
                let image = output.appendingPathComponent(kind.fileStem + "." + format.fileExtension)
                XCTAssertEqual(try Data(contentsOf: image), before[format],
                               "\(image.lastPathComponent) differs when re-rendered")
            }
        }
    }

    func testDegenerateSweepsRender() throws {
        // One sweep point.
        try renderAndCheck(try makeResults(SyntheticResults()) { runs, layers in
            runs.rows = [runs.rows[0]]
            let id = runs.rows[0][0]
            layers.rows = layers.rows.filter { $0[0] == id }
        }, formats: [.svg])
        // Every run has the same λ (and so one x value in the lambda plot).
        try renderAndCheck(try makeResults(SyntheticResults()) { runs, _ in
            let l = runs.header.firstIndex(of: ResultsSchema.Runs.lambda)!
            for r in runs.rows.indices { runs.rows[r][l] = "0.01" }
        }, formats: [.svg])
        // Only λ = 0, one bin policy, one table log and one lane count.
        try renderAndCheck(try makeResults(SyntheticResults()) { runs, layers in
            let keep = Set(runs.rows.indices.filter { r in
                let row = runs.rows[r]
                return row[5] == "0.0" && row[6] == "learned" && row[8] == "8" && row[9] == "4"
            })
            XCTAssertEqual(keep.count, 1)
            runs.rows = runs.rows.indices.filter(keep.contains).map { runs.rows[$0] }
            let ids = Set(runs.rows.map { $0[0] })
            layers.rows = layers.rows.filter { ids.contains($0[0]) }
        }, formats: [.png])
        // Empty and NaN cells all over: every second numeric cell blanked.
        try renderAndCheck(try makeResults(SyntheticResults()) { runs, layers in
            var rng = SplitMix64(seed: 3)
            let textColumns: Set<String> = ["point_id", "experiment", "dataset", "model", "bin_policy", "codec", "layer", "shape"]
            for table in [0, 1] {
                var t = table == 0 ? runs : layers
                for r in t.rows.indices {
                    for c in t.header.indices where !textColumns.contains(t.header[c]) && rng.next() % 2 == 0 {
                        t.rows[r][c] = rng.next() % 2 == 0 ? "" : "NaN"
                    }
                }
                if table == 0 { runs = t } else { layers = t }
            }
        }, formats: [.svg, .png])
        // A sweep with no rows at all.
        try renderAndCheck(try makeResults(SyntheticResults()) { runs, layers in
            runs.rows = []
            layers.rows = []
        }, formats: [.svg])
    }

    /// A MobileNet-sized model: 60 layers with long names, one point per λ.
    func testManyLayersWithLongNamesRender() throws {
        var sweep = SyntheticResults()
        sweep.layers = (0..<60).map { i in
            SyntheticResults.Layer(name: "features.\(i / 3).conv.\(i % 3).block.depthwise.weight",
                                   shape: [8 * (1 + i % 5), 8, 3, 3])
        }
        sweep.tableLogs = [10]
        sweep.lanes = [4]
        let output = try renderAndCheck(try makeResults(sweep), formats: [.svg])
        let dat = try String(contentsOf: output.appendingPathComponent("layer-memory.dat"), encoding: .utf8)
        // Names lose the shared ".weight" and keep their specific tail.
        XCTAssertTrue(dat.contains("\"…v.2.block.depthwise\"") && !dat.contains(".weight"), dat)
    }

    /// Rows of other codecs neither appear as points nor shape the tANS frontier.
    func testFrontierUsesTANSRowsOnly() throws {
        var (runs, layers) = SyntheticResults().tables()
        let codec = runs.header.firstIndex(of: ResultsSchema.Runs.codec)!
        let bits = runs.header.firstIndex(of: ResultsSchema.Runs.bitsPerWeightCoded)!
        runs.rows.append(contentsOf: runs.rows.prefix(3).map { row in
            var r = row
            r[codec] = ResultsSchema.Codec.huffman
            r[bits] = "0.000123"
            return r
        })
        let results = ResultsSet(directory: URL(fileURLWithPath: "/r"), runs: runs, layers: layers)
        let frontier = try FrontierPlot.make(results)
        XCTAssertFalse(frontier.data.contains("0.000123"), frontier.data)
        XCTAssertTrue(frontier.data.contains("non-dominated frontier"))
    }

    func testAnAllNaNColumnStillRenders() throws {
        try renderAndCheck(try makeResults(SyntheticResults()) { runs, _ in
            for column in [ResultsSchema.Runs.top1Decoded, ResultsSchema.Runs.top1Quantized,
                           ResultsSchema.Runs.decoderAreaUM2, ResultsSchema.Runs.bitsPerWeightEntropy] {
                let c = runs.header.firstIndex(of: column)!
                for r in runs.rows.indices { runs.rows[r][c] = "NaN" }
            }
        }, formats: [.svg])
    }

    func testOnlyRequestedPlotsAndFormats() throws {
        let results = try makeResults()
        // frontier needs no layers.csv.
        try FileManager.default.removeItem(at: results.appendingPathComponent(ResultsSchema.Layers.fileName))
        let output = results.deletingLastPathComponent().appendingPathComponent("only")
        let files = try PlotCatalogue.render(
            PlotRequest(resultsDirectory: results, outputDirectory: output, plots: [.frontier], formats: [.svg]),
            gnuplot: try gnuplot())
        XCTAssertEqual(files.map(\.lastPathComponent), ["frontier.dat", "frontier.gp", "frontier.svg"])
        let script = try String(contentsOf: output.appendingPathComponent("frontier.gp"), encoding: .utf8)
        XCTAssertTrue(script.contains("formats = \"svg\""), script)

        XCTAssertThrowsError(try PlotCatalogue.render(
            PlotRequest(resultsDirectory: results, outputDirectory: output, plots: [.frontier, .binsPerLayer]),
            gnuplot: try gnuplot())) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("layers.csv") && message.contains("bins-per-layer"), message)
        }
    }

    func testMissingColumnNamesColumnAndFileAndWritesNothing() throws {
        let results = try makeResults(SyntheticResults()) { runs, _ in
            let c = runs.header.firstIndex(of: ResultsSchema.Runs.bitsPerWeightHuffman)!
            runs.header.remove(at: c)
            for r in runs.rows.indices { runs.rows[r].remove(at: c) }
        }
        let output = results.deletingLastPathComponent().appendingPathComponent("plots")
        XCTAssertThrowsError(try PlotCatalogue.render(
            PlotRequest(resultsDirectory: results, outputDirectory: output), gnuplot: try gnuplot())) { error in
            XCTAssertEqual(error as? PlottingError, .missingColumn(
                column: "bits_per_weight_huffman",
                file: results.appendingPathComponent("runs.csv").path))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }

    func testMissingGnuplotNamesTheInstallCommand() throws {
        let results = try makeResults()
        let output = results.deletingLastPathComponent().appendingPathComponent("plots")
        let absent = GnuplotRenderer(executable: URL(fileURLWithPath: "/nonexistent/bin/gnuplot"))
        XCTAssertThrowsError(try PlotCatalogue.render(
            PlotRequest(resultsDirectory: results, outputDirectory: output), gnuplot: absent)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("apt-get install gnuplot-nox"), message)
            XCTAssertTrue(message.contains("Scripts/setup.sh"), message)
            XCTAssertTrue(message.contains("/nonexistent/bin/gnuplot"), message)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
        XCTAssertThrowsError(try GnuplotRenderer.locate(environment: ["PATH": "/nonexistent"])) { error in
            XCTAssertTrue("\(error)".contains("apt-get install gnuplot-nox"))
        }
    }

    /// gnuplot failing half way leaves the output folder as it was: no half-written plots.
    func testFailingGnuplotLeavesOutputUntouched() throws {
        let results = try makeResults()
        let scratch = try temporaryFolder()
        // Succeeds on the first script (writes its images), fails on the second.
        let fake = try fakeExecutable(in: scratch, name: "gnuplot", body: """
        case "$1" in
          frontier.gp) touch frontier.svg frontier.png ;;
          *) echo "line 7: undefined variable: oops" >&2; exit 1 ;;
        esac
        """)
        let output = results.deletingLastPathComponent().appendingPathComponent("plots")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: output.appendingPathComponent("frontier.svg"))
        XCTAssertThrowsError(try PlotCatalogue.render(
            PlotRequest(resultsDirectory: results, outputDirectory: output),
            gnuplot: GnuplotRenderer(executable: fake))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("layer-memory.gp") && message.contains("undefined variable: oops"), message)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output.path), ["frontier.svg"])
        XCTAssertEqual(try Data(contentsOf: output.appendingPathComponent("frontier.svg")), Data("old".utf8))
        let siblings = try FileManager.default.contentsOfDirectory(atPath: output.deletingLastPathComponent().path)
        XCTAssertFalse(siblings.contains { $0.contains("staging") }, "\(siblings)")
    }
}
