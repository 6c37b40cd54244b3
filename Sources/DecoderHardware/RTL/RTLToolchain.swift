import EntropyCoding
import Foundation

/// The open hardware tools the RTL flow runs, found on `PATH`, each with the Debian package
/// that provides it, so a missing one is one clear error.
///
/// ```swift
/// let iverilog = try RTLToolchain.locate(.iverilog)
/// let output = try RTLToolchain.run(iverilog, ["-g2005", "-o", "sim.vvp", "tb.v"], in: folder)
/// ```
/// - Complexity: O(PATH entries) to locate; `run` waits for the tool.
public enum RTLToolchain {
    public enum Tool: String, Sendable, CaseIterable {
        case iverilog, vvp, yosys, sta

        /// The Debian package that installs the tool.
        public var package: String {
            switch self {
            case .iverilog, .vvp: return "iverilog"
            case .yosys: return "yosys"
            case .sta: return "opensta"
            }
        }
    }

    /// The tool's path, or ``RTLError/missingTool(tool:package:)``.
    public static func locate(_ tool: Tool) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(tool.rawValue)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw RTLError.missingTool(tool: tool.rawValue, package: tool.package)
    }

    /// Runs `executable` with `arguments` in `folder`; returns its standard output and error,
    /// throwing ``RTLError/toolFailed(tool:output:)`` on a non-zero exit.
    @discardableResult
    public static func run(_ executable: URL, _ arguments: [String], in folder: URL) throws -> String {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw RTLError.toolFailed(tool: executable.lastPathComponent, output: String(output.suffix(4000)))
        }
        return output
    }
}
