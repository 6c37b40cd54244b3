import Foundation
import ModelIO
import TestSupport
import XCTest

/// A folder is written as a unit: the new content or the old, never a mix, and nothing left behind.
final class AtomicFolderTests: XCTestCase {
    private func put(_ text: String, _ name: String, in folder: URL) throws {
        try text.write(to: folder.appendingPathComponent(name), atomically: false, encoding: .utf8)
    }

    private func contents(_ folder: URL) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            out[name] = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        }
        return out
    }

    func testReplacesTheFolderOrKeepsItsOtherEntries() throws {
        let root = try temporaryFolder()
        let folder = root.appendingPathComponent("out")
        try AtomicFolder.write(folder) { try put("1", "a.txt", in: $0); try put("mine", "note.txt", in: $0) }
        XCTAssertEqual(try contents(folder), ["a.txt": "1", "note.txt": "mine"])
        try AtomicFolder.write(folder, keepingOthers: true) { try put("2", "a.txt", in: $0) }
        XCTAssertEqual(try contents(folder), ["a.txt": "2", "note.txt": "mine"], "the new a.txt, the old note kept")
        try AtomicFolder.write(folder) { try put("3", "a.txt", in: $0) }
        XCTAssertEqual(try contents(folder), ["a.txt": "3"], "exactly the new content")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), ["out"], "no staging or parked folder left")
    }

    func testAFailureLeavesTheOldFolderWhole() throws {
        let root = try temporaryFolder()
        let folder = root.appendingPathComponent("out")
        try AtomicFolder.write(folder) { try put("old", "a.txt", in: $0) }
        struct Interrupted: Error {}
        XCTAssertThrowsError(try AtomicFolder.write(folder, keepingOthers: true) { staging in
            try put("new", "a.txt", in: staging)
            throw Interrupted()
        }) { XCTAssertTrue($0 is Interrupted) }
        XCTAssertEqual(try contents(folder), ["a.txt": "old"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), ["out"])
    }

    func testAFileWhereTheFolderShouldBeIsNamed() throws {
        let root = try temporaryFolder()
        let file = root.appendingPathComponent("out")
        try "x".write(to: file, atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try AtomicFolder.write(file) { try put("1", "a.txt", in: $0) }) { error in
            XCTAssertTrue("\(error)".contains("\(file.path) is a file, not a folder. Fix:"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), "x")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), ["out"])
    }
}
