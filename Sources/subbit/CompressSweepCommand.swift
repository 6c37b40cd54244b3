import ArgumentParser
import Foundation
import ModelIO
import Quantization

/// `subbit compress-sweep`: compresses one model at several operating points and writes the
/// comparison tables (Markdown and CSV) — how Results/mobilenetv2/compression.md is made.
struct CompressSweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress-sweep",
        abstract: "Compress a model at several operating points and write compression.md/.csv tables.",
        discussion: """
            Points: bins=N (N bins per layer, MSE-optimal steps) or mu=μ (rate–distortion \
            calibration; rmu=μ with relative error; @N caps the bins). RDOQ levels instead of nearest \
            rounding: mu=μ+rdoq, rmu=μ+rdoq (at the point's μ), bins=N+rdoq=μ (absolute error) or \
            bins=N+rrdoq=μ (relative). Writes <out>/compression.md, compression.csv (one row per point) and \
            compression_layers.csv (one row per layer and point).
            """)

    @Argument(help: "The model (.safetensors).")
    var model: String

    @Option(help: "Comma-separated operating points, e.g. 'bins=3,bins=7,mu=1e-5'.")
    var points: String = "bins=3,bins=7,bins=15,bins=255,mu=1e-5,mu=1e-4,mu=1e-3,mu=1.3e-3,mu=1.6e-3,rmu=0.3,rmu=0.5"

    @Option(name: .customLong("out"), help: "Folder for the tables (created if missing).")
    var outputFolder: String

    @Option(help: "Model name for the Markdown title.")
    var name: String?

    @Option(name: .customLong("table-log"), help: "tANS table log R.")
    var tableLog: Int = 11

    @Option(help: "Decoder lanes P.")
    var lanes: Int = 1

    @Option(name: .customLong("float-dtype"), help: "Storage of kept float tensors: f32, f16 or q8 (8-bit with a per-tensor offset and step).")
    var floatDtype: TensorPolicy.FloatStorage = .float32

    func run() throws {
        let parsed = try validating {
            try points.split(separator: ",").map { try OperatingPoint(parsing: String($0).trimmingCharacters(in: .whitespaces)) }
        }
        guard !parsed.isEmpty else { throw ValidationError("--points is empty: give at least one point, e.g. bins=15") }
        let codec = try validating { try CodecOptions(codec: .tans, tableLog: tableLog, lanes: lanes) }
        let sweep = CompressionSweep(points: parsed, policy: TensorPolicy(floatStorage: floatDtype), codec: codec)
        let url = URL(fileURLWithPath: model)
        let input = try failing { try SafeTensorsFile(contentsOf: url) }
        let reports = try failing { try sweep.run(input) }
        let folder = URL(fileURLWithPath: outputFolder)
        try failing { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        let modelName = name ?? url.deletingPathExtension().lastPathComponent
        let command = "subbit compress-sweep \(url.lastPathComponent) --points \(parsed.map(\.description).joined(separator: ",")) "
            + "--table-log \(tableLog) --lanes \(lanes) --float-dtype \(floatDtype.rawValue) --out \(outputFolder)"
        let markdown = sweep.markdown(reports, modelName: modelName, command: command)
        try failing {
            try AtomicFile.write(Array(markdown.utf8), to: folder.appendingPathComponent("compression.md"))
            try AtomicFile.write(Array(sweep.summaryCSV(reports).utf8), to: folder.appendingPathComponent("compression.csv"))
            try AtomicFile.write(Array(sweep.layersCSV(reports).utf8), to: folder.appendingPathComponent("compression_layers.csv"))
        }
        print(markdown.components(separatedBy: "\n## ").first ?? markdown)
        print("wrote \(folder.path)/compression.md, compression.csv, compression_layers.csv")
    }
}
