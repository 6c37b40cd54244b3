import Foundation
import XCTest
import Yams
@testable import StrictYAML

/// The one strict YAML reader: typed values, refused keys, errors at the line and column.
final class YAMLMappingTests: XCTestCase {
    private func mapping(_ yaml: String) throws -> YAMLMapping {
        try YAMLMapping(try YAMLDocument.compose(yaml: yaml, file: "x.yaml", example: "e.yaml"), path: "", file: "x.yaml")
    }

    /// The error `body` throws, as a ``SpecError``.
    private func specError(_ body: () throws -> Void) -> SpecError? {
        do { try body() } catch { return error as? SpecError }
        return nil
    }

    func testTypedValuesAndDefaults() throws {
        let map = try mapping("lanes: 4\nrate: 0.25\nflag: true\nsub:\n  name: fast\nlist: [1, 2]\nsingle: 7\n")
        XCTAssertEqual(try map.int("lanes", range: 1...64), 4)
        XCTAssertEqual(try map.int("absent", default: 9, range: 1...64), 9)
        XCTAssertEqual(try map.double("rate", range: 0...1), 0.25)
        XCTAssertTrue(try map.bool("flag", default: false))
        XCTAssertEqual(try map.mapping("sub")?.string("name"), "fast")
        XCTAssertEqual(try map.mapping("sub")?.path, "sub")
        XCTAssertEqual(try map.list("list", default: []) { try YAMLMapping.int($0, key: $1, range: 0...9, mapping: map) }, [1, 2])
        XCTAssertEqual(try map.list("single", default: []) { try YAMLMapping.int($0, key: $1, range: 0...9, mapping: map) }, [7],
                       "a scalar is a one-element list")
        XCTAssertNil(try map.optionalInt("absent", range: 0...1))
    }

    func testErrorsNameLineColumnKeyAndFix() throws {
        let map = try mapping("a: 1\nsub:\n  lanes: 99\n  word: x\n")
        let range = specError { _ = try map.mapping("sub")!.int("lanes", range: 1...64) }
        XCTAssertEqual(range?.description, "x.yaml:3:10: sub.lanes: 99 is out of range. Fix: use a value from 1 to 64.")
        let type = specError { _ = try map.mapping("sub")!.double("word", range: 0...1) }
        XCTAssertEqual(type?.line, 4)
        XCTAssertTrue(type?.message.contains("expected a number, found 'x'") == true, "\(String(describing: type))")
        let missing = specError { _ = try map.int("b", range: 0...3) }
        XCTAssertEqual(missing?.description, "x.yaml:1:1: b: required key is missing. Fix: add `b: 0`.")
    }

    func testUnknownKeysGetADidYouMean() throws {
        let map = try mapping("lanes: 4\ntabel_log: 11\n")
        let error = specError { try map.allowOnly(["lanes", "table_log"]) }
        XCTAssertEqual(error?.description, "x.yaml:2:1: tabel_log: unknown key. Did you mean 'table_log'?")
        let far = specError { try map.allowOnly(["lanes", "zip"]) }
        XCTAssertTrue(far?.message.contains("Allowed here: lanes, zip.") == true, "\(String(describing: far))")
    }

    func testChoicesComeFromTheEnum() throws {
        enum Shape: String, CaseIterable { case round, square }
        let map = try mapping("shape: sqaure\n")
        let error = specError { let _: Shape = try map.choice("shape") }
        XCTAssertEqual(error?.message, "unknown value 'sqaure'. Did you mean 'square'? Choose one of: round, square.")
        XCTAssertEqual(try mapping("shape: round\n").choice("shape") as Shape, .round)
    }

    func testDocumentErrors() throws {
        XCTAssertEqual(specError { _ = try self.mapping("") }?.message, "the file is empty. Fix: start from e.yaml.")
        XCTAssertEqual(specError { _ = try self.mapping("- a\n- b\n") }?.keyPath, "(top level)")
        let syntax = specError { _ = try self.mapping("a: [1\n") }
        XCTAssertTrue(syntax?.message.hasPrefix("YAML syntax error") == true, "\(String(describing: syntax))")
        let duplicate = specError { _ = try self.mapping("sub:\n  a: 1\n  b: 2\n  a: 3\n") }
        XCTAssertEqual(duplicate?.description, "x.yaml:4:3: sub.a: duplicate key (first at line 2). Fix: keep one.")
        let unreadable = specError {
            _ = try YAMLDocument.readText(URL(fileURLWithPath: "/no/such/t.yaml"), shown: "t.yaml", example: "e.yaml")
        }
        XCTAssertEqual(unreadable?.file, "t.yaml")
        XCTAssertTrue(unreadable?.message.contains("e.yaml is one that exists") == true, "\(String(describing: unreadable))")
    }

    func testDidYouMean() {
        XCTAssertEqual(DidYouMean.suggestion(for: "tabel_log", among: ["table_log", "lanes"]), "table_log")
        XCTAssertEqual(DidYouMean.suggestion(for: "LANES", among: ["table_log", "lanes"]), "lanes")
        XCTAssertNil(DidYouMean.suggestion(for: "zzzzzz", among: ["table_log", "lanes"]))
        XCTAssertEqual(DidYouMean.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(DidYouMean.editDistance("ab", "ba"), 1, "a transposition is one edit")
        XCTAssertEqual(DidYouMean.editDistance("", "abc"), 3)
    }
}
