import Foundation

extension ContentStore {
    /// Runs `body` holding the lock of `key` (a ``CacheLock`` file `<entry>.lock`), so two
    /// processes sharing a cache — sweeps, or Slurm array tasks on one node or several — never
    /// compute one entry twice: the second waits (polling every `poll` seconds, calling `waiting`
    /// once with the holder's `host pid start-time`) and then, typically, finds the entry the
    /// first one stored. Stale locks are broken as ``CacheLock`` describes.
    ///
    /// ```swift
    /// let bytes = try store.withLock(key.hex) { store.get(key.hex) ?? train() }
    /// ```
    /// - Complexity: O(1) file operations per poll.
    func withLock<T>(_ key: String, poll: TimeInterval = 0.5, waiting: ((String) -> Void)? = nil,
                            _ body: () throws -> T) throws -> T {
        var cacheLock = CacheLock(url: URL(fileURLWithPath: url(for: key).path + ".lock"), poll: poll)
        if let waiting { cacheLock.onWait = waiting }
        return try cacheLock.withLock(body)
    }
}
