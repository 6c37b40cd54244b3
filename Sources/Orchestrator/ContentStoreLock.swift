import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension ContentStore {
    /// Runs `body` holding the lock of `key` — a file `<entry>.lock` created with `O_EXCL`,
    /// holding `pid host token` — so two processes sharing a cache never compute one entry twice:
    /// the second waits (polling every `poll` seconds, calling `waiting` once with the holder's
    /// pid) and then, typically, finds the entry the first one stored.
    ///
    /// A lock whose holder is a dead process on this host is stale: it is renamed away (one
    /// atomic step, so of several waiters only one breaks it), re-read to confirm it is the same
    /// lock, and deleted. A lock from another host is never broken (its pid means nothing here).
    ///
    /// ```swift
    /// let bytes = try store.withLock(key.hex) { store.get(key.hex) ?? train() }
    /// ```
    /// - Complexity: O(1) file operations per poll.
    public func withLock<T>(_ key: String, poll: TimeInterval = 0.5, waiting: ((Int32) -> Void)? = nil,
                            _ body: () throws -> T) throws -> T {
        let entry = url(for: key)
        try FileManager.default.createDirectory(at: entry.deletingLastPathComponent(), withIntermediateDirectories: true)
        let lock = entry.path + ".lock"
        let me = LockOwner(pid: getpid(), host: LockOwner.hostName, token: UInt64.random(in: 0...UInt64.max))
        var announced = false
        while true {
            let fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                let text = Array(me.text.utf8)
                let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
                guard written == text.count else {
                    unlink(lock)
                    throw ResultsError("cannot write the cache lock \(lock): \(String(cString: strerror(errno))). Fix: free space in the cache folder.")
                }
                defer { if LockOwner.read(lock) == me { unlink(lock) } }
                return try body()
            }
            guard errno == EEXIST else {
                throw ResultsError("cannot create the cache lock \(lock): \(String(cString: strerror(errno))). Fix: check the cache folder is writable.")
            }
            if let holder = LockOwner.read(lock) {
                if holder.isDeadLocalProcess {
                    Self.breakStale(lock, holder: holder)
                    continue
                }
                if !announced { waiting?(holder.pid); announced = true }
            } else if let date = (try? FileManager.default.attributesOfItem(atPath: lock))?[.modificationDate] as? Date,
                      Date().timeIntervalSince(date) > 10 {
                // Empty for 10 s: its creator died between creating and writing it.
                Self.breakStale(lock, holder: nil)
                continue
            }
            // An unreadable lock is one being written this instant: wait like for any other.
            Thread.sleep(forTimeInterval: poll)
        }
    }

    /// Removes `lock` if it still belongs to `holder`: renamed to a unique name first, so of
    /// several processes breaking it at once only one succeeds; a lock that turns out to be a
    /// different (live) one is put back.
    static func breakStale(_ lock: String, holder: LockOwner?) {
        let aside = "\(lock).stale-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard rename(lock, aside) == 0 else { return }
        if LockOwner.read(aside) == holder {
            unlink(aside)
        } else {
            // Someone broke the stale lock and took a new one between our read and rename.
            if link(aside, lock) != 0 { /* a third process holds it now; the moved one is orphaned */ }
            unlink(aside)
        }
    }
}

/// The holder of a cache lock, as written in the lock file: `pid host token`.
struct LockOwner: Equatable {
    var pid: Int32
    var host: String
    var token: UInt64

    var text: String { "\(pid) \(host) \(token)\n" }

    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(cString: buffer)
    }()

    static func read(_ path: String) -> LockOwner? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard fields.count == 3, let pid = Int32(fields[0]), let token = UInt64(fields[2]) else { return nil }
        return LockOwner(pid: pid, host: String(fields[1]), token: token)
    }

    /// True when the holder ran on this host and no process with its pid exists any more.
    var isDeadLocalProcess: Bool {
        guard host == Self.hostName, pid > 0 else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}
