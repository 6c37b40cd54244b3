import Foundation

/// One progress display for a sweep: points done / total, trainings done and how many came from
/// the cache, an ETA, and one line per job saying what it is doing.
///
/// On a terminal the block redraws in place; otherwise (CI logs, files) it prints a line when a
/// training finishes and every tenth of the points, so logs stay short.
public final class SweepProgress: @unchecked Sendable {
    public let total: Int
    private let lock = NSLock()
    private let start = Date()
    private var trainings = 0
    private var trainingsDone = 0
    private var trainingsCached = 0
    private var pointsDone = 0
    private var pointsCached = 0
    private var workers: [Int: String] = [:]
    private var drawnLines = 0
    private var lastReportedTenth = -1
    private let interactive: Bool
    private let write: @Sendable (String) -> Void

    /// A display for `total` points writing to standard error (or to `write`, in tests).
    public init(total: Int, interactive: Bool = isatty(STDERR_FILENO) == 1,
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.total = total
        self.interactive = interactive
        self.write = write
    }

    func start(trainings count: Int) {
        lock.withLock { trainings = count }
        redraw(force: true)
    }

    func trainingDone(cached: Bool) {
        lock.withLock {
            trainingsDone += 1
            if cached { trainingsCached += 1 }
        }
        redraw(force: !cached)
    }

    func pointDone(cached: Bool) {
        lock.withLock {
            pointsDone += 1
            if cached { pointsCached += 1 }
        }
        redraw(force: false)
    }

    /// Prints the final state (the last events may not have crossed a reporting threshold).
    func finish() {
        lock.withLock { workers.removeAll() }
        redraw(force: true)
    }

    func status(worker: Int, _ text: String?) {
        lock.withLock { workers[worker] = text }
        if interactive { redraw(force: true) }
    }

    /// The summary line, e.g. `points 12/48 (6 cached) · trainings 3/8 (2 cached) · 1m05s · ETA 2m10s`.
    public var summary: String {
        lock.withLock { summaryLocked() }
    }

    private func summaryLocked() -> String {
        let elapsed = Date().timeIntervalSince(start)
        var line = "points \(pointsDone)/\(total) (\(pointsCached) cached) · trainings \(trainingsDone)/\(trainings) (\(trainingsCached) cached) · \(Self.format(elapsed))"
        // Estimate from computed work only: cached points cost nothing and would skew the rate.
        let computed = pointsDone - pointsCached
        let remaining = total - pointsDone
        if computed > 0, remaining > 0 {
            line += " · ETA \(Self.format(elapsed / Double(computed) * Double(remaining)))"
        }
        return line
    }

    private func redraw(force: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if interactive {
            var text = drawnLines > 0 ? "\u{1B}[\(drawnLines)F\u{1B}[J" : ""
            text += summaryLocked() + "\n"
            let lines = workers.keys.sorted().compactMap { w in workers[w].map { "  job \(w + 1): \($0)" } }
            for line in lines { text += String(line.prefix(160)) + "\n" }
            drawnLines = 1 + lines.count
            write(text)
        } else {
            let tenth = total == 0 ? 10 : pointsDone * 10 / total
            if force || tenth != lastReportedTenth {
                lastReportedTenth = tenth
                write(summaryLocked() + "\n")
            }
        }
    }

    static func format(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m"
    }
}
