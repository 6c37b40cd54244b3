import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What to plot, from where, to where.
public struct PlotRequest: Sendable {
    /// The results folder (`Results/<experiment>/`) holding the CSVs.
    public var resultsDirectory: URL
    /// Where the plots go (default `Plots/<experiment>/`, see ``defaultOutputDirectory(for:)``).
    public var outputDirectory: URL
    public var plots: [PlotKind]
    public var formats: [PlotFormat]
    /// The `point_id` the per-layer plots show; nil lets ``OperatingPointSelection`` choose.
    public var point: String?

    public init(resultsDirectory: URL, outputDirectory: URL? = nil,
                plots: [PlotKind] = PlotKind.allCases, formats: [PlotFormat] = PlotFormat.allCases,
                point: String? = nil) {
        self.resultsDirectory = resultsDirectory
        self.outputDirectory = outputDirectory ?? PlotRequest.defaultOutputDirectory(for: resultsDirectory)
        self.plots = plots
        self.formats = formats
        self.point = point
    }

    /// `Plots/<experiment>/` relative to the current directory, where the experiment is the
    /// results folder's last path component.
    static func defaultOutputDirectory(for results: URL) -> URL {
        let experiment = results.standardizedFileURL.lastPathComponent
        return URL(fileURLWithPath: "Plots", isDirectory: true)
            .appendingPathComponent(experiment, isDirectory: true)
    }
}

/// Renders the plot catalogue: reads the results, writes `<plot>.dat` and `<plot>.gp`, runs
/// gnuplot on each script, and moves the finished files into the output folder.
///
/// Everything is first made in a staging folder beside the output folder; only when every
/// plot rendered are the files moved into place (each by an atomic rename), so a failure
/// leaves the output folder as it was.
///
/// ```swift
/// let request = PlotRequest(resultsDirectory: URL(fileURLWithPath: "Results/quick"))
/// let files = try PlotCatalogue.render(request, gnuplot: try GnuplotRenderer.locate())
/// // Plots/quick/frontier.{dat,gp,svg,png}, Plots/quick/layer-memory.{…}, …
/// ```
public enum PlotCatalogue {
    /// Builds the data files and scripts of the requested plots, without touching the disk.
    static func artifacts(for request: PlotRequest, results: ResultsSet) throws -> [PlotArtifact] {
        try request.plots.map { kind in
            switch kind {
            case .frontier: return try FrontierPlot.make(results)
            case .layerMemory: return try LayerMemoryPlot.make(results, point: request.point)
            case .binsPerLayer: return try BinsPerLayerPlot.make(results, point: request.point)
            case .decoders: return try DecodersPlot.make(results)
            case .codecOverhead: return try CodecOverheadPlot.make(results)
            case .lambda: return try LambdaPlot.make(results)
            }
        }
    }

    /// Renders the request and returns the files written, in catalogue order
    /// (for each plot: `.dat`, `.gp`, then one image per format).
    @discardableResult
    public static func render(_ request: PlotRequest, gnuplot: GnuplotRenderer) throws -> [URL] {
        try gnuplot.validate()
        let results = try ResultsSet(directory: request.resultsDirectory, needing: request.plots)
        let artifacts = try artifacts(for: request, results: results)
        return try write(artifacts, formats: request.formats, to: request.outputDirectory, gnuplot: gnuplot)
    }

    /// Writes `artifacts` (`.dat`, `.gp`) into a staging folder, renders them there, and moves
    /// every file into `outputDirectory` by atomic renames; returns the files in order.
    static func write(_ artifacts: [PlotArtifact], formats: [PlotFormat], to outputDirectory: URL,
                      gnuplot: GnuplotRenderer) throws -> [URL] {
        let fm = FileManager.default
        let output = outputDirectory.standardizedFileURL
        let parent = output.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let staging = parent.appendingPathComponent(".\(output.lastPathComponent).staging-\(UUID().uuidString)")
        try fm.createDirectory(at: staging, withIntermediateDirectories: false)
        defer { try? fm.removeItem(at: staging) }

        for artifact in artifacts {
            for (name, text) in [(artifact.dataFileName, artifact.data), (artifact.scriptFileName, artifact.script(formats: formats))] {
                let url = staging.appendingPathComponent(name)
                do { try Data(text.utf8).write(to: url) } catch {
                    throw CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: url.path, NSUnderlyingErrorKey: error])
                }
            }
        }
        try gnuplot.run(scripts: artifacts.map(\.scriptFileName), in: staging)
        var names: [String] = []
        for artifact in artifacts {
            names += [artifact.dataFileName, artifact.scriptFileName]
            for format in formats {
                let image = artifact.imageFileName(format)
                guard fm.fileExists(atPath: staging.appendingPathComponent(image).path) else {
                    throw PlottingError.gnuplotFailed(
                        script: artifact.scriptFileName, status: 0, message: "it wrote no \(image)")
                }
                guard isComplete(staging.appendingPathComponent(image), format: format) else {
                    throw PlottingError.gnuplotFailed(
                        script: artifact.scriptFileName, status: 0,
                        message: "it wrote an incomplete \(output.appendingPathComponent(image).path) (is the disk full?); the previous plots are intact")
                }
                names.append(image)
            }
        }

        try fm.createDirectory(at: output, withIntermediateDirectories: true)
        return try names.map { name in
            let from = staging.appendingPathComponent(name), to = output.appendingPathComponent(name)
            // rename(2) replaces an existing file atomically (FileManager.moveItem refuses to).
            guard rename(from.path, to.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: to.path])
            }
            return to
        }
    }

    /// Whether gnuplot finished the image: an SVG ends with `</svg>`, a PNG with its `IEND`
    /// chunk. gnuplot exits 0 even when the disk fills under it, leaving 0-byte or cut files.
    /// - Complexity: O(1) reads (the file's last 16 bytes).
    static func isComplete(_ url: URL, format: PlotFormat) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size >= 16 else { return false }
        guard (try? handle.seek(toOffset: size - 16)) != nil, let tail = try? handle.readToEnd() else { return false }
        switch format {
        case .png:
            return Array(tail.suffix(8)) == [0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
        case .svg:
            let text = String(decoding: tail, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return text.hasSuffix("</svg>")
        }
    }
}
