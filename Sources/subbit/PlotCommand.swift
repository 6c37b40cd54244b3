import ArgumentParser
import Foundation
import Plotting

/// `subbit plot RESULTS_DIR`: renders the plot catalogue from a results folder's CSVs.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Render the plot catalogue (gnuplot) from a results folder's CSVs.",
        discussion: """
        Writes <plot>.dat, <plot>.gp and one image per format for each plot into \
        Plots/<experiment>/ (experiment = the results folder's name). Each .gp re-renders by \
        itself: cd into the folder and run `gnuplot <plot>.gp`. \
        Plots: \(PlotKind.allCases.map(\.rawValue).joined(separator: ", ")).
        """)

    @Argument(help: "Results folder holding runs.csv (and layers.csv), e.g. Results/quick.")
    var resultsDirectory: String

    @Option(name: .long, help: "Comma-separated plots to render (default: all).")
    var only: String?

    @Option(name: .long, help: "Comma-separated image formats: svg, png.")
    var format: String = "svg,png"

    @Option(name: [.customShort("o"), .long], help: "Output folder (default: Plots/<experiment>).")
    var output: String?

    @Option(name: .long, help: "point_id of runs.csv that the per-layer plots show (default: chosen on the frontier).")
    var point: String?

    @Option(name: .long, help: "gnuplot executable (default: gnuplot on PATH).")
    var gnuplot: String?

    func run() throws {
        do {
            let plots = try only.map(PlotKind.parseList) ?? PlotKind.allCases
            let formats = try PlotFormat.parseList(format)
            let results = URL(fileURLWithPath: resultsDirectory, isDirectory: true)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: results.path, isDirectory: &isDirectory),
                  isDirectory.boolValue else {
                throw ValidationError(
                    "results folder '\(resultsDirectory)' does not exist; pass a folder written by a sweep, e.g. Results/quick.")
            }
            let request = PlotRequest(
                resultsDirectory: results,
                outputDirectory: output.map { URL(fileURLWithPath: $0, isDirectory: true) },
                plots: plots, formats: formats, point: point)
            let renderer = try gnuplot.map { GnuplotRenderer(executable: URL(fileURLWithPath: $0)) }
                ?? GnuplotRenderer.locate()
            let files = try PlotCatalogue.render(request, gnuplot: renderer)
            for file in files where formats.map(\.fileExtension).contains(file.pathExtension) {
                print(file.path)
            }
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
