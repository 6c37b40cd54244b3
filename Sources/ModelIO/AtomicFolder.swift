import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a whole folder as a unit, as ``AtomicFile`` writes a file: the new files go into a
/// temporary sibling (`.<name>.staging-<pid>-<random>`), which then takes the folder's place —
/// with Linux's `renameat2(RENAME_EXCHANGE)` in one atomic step; elsewhere with two renames, the
/// old folder parked as `.<name>.old-…` in between. A failure while writing removes the sibling
/// and leaves the old folder exactly as it was: readers see the old files or the new ones, never
/// a mix.
///
/// With `keepingOthers`, the old folder's entries the new content does not write (a results
/// folder's `shards/`, files a user put there) are hard-linked into the sibling first, so they
/// survive; without it the folder ends up holding exactly the new content.
///
/// ```swift
/// try AtomicFolder.write(URL(fileURLWithPath: "Results/quick"), keepingOthers: true) { staging in
///     try "point_id\n".write(to: staging.appendingPathComponent("runs.csv"), atomically: false, encoding: .utf8)
/// }
/// ```
/// - Complexity: O(files written + entries of the old folder).
public enum AtomicFolder {
    /// Runs `body` on an empty staging folder, then puts it in `folder`'s place.
    /// - Throws: ``AtomicFolderError`` naming the path and the cause (a full disk, a file where the
    ///   folder should be), or whatever `body` throws; `folder` is untouched in every case.
    public static func write(_ folder: URL, keepingOthers: Bool = false, _ body: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let parent = folder.deletingLastPathComponent()
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw AtomicFolderError("cannot create \(parent.path): \(reason(error)). Fix: check that the output folder is writable.")
        }
        let tag = "\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        let staging = parent.appendingPathComponent(".\(folder.lastPathComponent).staging-\(tag)")
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw AtomicFolderError("cannot write \(staging.path): \(reason(error)). Fix: free space or choose another output folder; \(folder.path) is intact.")
        }
        do {
            try body(staging)
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else {
                    throw AtomicFolderError("\(folder.path) is a file, not a folder. Fix: move it away.")
                }
                if keepingOthers { try linkTree(from: folder, into: staging) }
                try swap(staging, folder)
                try? fm.removeItem(at: staging)          // now the old folder
            } else if rename(staging.path, folder.path) != 0 {
                throw AtomicFolderError("cannot move \(staging.path) to \(folder.path): \(String(cString: strerror(errno))).")
            }
        } catch {
            try? fm.removeItem(at: staging)
            throw error
        }
    }

    /// The cause of a file-system error as a phrase (no trailing period), e.g. "No space left on device".
    public static func reason(_ error: Error) -> String {
        if let error = error as? AtomicFolderError { return error.description }
        let ns = error as NSError
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        var text = error.localizedDescription
        while text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Hard-links every entry of `source` that `target` lacks into `target` (directories are
    /// recreated, files linked — or copied where the filesystem refuses links).
    static func linkTree(from source: URL, into target: URL) throws {
        let fm = FileManager.default
        for name in try fm.contentsOfDirectory(atPath: source.path) {
            let from = source.appendingPathComponent(name), to = target.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard !fm.fileExists(atPath: to.path) else { continue }
            guard fm.fileExists(atPath: from.path, isDirectory: &isDirectory) else { continue }
            do {
                if isDirectory.boolValue {
                    try fm.createDirectory(at: to, withIntermediateDirectories: false)
                    try linkTree(from: from, into: to)
                } else if link(from.path, to.path) != 0 {
                    try fm.copyItem(at: from, to: to)
                }
            } catch {
                throw AtomicFolderError("cannot carry \(from.path) over to the new folder: \(reason(error)). Fix: free space; the previous folder is intact.")
            }
        }
    }

    /// Exchanges two existing paths: atomically where the C library has `renameat2`, else with
    /// two renames (the old folder is parked under a hidden name between them).
    static func swap(_ staging: URL, _ folder: URL) throws {
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        let exchange: UInt32 = 1 << 1   // RENAME_EXCHANGE
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") {
            let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
            if renameat2(AT_FDCWD, staging.path, AT_FDCWD, folder.path, exchange) == 0 { return }
        }
        let parked = folder.deletingLastPathComponent()
            .appendingPathComponent(".\(folder.lastPathComponent).old-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        guard rename(folder.path, parked.path) == 0 else {
            throw AtomicFolderError("cannot replace \(folder.path): \(String(cString: strerror(errno))).")
        }
        guard rename(staging.path, folder.path) == 0 else {
            let why = String(cString: strerror(errno))
            _ = rename(parked.path, folder.path)
            throw AtomicFolderError("cannot replace \(folder.path): \(why); the previous folder is back in place.")
        }
        _ = rename(parked.path, staging.path)   // the caller removes `staging`: now the old folder
    }
}

/// A folder ``AtomicFolder`` could not write; the message names the path, the cause and the fix.
public struct AtomicFolderError: Error, LocalizedError, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}
