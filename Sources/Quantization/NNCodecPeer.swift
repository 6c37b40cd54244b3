import Foundation

/// NNCodec (Fraunhofer HHI's implementation of MPEG NNC, ISO/IEC 15938-17; pip `nncodec`) as an
/// optional peer of `subbit bench rd` and ``RateSQNRBenchmark``: where `python3` can import it, a short Python program reads
/// the same rank ≥ 2 float tensors from the safetensors file, compresses them with
/// `nnc.compress` at each qp (its default pipeline: dependent quantization on), decodes the
/// bitstream with `nnc.decompress`, and prints SQNR and bits per weight. Never required.
///
/// ```swift
/// switch NNCodecPeer.run(model: url, qps: [-32, -24]) {
/// case .measured(let rows, let version): …
/// case .unavailable: print("run Scripts/install-nncodec.sh, then set SUBBIT_PYTHON")
/// case .failed(let why): print(why)
/// }
/// ```
public enum NNCodecPeer {
    /// What a run of the peer gave.
    public enum Outcome: Sendable {
        case unavailable
        case failed(String)
        case measured([RateSQNRBenchmark.Row], version: String)
    }

    /// The peer program: argv[1] the safetensors file, argv[2] comma-separated qps, argv[3]
    /// comma-separated `lambda_scale` values (default 0); prints `version <v>` then one
    /// `qp,sqnr_db,bits_per_weight,cpu_seconds,lambda_scale` line per qp and λ.
    static let program = #"""
    import json, math, os, struct, sys, tempfile, time
    import numpy as np
    import nncodec
    from nncodec import nnc
    path, qps = sys.argv[1], [int(q) for q in sys.argv[2].split(",")]
    lambdas = [float(x) for x in sys.argv[3].split(",")] if len(sys.argv) > 3 else [0.0]
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    kinds = {"F32": "<f4", "F16": "<f2", "F64": "<f8"}
    tensors = {}
    for name, d in header.items():
        if name == "__metadata__" or d["dtype"] not in kinds or len(d["shape"]) < 2:
            continue
        a, b = d["data_offsets"]
        tensors[name] = np.frombuffer(data[a:b], dtype=kinds[d["dtype"]]).astype(np.float32).reshape(d["shape"])
    count = sum(t.size for t in tensors.values())
    energy = sum(float(np.square(t.astype(np.float64)).sum()) for t in tensors.values())
    try:
        from importlib.metadata import version as package_version
        nnc_version = package_version("nncodec")
    except Exception:
        nnc_version = getattr(nncodec, "__version__", "unknown")
    print("version", nnc_version, flush=True)
    for lam in lambdas:
        for qp in qps:
            with tempfile.TemporaryDirectory() as tmp:
                start = time.process_time()
                bitstream = nnc.compress(dict(tensors), bitstream_path=os.path.join(tmp, "peer.nnc"), qp=qp,
                                         use_dq=True, lambda_scale=lam, return_bitstream=True, verbose=False)
                seconds = time.process_time() - start
                decoded = nnc.decompress(bitstream)
            error = sum(float(np.square(np.asarray(decoded[k], dtype=np.float64).reshape(t.shape) - t.astype(np.float64)).sum())
                        for k, t in tensors.items())
            sqnr = 10 * math.log10(energy / error) if error > 0 else float("inf")
            print(f"{qp},{sqnr:.6f},{len(bitstream) * 8 / count:.6f},{seconds:.3f},{lam:g}", flush=True)
    """#

    /// The peer's mode name at NNCodec's `lambda_scale` λ: `nncodec` for its default 0 (the
    /// trellis ignores rate), `nncodec-rd<λ>` for its rate-aware trellis.
    public static func mode(lambda: Double) -> String {
        lambda == 0 ? RateSQNRBenchmark.peerMode : RateSQNRBenchmark.peerMode + "-rd" + String(format: "%g", lambda)
    }

    /// Measures NNCodec on `model`'s rank ≥ 2 float tensors at every qp and `lambda_scale`:
    /// `.unavailable` when ``interpreter`` cannot import `nncodec`, `.failed` with its last error
    /// line when the program fails.
    public static func run(model: URL, qps: [Int], lambdas: [Double] = [0]) -> Outcome {
        guard python(["-c", "import nncodec"]).status == 0 else { return .unavailable }
        let result = python(["-c", program, model.path, qps.map(String.init).joined(separator: ","),
                             lambdas.map { String(format: "%g", $0) }.joined(separator: ",")])
        guard result.status == 0 else {
            let last = result.stderr.split(separator: "\n").last.map(String.init) ?? "exit status \(result.status)"
            return .failed(last)
        }
        var version = "unknown"
        var rows: [RateSQNRBenchmark.Row] = []
        for line in result.stdout.split(separator: "\n") {
            if line.hasPrefix("version ") { version = String(line.dropFirst(8)); continue }
            let f = line.split(separator: ",").map(String.init)
            // qp, SQNR, bits, seconds[, λ] (a line without λ is at NNCodec's default, 0).
            guard f.count == 4 || f.count == 5, let sqnr = Double(f[1]), let bits = Double(f[2]), let seconds = Double(f[3]),
                  let lambda = f.count == 5 ? Double(f[4]) : 0 else { continue }
            rows.append(RateSQNRBenchmark.Row(mode: mode(lambda: lambda), point: "qp=\(f[0])", sqnrDecibels: sqnr,
                                              bitsPerWeight: bits, seconds: seconds))
        }
        return rows.isEmpty ? .failed("it printed no measurement") : .measured(rows, version: version)
    }

    /// The interpreter the peer runs: `$SUBBIT_PYTHON` (e.g. the environment
    /// `Scripts/install-nncodec.sh` makes) or `python3` on the PATH.
    public static var interpreter: String {
        ProcessInfo.processInfo.environment["SUBBIT_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
    }

    /// Runs ``interpreter`` with `arguments`; output goes to temporary files (no pipe can fill up).
    static func python(_ arguments: [String]) -> (status: Int32, stdout: String, stderr: String) {
        let fm = FileManager.default
        let out = fm.temporaryDirectory.appendingPathComponent("subbit-peer-\(UUID().uuidString).out")
        let err = fm.temporaryDirectory.appendingPathComponent("subbit-peer-\(UUID().uuidString).err")
        defer { try? fm.removeItem(at: out); try? fm.removeItem(at: err) }
        guard fm.createFile(atPath: out.path, contents: nil), fm.createFile(atPath: err.path, contents: nil),
              let outHandle = try? FileHandle(forWritingTo: out), let errHandle = try? FileHandle(forWritingTo: err) else {
            return (-1, "", "could not create temporary files")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [interpreter] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outHandle
        process.standardError = errHandle
        do { try process.run() } catch { return (-1, "", "could not start \(interpreter): \(error)") }
        process.waitUntilExit()
        try? outHandle.close()
        try? errHandle.close()
        let read = { (url: URL) in (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
        return (process.terminationStatus, read(out), read(err))
    }
}
