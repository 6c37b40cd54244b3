import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads and atomic writes shared by the format readers and writers.
///
/// Writes go to a temporary file in the destination folder and are renamed into place, so
/// a reader never sees a half-written file and a failed write leaves the old file intact.
public enum AtomicFile {
    /// Writes `bytes` to `url` atomically (temporary file + rename in the same folder).
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        try write(to: url) { sink in try sink.write(bytes) }
    }

    /// Writes `url` atomically from pieces handed to `sink` one after another, so a large
    /// output is never built in memory: the pieces go to a temporary file in the destination
    /// folder, which is renamed into place only after every write and the close succeeded.
    /// Any failure (a full disk, a missing folder) throws a ``FileAccessError`` naming `url`,
    /// removes the temporary file and leaves a previous `url` untouched.
    ///
    /// ```swift
    /// try AtomicFile.write(to: url) { sink in
    ///     try sink.write(header)
    ///     for tensor in tensors { try sink.write(tensor.bytes) }
    /// }
    /// ```
    /// - Complexity: O(total bytes written).
    public static func write(to url: URL, _ body: (inout Sink) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileAccessError(path: url.path, reason: "folder \(folder.path) does not exist; create it first")
        }
        let temporary = folder.appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw FileAccessError(path: url.path, reason: "cannot write: \(String(cString: strerror(errno)))")
        }
        var sink = Sink(fd: fd, path: url.path)
        do {
            try body(&sink)
        } catch {
            close(fd)
            unlink(temporary.path)
            throw error
        }
        guard close(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw FileAccessError(path: url.path, reason: "cannot write: \(reason)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw FileAccessError(path: url.path, reason: "cannot move the written file into place: \(reason)")
        }
    }

    /// The open temporary file of ``write(to:_:)``: every `write` is complete or throws.
    public struct Sink {
        let fd: Int32
        let path: String

        /// Appends `bytes`, retrying short writes; throws with the path on any error (ENOSPC…).
        public mutating func write<C: ContiguousBytes>(_ bytes: C) throws {
            try bytes.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else {
                        throw FileAccessError(path: path, reason: "cannot write: \(String(cString: strerror(errno)))")
                    }
                    done += n
                }
            }
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
