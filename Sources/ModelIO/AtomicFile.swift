import Foundation

/// Whole-file reads and atomic writes shared by the format readers and writers.
///
/// Writes go to a temporary file in the destination folder and are renamed into place, so
/// a reader never sees a half-written file and a failed write leaves the old file intact.
public enum AtomicFile {
    /// Writes `bytes` to `url` atomically (temporary file + rename in the same folder).
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileAccessError(path: url.path, reason: "folder \(folder.path) does not exist; create it first")
        }
        let temporary = folder.appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try Data(bytes).write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw FileAccessError(path: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw FileAccessError(path: url.path, reason: "cannot move the written file into place: \(reason)")
        }
    }

    /// Reads a whole file, memory-mapped when the system allows it.
    static func read(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            let exists = FileManager.default.fileExists(atPath: url.path)
            throw FileAccessError(path: url.path, reason: exists ? "cannot read: \(error.localizedDescription)" : "no such file")
        }
    }
}

/// A file could not be read or written (missing, permissions, full disk…).
public struct FileAccessError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
    public var errorDescription: String? { description }
}
