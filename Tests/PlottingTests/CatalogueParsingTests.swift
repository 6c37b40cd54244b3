import XCTest
@testable import Plotting

final class CatalogueParsingTests: XCTestCase {
    func testPlotNamesParse() throws {
        XCTAssertEqual(try PlotKind.parseList("frontier, LAMBDA,frontier"), [.frontier, .lambda])
        XCTAssertEqual(try PlotKind.parseList(PlotKind.allCases.map(\.rawValue).joined(separator: ",")),
                       PlotKind.allCases)
        XCTAssertEqual(PlotKind.allCases.map(\.rawValue),
                       ["frontier", "layer-memory", "bins-per-layer", "decoders", "codec-overhead", "lambda"])
    }

    func testUnknownPlotListsTheValidNames() {
        XCTAssertThrowsError(try PlotKind.parseList("frontier,pareto")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("'pareto'"), message)
            for kind in PlotKind.allCases { XCTAssertTrue(message.contains(kind.rawValue), message) }
        }
        XCTAssertThrowsError(try PlotKind.parseList(" , "))
    }

    func testFormatsParse() throws {
        XCTAssertEqual(try PlotFormat.parseList("png,svg,PNG"), [.png, .svg])
        XCTAssertThrowsError(try PlotFormat.parseList("pdf")) { error in
            XCTAssertEqual(error as? PlottingError, .unknownFormat(name: "pdf", valid: ["svg", "png"]))
        }
    }

    func testDataFileQuotesStringsAndWritesNaN() {
        var dat = GnuplotDataFile(title: "t", columns: ["x", "name"])
        dat.beginBlock("first")
        dat.addRow([.number(0.5), .text("say \"hi\"\nthere")])
        dat.beginBlock("second")
        dat.addRow([.number(.infinity), .integer(3)])
        XCTAssertEqual(dat.blockCount, 2)
        XCTAssertEqual(dat.text, """
        # t
        # columns: x name
        # index 0: first
        0.5 "say 'hi' there"


        # index 1: second
        NaN 3

        """)
        XCTAssertEqual(gnuplotString("a \"b\" \\c"), "\"a \\\"b\\\" \\\\c\"")
    }

    func testDefaultOutputIsPlotsSlashExperiment() {
        let url = PlotRequest.defaultOutputDirectory(for: URL(fileURLWithPath: "/x/Results/quick/", isDirectory: true))
        XCTAssertEqual(url.lastPathComponent, "quick")
        XCTAssertEqual(url.deletingLastPathComponent().lastPathComponent, "Plots")
    }
}
