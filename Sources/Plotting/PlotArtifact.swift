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
    /// The files' stem when the plot is not one of the catalogue's (nil: `kind.fileStem`).
    var stem: String? = nil

    var fileStem: String { stem ?? kind.fileStem }
    var dataFileName: String { fileStem + ".dat" }
    var scriptFileName: String { fileStem + ".gp" }
    func imageFileName(_ format: PlotFormat) -> String { fileStem + "." + format.fileExtension }

    /// The self-contained `.gp` script: it sets the terminal and output itself and reads the
    /// `.dat` by relative path, so `gnuplot <name>.gp` re-renders it from its folder.
    /// It loops over the formats, resetting between them so no setting leaks from one image
    /// into the next.
    func script(formats: [PlotFormat]) -> String {
        let stem = fileStem
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
                set terminal svg size \(width),\(height) fixed noenhanced font "\(PlotStyle.font),\(PlotStyle.svgFontSize)" background "#ffffff"
                \(PlotStyle.svgSmallerFonts)
            } else {
                set terminal pngcairo size \(width),\(height) noenhanced font "\(PlotStyle.font),\(PlotStyle.pngFontSize)" background "#ffffff"
                \(PlotStyle.pngSmallerFonts)
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

/// A `plot` command joining `clauses`, or, when there is nothing to draw, an empty frame with a
/// centred message and no tick numbers (gnuplot refuses to plot nothing, a blank image says
/// nothing, and the numbers of a made-up range would mislead).
func plotCommand(_ clauses: [String], emptyMessage: String) -> String {
    guard !clauses.isEmpty else {
        return """
        set label 99 \(gnuplotString(emptyMessage)) at graph 0.5, graph 0.5 center
        set format x ""
        set format y ""
        set format y2 ""
        unset key
        plot NaN notitle

        """
    }
    // In a multiplot an earlier panel's message would otherwise carry over.
    return "unset label 99\nplot " + clauses.joined(separator: ", \\\n     ") + "\n"
}
