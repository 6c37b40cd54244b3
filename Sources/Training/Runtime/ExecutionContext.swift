import CBLAS
import Dispatch
import Synchronization

/// How a forward or backward pass runs: training or inference mode, and on how many threads.
///
/// Layers split their work into pieces fixed by the shapes alone — never by the thread count:
/// image chunks, channel ranges, row blocks, and for sums over the batch (weight gradients) the
/// `ReductionGroups` of a layer — and call single-threaded `cblas_sgemm` inside each piece.
/// Threads only decide who computes a piece, so the same seed gives bit-identical weights for
/// any thread count (on one kernel family, see `KernelFamily`).
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

/// A split of `0..<total` items (images, or output rows) into groups fixed by the shapes alone,
/// for sums over the batch: each group's share of a sum (say `∂W`) goes to a partial of its own,
/// and the partials are added in group order (`addPartials`). Threads claim whole groups, so
/// the sum's rounding is the same whatever the thread count — 1, 2 or 16 threads give the same
/// bits. Each group is a run of whole chunks of `chunk` items (a chunk is the engines' unit
/// of work that fits in cache), and there are at most `maxCount` groups, so more threads than
/// that add nothing to the reduction's parallelism.
///
/// ```swift
/// let groups = ReductionGroups(total: batch, chunk: imagesPerChunk)
/// groups.forEach(threads: 2) { part, group, images in
///     forEachChunk(of: images, size: groups.chunk) { accumulate($0, into: partials[group]) }
/// }
/// addPartials(partials, groups: groups.count, length: n, into: gradWeight, threads: 2)
/// ```
struct ReductionGroups {
    /// The most groups a sum is split into: partial buffers cost memory and one add each.
    static let maxCount = 32

    let total: Int
    let chunk: Int
    /// The number of groups (≥ 1 when `total` > 0).
    let count: Int

    init(total: Int, chunk: Int) {
        precondition(total >= 0 && chunk >= 1, "ReductionGroups: total \(total), chunk \(chunk)")
        self.total = total
        self.chunk = chunk
        count = min(Self.maxCount, (total + chunk - 1) / chunk)
    }

    /// The items of group `group`: whole chunks (the last one may be short).
    func items(of group: Int) -> Range<Int> {
        let chunks = partition((total + chunk - 1) / chunk, part: group, parts: count)
        return (chunks.lowerBound * chunk)..<min(total, chunks.upperBound * chunk)
    }

    /// Runs `body(part, group, items)` for every group on at most `threads` threads (`part`
    /// tells which thread, for per-thread workspaces); threads take the next unclaimed group.
    func forEach(threads: Int, _ body: (_ part: Int, _ group: Int, _ items: Range<Int>) -> Void) {
        parallelForEach(count, parts: parts(threads: threads)) { part, group in body(part, group, items(of: group)) }
    }

    /// How many threads `forEach` uses: per-thread workspaces need this many.
    func parts(threads: Int) -> Int { max(1, min(threads, count)) }
}

/// `target[i] += partials[0][i] + partials[1][i] + …` over `groups` partials of `length` floats,
/// added in group order for every element (so the bits do not depend on `threads`, which only
/// split the elements).
///
/// - Complexity: O(`groups` · `length`).
func addPartials(_ partials: [UnsafeMutablePointer<Float>], groups: Int, length: Int,
                 into target: UnsafeMutablePointer<Float>, threads: Int) {
    parallelSlices(length, threads: threads) { r in
        let t = target + r.lowerBound
        for g in 0..<groups { add(t, partials[g] + r.lowerBound, into: t, count: r.count, relu: false) }
    }
}

/// Grows `tensors` to at least `count` buffers of at least `floats` floats (reusing them while
/// they are large enough; `pointers` mirrors them) and returns their pointers.
func reservePartials(_ tensors: inout [Tensor], _ pointers: inout [UnsafeMutablePointer<Float>],
                     count: Int, floats: Int) -> [UnsafeMutablePointer<Float>] {
    if tensors.count < count || tensors.contains(where: { $0.capacity < floats }) {
        tensors = (0..<max(count, tensors.count)).map { _ in Tensor(shape: [floats]) }
        pointers = tensors.map(\.pointer)
    }
    return pointers
}

/// Runs `body(items)` over `0..<total` split into fixed blocks of at least `minimum` items (at
/// most `ReductionGroups.maxCount` of them), threads taking the next unclaimed block: each GEMM
/// call then has a shape fixed by the problem, so its rounding cannot depend on the thread count.
///
/// ```swift
/// forEachBlock(batch, minimum: 16, threads: 2) { rows in gemm(rows) }
/// ```
@inline(__always)
func forEachBlock(_ total: Int, minimum: Int, threads: Int, _ body: (Range<Int>) -> Void) {
    let blocks = min(ReductionGroups.maxCount, max(1, total / max(1, minimum)))
    parallelForEach(blocks, parts: min(threads, blocks)) { _, block in
        let items = partition(total, part: block, parts: blocks)
        if !items.isEmpty { body(items) }
    }
}
