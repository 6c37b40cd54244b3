import Foundation
import XCTest
@testable import Plotting

/// Issue 25, defect 2: gnuplot exits 0 when the disk fills under it; a plot counts only when
/// the image is complete.
final class PlotCompletenessTests: XCTestCase {
    func testTruncatedAndEmptyImagesAreIncomplete() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plots-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let svg = "<?xml version=\"1.0\"?>\n<svg width=\"10\" height=\"10\">\n<g></g>\n</svg>\n\n"
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 7, count: 40)
            + [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
        let cases: [(String, [UInt8], PlotFormat, Bool)] = [
            ("whole.svg", Array(svg.utf8), .svg, true),
            ("cut.svg", Array(svg.utf8.prefix(30)), .svg, false),
            ("empty.svg", [], .svg, false),
            ("whole.png", png, .png, true),
            ("cut.png", Array(png.prefix(40)), .png, false),
            ("empty.png", [], .png, false),
        ]
        for (name, bytes, format, complete) in cases {
            let url = folder.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            XCTAssertEqual(PlotCatalogue.isComplete(url, format: format), complete, name)
        }
    }
}
