import Foundation

/// Writes a whole folder or nothing: the content goes into a temporary sibling folder, which
/// then replaces the target by renames, so a failure never leaves a half-written output.
///
/// ```swift
/// try AtomicFolder.write(URL(fileURLWithPath: "out/rtl")) { temp in
///     try "x".write(to: temp.appendingPathComponent("a.txt"), atomically: false, encoding: .utf8)
/// }
/// ```
/// - Complexity: O(files written) plus two renames.
enum AtomicFolder {
    static func write(_ folder: URL, _ body: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let parent = folder.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let temp = parent.appendingPathComponent(".\(folder.lastPathComponent).tmp-\(UUID().uuidString)")
        try fm.createDirectory(at: temp, withIntermediateDirectories: false)
        do {
            try body(temp)
        } catch {
            try? fm.removeItem(at: temp)
            throw error
        }
        var old: URL?
        if fm.fileExists(atPath: folder.path) {
            let aside = parent.appendingPathComponent(".\(folder.lastPathComponent).old-\(UUID().uuidString)")
            try fm.moveItem(at: folder, to: aside)
            old = aside
        }
        do {
            try fm.moveItem(at: temp, to: folder)
        } catch {
            if let old { try? fm.moveItem(at: old, to: folder) }
            try? fm.removeItem(at: temp)
            throw error
        }
        if let old { try? fm.removeItem(at: old) }
    }
}
