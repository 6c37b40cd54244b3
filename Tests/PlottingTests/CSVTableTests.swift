import TestSupport
import XCTest
@testable import Plotting

final class CSVTableTests: XCTestCase {
    func testQuotedFieldsWithCommasQuotesAndLineBreaks() throws {
        let text = "name,note,value\r\n\"a, b\",\"say \"\"hi\"\"\",1\r\n\"multi\nline\",,2.5\r\nplain,\"\",NaN"
        let table = try CSVTable(text: text, source: "t.csv")
        XCTAssertEqual(table.header, ["name", "note", "value"])
        XCTAssertEqual(table.rows.count, 3)
        XCTAssertEqual(try table.strings("name"), ["a, b", "multi\nline", "plain"])
        XCTAssertEqual(try table.strings("note"), ["say \"hi\"", "", ""])
        let values = try table.doubles("value")
        XCTAssertEqual(values[0], 1)
        XCTAssertEqual(values[1], 2.5)
        XCTAssertTrue(values[2].isNaN)
    }

    func testByteOrderMarkBlankLinesAndLFEndings() throws {
        let table = try CSVTable(text: "\u{FEFF}a,b\n1,2\n\n3,4\n\n", source: "t.csv")
        XCTAssertEqual(table.header, ["a", "b"])
        XCTAssertEqual(table.rows, [["1", "2"], ["3", "4"]])
    }

    func testEmptyCellsReadAsNaNAndBooleansParse() throws {
        let table = try CSVTable(text: "x,ok\n,1\n 2 ,false\n3,\n", source: "t.csv")
        let x = try table.doubles("x")
        XCTAssertTrue(x[0].isNaN)
        XCTAssertEqual(x[1], 2)
        XCTAssertEqual(try table.booleans("ok"), [true, false, nil])
    }

    func testMissingColumnNamesColumnAndFile() throws {
        let table = try CSVTable(text: "a,b\n1,2\n", source: "/r/runs.csv")
        XCTAssertThrowsError(try table.doubles("lambda")) { error in
            XCTAssertEqual(error as? PlottingError, .missingColumn(column: "lambda", file: "/r/runs.csv"))
            let message = "\(error)"
            XCTAssertTrue(message.contains("'lambda'") && message.contains("/r/runs.csv"), message)
        }
    }

    func testMalformedInputIsAnErrorWithTheLine() {
        let cases: [(String, Int)] = [
            ("a,b\n1,2\n3\n", 3),             // too few fields
            ("a,b\n1,2,3\n", 2),              // too many fields
            ("a,b\n\"open,2\n", 2),           // never-closed quote
            ("a,b\n1,x\"y\"\n", 2),           // quote inside an unquoted field
            ("a,b\n\"x\"y,2\n", 2),           // text after a closing quote
            ("", 1),                          // no header
        ]
        for (text, line) in cases {
            XCTAssertThrowsError(try CSVTable(text: text, source: "bad.csv"), text.debugDescription) { error in
                guard case let .malformedCSV(file, errorLine, _)? = error as? PlottingError else {
                    return XCTFail("\(text.debugDescription): \(error)")
                }
                XCTAssertEqual(file, "bad.csv")
                XCTAssertEqual(errorLine, line, text.debugDescription)
            }
        }
    }

    func testNonNumberNamesTheCell() throws {
        let table = try CSVTable(text: "lambda\n0.1\nabc\n", source: "runs.csv")
        XCTAssertThrowsError(try table.doubles("lambda")) { error in
            XCTAssertEqual(error as? PlottingError,
                           .notANumber(value: "abc", column: "lambda", file: "runs.csv", line: 3))
        }
    }

    /// Writing then reading gives back the same cells, for random fields full of the characters
    /// that need quoting.
    func testRoundTripProperty() throws {
        var rng = SplitMix64(seed: 7)
        let alphabet = Array("ab ,\"\r\nλµ0.1-")
        for trial in 0..<300 {
            let columns = 1 + Int(rng.next() % (trial < 280 ? 4 : 12))
            let rowCount = Int(rng.next() % (trial < 280 ? 5 : 60))
            func field() -> String {
                let length = Int(rng.next() % 7)
                return String((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            }
            // Header names are non-empty so a one-column table never has a blank header line.
            let header = (0..<columns).map { "c\($0)" + field() }
            var rows = (0..<rowCount).map { _ in (0..<columns).map { _ in field() } }
            // A one-column row with an empty cell writes a blank line, which reads as no row.
            if columns == 1 { rows = rows.filter { !$0[0].isEmpty } }
            let table = CSVTable(header: header, rows: rows, source: "rt.csv")
            let back = try CSVTable(text: table.csvText, source: "rt.csv")
            XCTAssertEqual(back.header, header, "trial \(trial)")
            XCTAssertEqual(back.rows, rows, "trial \(trial)")
        }
    }

    func testWriteIsReadableFromDisk() throws {
        let folder = try temporaryFolder()
        let url = folder.appendingPathComponent("x.csv")
        let table = CSVTable(header: ["a", "b"], rows: [["1", "x, y"]], source: url.path)
        try table.write(to: url)
        XCTAssertEqual(try CSVTable(contentsOf: url), table)
    }
}
