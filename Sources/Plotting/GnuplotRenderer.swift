import Foundation

/// Runs gnuplot on a `.gp` script inside the script's folder (so its relative `.dat` paths
/// resolve exactly as when a user re-renders by hand).
///
/// ```swift
/// let gnuplot = try GnuplotRenderer.locate()            // gnuplot on PATH
/// try gnuplot.run(script: "frontier.gp", in: plotsFolder)
/// ```
public struct GnuplotRenderer: Sendable {
    /// The gnuplot executable.
    public var executable: URL

    /// A renderer using `executable`; ``run(script:in:)`` fails with
    /// ``PlottingError/gnuplotNotFound(searched:)`` if it is not an executable file.
    public init(executable: URL) {
        self.executable = executable
    }

    /// Finds `gnuplot` on the `PATH` of `environment`.
    public static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> GnuplotRenderer {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("gnuplot")
            if FileManager.default.isExecutableFile(atPath: candidate.path) {
                return GnuplotRenderer(executable: candidate)
            }
        }
        throw PlottingError.gnuplotNotFound(searched: "looked for 'gnuplot' on PATH=\(path)")
    }

    /// Checks that the executable exists and can run, before anything is written.
    public func validate() throws {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw PlottingError.gnuplotNotFound(searched: "'\(executable.path)' is not an executable file")
        }
    }

    /// Runs `gnuplot <script>` with `folder` as the working directory; gnuplot's own error
    /// message becomes ``PlottingError/gnuplotFailed(script:status:message:)``.
    public func run(script: String, in folder: URL) throws {
        try run(scripts: [script], in: folder)
    }

    /// Runs one gnuplot per script, all at once (each plot is independent and gnuplot is
    /// single-threaded), and waits for all; the first failure in `scripts` order is thrown.
    /// gnuplot's messages go to a file per script in `folder` (removed afterwards), not a
    /// pipe, so no process can block on a full pipe while another is being waited for.
    public func run(scripts: [String], in folder: URL) throws {
        try validate()
        let fm = FileManager.default
        var running: [(script: String, process: Process, log: URL)] = []
        defer { for job in running { try? fm.removeItem(at: job.log) } }
        for script in scripts {
            let log = folder.appendingPathComponent(".\(script).stderr")
            guard fm.createFile(atPath: log.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: log.path])
            }
            let process = Process()
            process.executableURL = executable
            process.arguments = [script]
            process.currentDirectoryURL = folder
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: log)
            do {
                try process.run()
            } catch {
                running.forEach { $0.process.waitUntilExit() }
                throw PlottingError.gnuplotNotFound(searched: "could not start '\(executable.path)': \(error)")
            }
            running.append((script, process, log))
        }
        running.forEach { $0.process.waitUntilExit() }
        for job in running where job.process.terminationReason != .exit || job.process.terminationStatus != 0 {
            let message = (try? Data(contentsOf: job.log)) ?? Data()
            throw PlottingError.gnuplotFailed(
                script: job.script, status: job.process.terminationStatus,
                message: String(decoding: message.suffix(2000), as: UTF8.self))
        }
    }
}
