/// An image format the catalogue renders: SVG (gnuplot's `svg` terminal) or PNG (`pngcairo`).
///
/// ```swift
/// try PlotFormat.parseList("svg,png")   // [.svg, .png]
/// ```
public enum PlotFormat: String, CaseIterable, Sendable, Codable {
    case svg
    case png

    /// The file extension, also gnuplot's name for the format in the `.gp` scripts.
    public var fileExtension: String { rawValue }

    /// Parses a comma-separated list (case-insensitive, duplicates dropped, order kept).
    public static func parseList(_ text: String) throws -> [PlotFormat] {
        var formats: [PlotFormat] = []
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased()
            guard let format = PlotFormat(rawValue: name) else {
                throw PlottingError.unknownFormat(name: name, valid: allCases.map(\.rawValue))
            }
            if !formats.contains(format) { formats.append(format) }
        }
        guard !formats.isEmpty else {
            throw PlottingError.unknownFormat(name: text, valid: allCases.map(\.rawValue))
        }
        return formats
    }
}
