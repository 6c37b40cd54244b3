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
    /// pngcairo reads font sizes in points and the svg terminal in pixels; these two sizes
    /// make the same text about equally tall in both images.
    static let pngFontSize = 11
    static let svgFontSize = 14
    /// The smaller fonts of tick names, point labels and panel titles, as gnuplot variables
    /// the scripts use (`font small`), set per terminal for the same reason.
    static let pngSmallerFonts = #"tiny = ",8"; small = ",9"; medium = ",10""#
    static let svgSmallerFonts = #"tiny = ",11"; small = ",12"; medium = ",13""#

    static func color(_ i: Int) -> String { palette[i % palette.count] }
    static func filledPoint(_ i: Int) -> Int { filledPoints[i % filledPoints.count] }
    static func hollowPoint(_ i: Int) -> Int { hollowPoints[i % hollowPoints.count] }
}
