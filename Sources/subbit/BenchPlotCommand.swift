import ArgumentParser
import Foundation
import Plotting

/// `subbit bench plot`: renders the whole catalogue for a synthetic 500-point sweep and
/// reports the wall time (target: under 5 s).
struct BenchPlot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Time rendering the whole plot catalogue for a synthetic 500-point sweep (target < 5 s).")

    @Option(name: .long, help: "Comma-separated image formats: svg, png.")
    var format: String = "svg,png"

    @Option(name: .long, help: "Timed repetitions; the best and the median are reported.")
    var repeats: Int = 3

    @Option(name: .long, help: "Keep the synthetic results (DIR/results) and plots (DIR/plots) here (default: a temporary folder, removed).")
    var keep: String?

    @Option(name: .long, help: "gnuplot executable (default: gnuplot on PATH).")
    var gnuplot: String?

    func run() throws {
        do {
            guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1.") }
            let formats = try PlotFormat.parseList(format)
            let renderer = try gnuplot.map { GnuplotRenderer(executable: URL(fileURLWithPath: $0)) }
                ?? GnuplotRenderer.locate()
            let fm = FileManager.default
            let scratch = keep.map { URL(fileURLWithPath: $0, isDirectory: true) }
                ?? fm.temporaryDirectory.appendingPathComponent("subbit-bench-plot-\(UUID().uuidString)")
            defer { if keep == nil { try? fm.removeItem(at: scratch) } }
            let sweep = SyntheticResults.benchmark
            let results = scratch.appendingPathComponent("results").appendingPathComponent(sweep.experiment)
            try sweep.write(to: results)
            let output = scratch.appendingPathComponent("plots")
            let request = PlotRequest(resultsDirectory: results, outputDirectory: output, formats: formats)

            var seconds: [Double] = []
            var files: [URL] = []
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                files = try PlotCatalogue.render(request, gnuplot: renderer)
                seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            let sorted = seconds.sorted()
            let images = files.filter { formats.map(\.fileExtension).contains($0.pathExtension) }
            print("bench plot: \(sweep.pointCount) sweep points, \(PlotKind.allCases.count) plots, "
                + "\(images.count) images (\(formats.map(\.rawValue).joined(separator: ",")))")
            print(String(format: "bench plot: best %.3f s, median %.3f s over %d runs (target < 5 s): %@",
                         sorted[0], sorted[sorted.count / 2], repeats, sorted[sorted.count / 2] < 5 ? "PASS" : "FAIL"))
            if keep != nil { print("bench plot: results kept in \(results.path), plots in \(output.path)") }
        } catch let error as PlottingError {
            // Bad arguments get the usage hint; a problem with the data or the machine is
            // printed once, by itself, with exit status 1.
            switch error {
            case .unknownPlot, .unknownFormat: throw ValidationError(error.description)
            default: throw error
            }
        }
    }
}
