import Foundation

/// Everything a user can get wrong when plotting, each with the problem and the fix.
public enum PlottingError: Error, Equatable, LocalizedError, CustomStringConvertible {
    /// A results file the requested plots need is not in the results folder.
    case missingFile(file: String, neededBy: String)
    /// A CSV file lacks a column a plot needs.
    case missingColumn(column: String, file: String)
    /// A CSV file is not well-formed RFC 4180 (unterminated quote, wrong number of fields…).
    case malformedCSV(file: String, line: Int, reason: String)
    /// A cell that must be a number is not one.
    case notANumber(value: String, column: String, file: String, line: Int)
    /// `--only` named a plot that is not in the catalogue.
    case unknownPlot(name: String, valid: [String])
    /// `--format` named an output format other than svg and png.
    case unknownFormat(name: String, valid: [String])
    /// `--point` named a point id that `runs.csv` does not have.
    case unknownPoint(id: String, file: String)
    /// The gnuplot executable could not be found or started.
    case gnuplotNotFound(searched: String)
    /// gnuplot ran but failed on a script.
    case gnuplotFailed(script: String, status: Int32, message: String)

    public var description: String {
        switch self {
        case let .missingFile(file, neededBy):
            return "results file '\(file)' not found (needed by \(neededBy)); "
                + "point `subbit plot` at a results folder written by a sweep (Results/<experiment>/), "
                + "or leave that plot out with --only."
        case let .missingColumn(column, file):
            return "column '\(column)' is missing from \(file); "
                + "regenerate the file with the current sweep (see ResultsSchema for the columns), "
                + "or leave the plots that need it out with --only."
        case let .malformedCSV(file, line, reason):
            return "\(file) line \(line) is not valid CSV: \(reason); fix or regenerate the file."
        case let .notANumber(value, column, file, line):
            return "\(file) line \(line), column '\(column)': '\(value)' is not a number; "
                + "write a decimal number, or leave the cell empty for 'not measured'."
        case let .unknownPlot(name, valid):
            return "unknown plot '\(name)'; valid plots are: \(valid.joined(separator: ", "))."
        case let .unknownFormat(name, valid):
            return "unknown image format '\(name)'; valid formats are: \(valid.joined(separator: ", "))."
        case let .unknownPoint(id, file):
            return "point id '\(id)' is not in \(file); use a value from its point_id column."
        case let .gnuplotNotFound(searched):
            return "gnuplot not found (\(searched)); install it with `apt-get install gnuplot-nox` "
                + "(or run Scripts/setup.sh, which installs every system package SubBit needs)."
        case let .gnuplotFailed(script, status, message):
            let detail = message.trimmingCharacters(in: .whitespacesAndNewlines)
            return "gnuplot failed on \(script) (exit status \(status)): \(detail); "
                + "nothing was written; check the results CSVs for values gnuplot cannot draw, "
                + "or report it as a Plotting bug with the CSVs attached."
        }
    }

    public var errorDescription: String? { description }
}
