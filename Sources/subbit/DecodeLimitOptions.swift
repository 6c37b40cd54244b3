import ArgumentParser
import EntropyCoding

/// `--max-decoded-bytes`, shared by `decode`, `decompress` and `inspect`: the most bytes an
/// `.sbw` file may decode to (element count × 4, the float32 values), per tensor and per file.
///
/// A coded stream whose symbols all cost bits cannot claim more symbols than it has bits, and
/// that is checked whatever this says; a constant-mode or zero-bit stream can claim any count
/// in a few bytes, and this limit is what stops a 41-byte file from decoding to 16 GiB.
///
/// ```
/// subbit decompress big.sbw -o big.safetensors --max-decoded-bytes 4294967296
/// ```
/// - Complexity: O(1).
struct DecodeLimitOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Most bytes the file may decode to, per tensor and in total (elements × 4).",
        discussion: "Default \(SBWFile.Limits.defaultMaxDecodedBytesPerTensor) per tensor, \(SBWFile.Limits.defaultMaxDecodedBytesPerFile) per file; raise it only for files you trust."))
    var maxDecodedBytes: Int?

    func validate() throws {
        if let maxDecodedBytes, maxDecodedBytes < 0 {
            throw ValidationError("--max-decoded-bytes \(maxDecodedBytes): give a non-negative number of bytes")
        }
    }

    /// The parsing limits these options select.
    var limits: SBWFile.Limits {
        maxDecodedBytes.map { SBWFile.Limits(maxDecodedBytes: $0) } ?? .standard
    }
}
