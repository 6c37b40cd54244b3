/// Fixed styling shared by every plot, so output is the same on every machine and run.
enum PlotStyle {
    /// The Okabe–Ito colour-blind-safe palette (Okabe & Ito, *Color Universal Design*, 2008),
    /// ordered for series on white: blue, vermillion, bluish green, orange, reddish purple,
    /// sky blue, then yellow and black (yellow is hard to see on white, so it comes late).
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
    /// Filled point types of gnuplot's cairo/svg terminals: circle, square, up and down
    /// triangle, diamond, pentagon. Shape repeats the colour's message for monochrome prints.
    static let filledPoints = [7, 5, 9, 11, 13, 15]
    /// The hollow twin of each filled point type.
    static let hollowPoints = [6, 4, 8, 10, 12, 14]
    /// Rules and baselines: greys that read on white in colour and in print.
    static let ruleGrey = "#555555"
    static let lightGrey = "#999999"
    static let font = "DejaVu Sans"
    static let fontSize = 11

    static func color(_ i: Int) -> String { palette[i % palette.count] }
    static func filledPoint(_ i: Int) -> Int { filledPoints[i % filledPoints.count] }
    static func hollowPoint(_ i: Int) -> Int { hollowPoints[i % hollowPoints.count] }
}

/// One plot of the catalogue, ready to write: its data file and the body of its script.
struct PlotArtifact: Sendable {
    var kind: PlotKind
    /// Canvas size in pixels (SVG user units and PNG pixels alike).
    var width: Int
    var height: Int
    /// The `.dat` file's contents.
    var data: String
    /// gnuplot commands that draw the plot (ranges, labels, `plot`); the preamble that picks
    /// the terminal and output is added by ``script(formats:)``.
    var body: String

    var dataFileName: String { kind.fileStem + ".dat" }
    var scriptFileName: String { kind.fileStem + ".gp" }
    func imageFileName(_ format: PlotFormat) -> String { kind.fileStem + "." + format.fileExtension }

    /// The self-contained `.gp` script: it sets the terminal and output itself and reads the
    /// `.dat` by relative path, so `gnuplot <name>.gp` re-renders it from its folder.
    /// It loops over the formats, resetting between them so no setting leaks from one image
    /// into the next.
    func script(formats: [PlotFormat]) -> String {
        let stem = kind.fileStem
        let names = formats.map(\.fileExtension).joined(separator: " ")
        let indented = body.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
        return """
        # \(stem).gp: written by SubBit's Plotting module (`subbit plot`).
        # Re-render from this folder with: gnuplot \(stem).gp
        # Data: \(dataFileName) (its header names the columns). Edit `formats` to choose outputs.
        formats = \(gnuplotString(names))
        do for [fmt in formats] {
            reset
            if (fmt eq "svg") {
                set terminal svg size \(width),\(height) fixed noenhanced font "\(PlotStyle.font),\(PlotStyle.fontSize)" background "#ffffff"
            } else {
                set terminal pngcairo size \(width),\(height) noenhanced font "\(PlotStyle.font),\(PlotStyle.fontSize)" background "#ffffff"
            }
            set output "\(stem).".fmt
            set encoding utf8
            set datafile missing NaN
            set style fill solid 0.85 border -1
            set grid back lc rgb "#dddddd" lw 1
            set border 3 lw 1
            set tics nomirror out
        \(indented)
            unset output
        }

        """
    }
}
