import Foundation

/// Writes files so that a reader — or a rerun after a crash or SIGKILL — sees either the old
/// content or the complete new content, never a half-written file: the bytes go to a temporary
/// file in the same folder, are flushed to disk, then renamed over the destination.
///
/// ```swift
/// try AtomicFile.write(Array("a,b\n1,2\n".utf8), to: URL(fileURLWithPath: "Results/x/runs.csv"))
/// ```
public enum AtomicFile {
    /// Atomically replaces (or creates) `url` with `bytes`, creating parent folders as needed.
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UUID().uuidString.prefix(8))")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else {
            throw AtomicFileError(path: url.path, reason: String(cString: strerror(errno)))
        }
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil, rename(temporary.path, url.path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary.path)
            throw AtomicFileError(path: url.path, reason: failure)
        }
    }

    /// Atomically writes UTF-8 `text`.
    public static func write(_ text: String, to url: URL) throws {
        try write(Array(text.utf8), to: url)
    }
}

/// A result file that could not be written; nothing was changed at its path.
public struct AtomicFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String {
        "cannot write \(path): \(reason). Fix: check that the folder is writable and the disk is not full."
    }
}
