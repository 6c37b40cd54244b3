import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Replaces a whole folder as a unit: its new files are written into a temporary sibling
/// (`.<name>.staging-<pid>-<random>`), the old folder's other entries (e.g. `shards/`) are
/// hard-linked in beside them, and the sibling then takes the folder's place — with Linux's
/// `renameat2(RENAME_EXCHANGE)`, one atomic step; elsewhere two renames, the old folder parked as
/// `.<name>.old-…` in between. A failure while writing removes the sibling and leaves the old
/// folder exactly as it was; readers see either the old files or the new ones, never a mix.
///
/// ```swift
/// try FolderReplacement.replace(resultsFolder) { staging in
///     try table.write(to: staging.appendingPathComponent("runs.csv"))
/// }
/// ```
/// - Complexity: O(files written + entries of the old folder).
enum FolderReplacement {
    static func replace(_ folder: URL, _ write: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let parent = folder.deletingLastPathComponent()
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw ResultsError("cannot create \(parent.path): \(reason(error)). Fix: check the --results folder is writable.")
        }
        let tag = "\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        let staging = parent.appendingPathComponent(".\(folder.lastPathComponent).staging-\(tag)")
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw ResultsError("cannot write \(staging.path): \(reason(error)). Fix: free space or choose another --results folder; the previous results are intact.")
        }
        do {
            try write(staging)
            var isDirectory: ObjCBool = false
            let exists = fm.fileExists(atPath: folder.path, isDirectory: &isDirectory)
            if exists {
                guard isDirectory.boolValue else {
                    throw ResultsError("\(folder.path) is a file, not a results folder. Fix: move it away.")
                }
                try linkTree(from: folder, into: staging)
                try swap(staging, folder)
                try? fm.removeItem(at: staging)          // now the old folder
            } else if rename(staging.path, folder.path) != 0 {
                throw ResultsError("cannot move \(staging.path) to \(folder.path): \(String(cString: strerror(errno))).")
            }
        } catch {
            try? fm.removeItem(at: staging)
            throw error
        }
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
                throw ResultsError("cannot carry \(from.path) over to the new results: \(reason(error)). Fix: free space; the previous results are intact.")
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
            throw ResultsError("cannot replace \(folder.path): \(String(cString: strerror(errno))).")
        }
        guard rename(staging.path, folder.path) == 0 else {
            let why = String(cString: strerror(errno))
            _ = rename(parked.path, folder.path)
            throw ResultsError("cannot replace \(folder.path): \(why); the previous results are back in place.")
        }
        _ = rename(parked.path, staging.path)   // the caller removes `staging`: now the old folder
    }

    /// The cause of a file-system error as a phrase (no trailing period), e.g. "No space left on device".
    static func reason(_ error: Error) -> String {
        if let error = error as? ResultsError { return error.description }
        let ns = error as NSError
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        var text = error.localizedDescription
        while text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
