import Foundation
import XCTest
@testable import Orchestrator

/// The per-entry lock files of the cache: one holder at a time, stale locks of dead processes
/// (or of silent hosts) broken, live ones waited for.
final class CacheLockTests: XCTestCase {
    func lockURL() -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("subbit-lock-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder.appendingPathComponent("ab/abcdef.lock")
    }

    func testOneHolderAtATimeAndTheLockIsRemovedAfterwards() throws {
        let url = lockURL()
        let events = EventLog()
        let group = DispatchGroup()
        for worker in 0..<3 {
            DispatchQueue.global().async(group: group) {
                _ = try? CacheLock(url: url, poll: 0.01, onWait: { _ in }).withLock {
                    events.add("in \(worker)")
                    XCTAssertEqual(try? String(contentsOf: url, encoding: .utf8), CacheLock.identity(pid: getpid()))
                    usleep(50_000)
                    events.add("out \(worker)")
                }
            }
        }
        group.wait()
        let log = events.all
        XCTAssertEqual(log.count, 6)
        for i in stride(from: 0, to: 6, by: 2) {
            XCTAssertTrue(log[i].hasPrefix("in ") && log[i + 1] == "out " + log[i].dropFirst(3), "\(log)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    func testTheLockOfADeadProcessIsBroken() throws {
        let url = lockURL()
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "\(CacheLock.hostName) \(dead.processIdentifier) 12345\n".write(to: url, atomically: true, encoding: .utf8)
        var waited = false
        let ran = try CacheLock(url: url, poll: 0.01, onWait: { _ in waited = true }).withLock { true }
        XCTAssertTrue(ran)
        XCTAssertFalse(waited, "a dead holder is not waited for")
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path + ".break"))
    }

    func testALiveHolderIsWaitedForAndAnotherHostOnlyUntilItStopsRefreshing() throws {
        let url = lockURL()
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Held by this (live) process, as another thread's lock would be: waited for until removed.
        try CacheLock.identity(pid: getpid()).write(to: url, atomically: true, encoding: .utf8)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { unlink(url.path) }
        var holder = ""
        let start = Date()
        try CacheLock(url: url, poll: 0.01, onWait: { holder = $0 }).withLock {}
        XCTAssertGreaterThan(Date().timeIntervalSince(start), 0.25)
        XCTAssertEqual(holder, CacheLock.identity(pid: getpid()).trimmingCharacters(in: .newlines))

        // Another host's lock, refreshed 0.1 s ago: alive for staleAfter = 0.5 s, then broken.
        try "node17 4242 999\n".write(to: url, atomically: true, encoding: .utf8)
        let again = Date()
        try CacheLock(url: url, staleAfter: 0.5, poll: 0.01, onWait: { _ in }).withLock {}
        XCTAssertGreaterThan(Date().timeIntervalSince(again), 0.4)
    }
}

private final class EventLog: @unchecked Sendable {
    private var events: [String] = []
    private let lock = NSLock()
    func add(_ event: String) { lock.withLock { events.append(event) } }
    var all: [String] { lock.withLock { events } }
}
