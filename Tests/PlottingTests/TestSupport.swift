import Foundation
import TestSupport
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Plotting

extension XCTestCase {
    /// The gnuplot on PATH (Scripts/setup.sh installs it); fails the test if there is none.
    func gnuplot() throws -> GnuplotRenderer {
        try GnuplotRenderer.locate()
    }

    /// An executable shell script at `folder/name` with `body`, to stand in for gnuplot.
    func fakeExecutable(in folder: URL, name: String, body: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data("#!/bin/sh\n\(body)\n".utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url
    }
}

/// Checks that a file is the image its extension says.
enum ImageCheck {
    /// Parses as XML, and the root element is `<svg>` with the given pixel size.
    static func assertValidSVG(_ url: URL, width: Int? = nil, height: Int? = nil,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let data = try Data(contentsOf: url)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains("<svg"), "\(url.lastPathComponent) has no <svg", file: file, line: line)
        let parser = XMLParser(data: data)
        let delegate = RootElement()
        parser.delegate = delegate
        XCTAssertTrue(parser.parse(), "\(url.lastPathComponent) is not well-formed XML: \(String(describing: parser.parserError))",
                      file: file, line: line)
        XCTAssertEqual(delegate.name, "svg", file: file, line: line)
        if let width { XCTAssertEqual(delegate.attributes["width"], String(width), file: file, line: line) }
        if let height { XCTAssertEqual(delegate.attributes["height"], String(height), file: file, line: line) }
        // Deterministic output: nothing that looks like a date or a time of day.
        XCTAssertNil(text.range(of: #"(19|20)\d\d-\d\d-\d\d|\d\d:\d\d:\d\d"#, options: .regularExpression),
                     "\(url.lastPathComponent) embeds a date or time", file: file, line: line)
    }

    /// Starts with the PNG signature, then an IHDR chunk with the given size.
    static func assertValidPNG(_ url: URL, width: Int? = nil, height: Int? = nil,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let bytes = [UInt8](try Data(contentsOf: url))
        XCTAssertGreaterThan(bytes.count, 33, file: file, line: line)
        guard bytes.count > 33 else { return }
        XCTAssertEqual(Array(bytes[0..<8]), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
                       "\(url.lastPathComponent) lacks the PNG signature", file: file, line: line)
        XCTAssertEqual(Array(bytes[8..<12]), [0, 0, 0, 13], "IHDR length", file: file, line: line)
        XCTAssertEqual(String(decoding: bytes[12..<16], as: UTF8.self), "IHDR", file: file, line: line)
        func be32(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        if let width { XCTAssertEqual(be32(16), width, file: file, line: line) }
        if let height { XCTAssertEqual(be32(20), height, file: file, line: line) }
        // No tIME chunk: PNG output must not depend on when it was made.
        XCTAssertNil(Data(bytes).range(of: Data("tIME".utf8)), file: file, line: line)
    }

    private final class RootElement: NSObject, XMLParserDelegate {
        var name: String?
        var attributes: [String: String] = [:]
        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            if name == nil {
                name = elementName
                attributes = attributeDict
            }
        }
    }
}
