import Foundation

/// A lock file beside a cache entry, so that processes sharing a cache (array tasks on one node or
/// on several, over a shared filesystem) compute an expensive entry once: the first creates
/// `<entry>.lock` with `O_CREAT | O_EXCL` and writes `host pid start-time` into it; the others wait,
/// then find the entry in the cache.
///
/// A lock whose holder died is broken: on the same host when that process (pid and start time, so
/// a reused pid does not count) no longer runs; from any host when the holder has stopped
/// refreshing the file's modification time (it does every `staleAfter / 4` while it holds the lock).
/// Breaking takes a second `O_EXCL` file, `<entry>.lock.break`, and re-reads the lock under it, so
/// two waiters never both break it, nor remove a lock a third process has just taken.
///
/// ```swift
/// let bytes = try CacheLock(url: store.url(for: key).appendingPathExtension("lock")).withLock {
///     store.get(key) ?? train()          // look again inside: another process may have finished it
/// }
/// ```
struct CacheLock {
    let url: URL
    /// How long a holder's file may go without a refresh before any process may break it.
    var staleAfter: TimeInterval = 120
    /// How often a waiter looks again.
    var poll: TimeInterval = 0.2
    /// Called once when a wait begins, with the holder's `host pid start-time`.
    var onWait: (String) -> Void = { holder in
        FileHandle.standardError.write(Data("waiting for \(holder) to finish the same cache entry\n".utf8))
    }

    /// Runs `body` holding the lock.
    func withLock<T>(_ body: () throws -> T) throws -> T {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let mine = Self.identity(pid: getpid())
        var waited = false
        while true {
            let fd = open(url.path, O_CREAT | O_EXCL | O_WRONLY, 0o644)
            if fd >= 0 {
                let bytes = Array(mine.utf8)
                let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
                guard written == bytes.count else {
                    unlink(url.path)
                    throw ResultsError("cannot write the cache lock \(url.path): \(String(cString: strerror(errno))). Fix: free space in the cache folder.")
                }
                break
            }
            guard errno == EEXIST else {
                throw ResultsError("cannot create the lock \(url.path): \(String(cString: strerror(errno))). Fix: make the cache folder writable.")
            }
            if let holder = read(), isStale(holder) {
                breakLock(ifStill: holder.text)
                continue
            }
            if !waited, let holder = read() {
                onWait(holder.text.trimmingCharacters(in: .whitespacesAndNewlines))
                waited = true
            }
            usleep(UInt32(poll * 1e6))
        }
        let heartbeat = DispatchSource.makeTimerSource(queue: .global())
        heartbeat.schedule(deadline: .now() + staleAfter / 4, repeating: staleAfter / 4)
        let path = url.path
        heartbeat.setEventHandler { _ = utimes(path, nil) }
        heartbeat.resume()
        defer {
            heartbeat.cancel()
            // Remove only our own lock (never one another process took after breaking ours).
            if read()?.text == mine { unlink(url.path) }
        }
        return try body()
    }

    /// `host pid start-time` of a process on this host (start time in clock ticks since boot).
    static func identity(pid: pid_t) -> String {
        "\(hostName) \(pid) \(startTime(pid) ?? "?")\n"
    }

    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Field 22 of `/proc/<pid>/stat`, or nil when there is no such process.
    static func startTime(_ pid: pid_t) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? String(fields[19]) : nil
    }

    private func read() -> (text: String, modified: Date)? {
        guard let data = FileManager.default.contents(atPath: url.path),
              let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              let modified = attributes[.modificationDate] as? Date else { return nil }
        return (String(decoding: data, as: UTF8.self), modified)
    }

    private func isStale(_ holder: (text: String, modified: Date)) -> Bool {
        let parts = holder.text.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        if parts.count == 3, parts[0] == Self.hostName, let pid = pid_t(parts[1]) {
            return Self.startTime(pid) != parts[2]
        }
        // Another host (or a file being written): only its refreshes tell it is alive.
        return Date().timeIntervalSince(holder.modified) > staleAfter
    }

    /// Removes the lock if it still holds `text`, under the break lock.
    private func breakLock(ifStill text: String) {
        let breaker = url.path + ".break"
        let fd = open(breaker, O_CREAT | O_EXCL | O_WRONLY, 0o644)
        guard fd >= 0 else {
            // Another waiter is breaking it; a break lock left by a process that died there is old.
            if let attributes = try? FileManager.default.attributesOfItem(atPath: breaker),
               let modified = attributes[.modificationDate] as? Date, Date().timeIntervalSince(modified) > staleAfter {
                unlink(breaker)
            }
            usleep(UInt32(poll * 1e6))
            return
        }
        close(fd)
        if read()?.text == text { unlink(url.path) }
        unlink(breaker)
    }
}
