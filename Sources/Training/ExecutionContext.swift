import CBLAS
import Dispatch
import Synchronization

/// How a forward or backward pass runs: training or inference mode, and on how many threads.
///
/// Layers split their work into `threads` fixed, disjoint pieces (image chunks, channel
/// ranges or row blocks) and call single-threaded `cblas_sgemm` inside each piece, so the
/// result depends only on the thread count, never on scheduling: the same seed and thread
/// count give bit-identical weights.
///
/// ```swift
/// let context = ExecutionContext(training: true, threads: 2)
/// let logits = model.forward(images, context: context)
/// ```
public struct ExecutionContext: Sendable {
    /// Batch norm uses batch statistics and updates running statistics when `true`.
    public var training: Bool
    /// Number of worker threads (≥ 1).
    public var threads: Int

    public init(training: Bool, threads: Int = 1) {
        precondition(threads >= 1, "threads must be at least 1")
        self.training = training
        self.threads = threads
        // Parallelism is ours, at a coarser grain than one GEMM; OpenBLAS's own pool would
        // compete with it for the same cores.
        BLAS.useSingleThread()
    }

    /// The same context in inference mode.
    public var inference: ExecutionContext {
        var c = self
        c.training = false
        return c
    }
}

/// Runs `body(part)` for `part` in `0..<parts`, concurrently when `parts > 1`.
/// Each part must write only its own disjoint outputs.
@inline(__always)
/// Runs `body(part, item)` for every item in `0..<count` on `parts` threads, each thread taking
/// the next item nobody has claimed — for work whose result does not depend on which thread
/// does which item (per channel, per image). Unlike a fixed split, a thread the host pauses
/// does not leave the other waiting at the end with nothing to do.
///
/// ```swift
/// parallelForEach(channels, parts: 2) { part, c in normalize(channel: c, workspace: spaces[part]) }
/// ```
func parallelForEach(_ count: Int, parts: Int, _ body: (_ part: Int, _ item: Int) -> Void) {
    let next = Atomic<Int>(0)
    parallelFor(min(parts, count)) { part in
        while true {
            let item = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if item >= count { return }
            body(part, item)
        }
    }
}

func parallelFor(_ parts: Int, _ body: (Int) -> Void) {
    if parts <= 1 {
        body(0)
    } else {
        withoutActuallyEscaping(body) { body in
            // Sound because callers give every part disjoint outputs and only read shared
            // inputs; the closure does not outlive concurrentPerform.
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { shared.value($0) }
        }
    }
}

/// Carries a non-Sendable value into `concurrentPerform` (see `parallelFor`).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Runs `body(slice)` over `0..<total` split into one slice per thread, for elementwise passes
/// over whole maps (a thread per 4096 items at most, so small tensors stay on one thread).
@inline(__always)
func parallelSlices(_ total: Int, threads: Int, _ body: (Range<Int>) -> Void) {
    let parts = min(threads, max(1, total / 4096))
    parallelFor(parts) { body(partition(total, part: $0, parts: parts)) }
}

/// The half-open range of `total` items that part `part` of `parts` handles.
@inline(__always)
func partition(_ total: Int, part: Int, parts: Int) -> Range<Int> {
    let base = total / parts, extra = total % parts
    let start = part * base + min(part, extra)
    return start..<(start + base + (part < extra ? 1 : 0))
}

/// Runs `body(chunk)` over `range` in consecutive chunks of at most `size` items (the last one
/// shorter): how a thread walks its slice of the batch a cache-sized run of images at a time.
@inline(__always)
func forEachChunk(of range: Range<Int>, size: Int, _ body: (Range<Int>) -> Void) {
    var start = range.lowerBound
    while start < range.upperBound {
        let chunk = start..<min(start + size, range.upperBound)
        body(chunk)
        start = chunk.upperBound
    }
}

/// Thin, row-major wrappers over `cblas_sgemm`.
enum BLAS {
    /// Pins OpenBLAS to one thread (idempotent, cheap).
    static func useSingleThread() {
        if openblas_get_num_threads() != 1 { openblas_set_num_threads(1) }
    }

    /// `C = alpha · op(A) · op(B) + beta · C`, row-major, `op(A)` m×k, `op(B)` k×n.
    @inline(__always)
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS treats k = 0 as C = beta·C; make it explicit for beta = 0 (C may be garbage).
            if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
