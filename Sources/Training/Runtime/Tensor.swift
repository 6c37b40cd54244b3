#if canImport(Glibc)
import Glibc
#endif
/// A dense tensor of `Float` over one contiguous, owned allocation.
///
/// `Tensor` is a reference type on purpose: layers own their output, gradient and
/// workspace tensors and reuse them from batch to batch, so the hot loops never
/// allocate and never pay for copy-on-write checks. A tensor returned by a layer is
/// valid until that layer's next call.
///
/// Image batches entering a model are NCHW. Between spatial layers (convolution, batch
/// norm, pooling) feature maps travel channel-major, `[C, N, H, W]`: a batched im2col
/// GEMM then writes its output directly in that layout, and every channel is one
/// contiguous run for batch norm. `Flatten` and `GlobalAvgPool2d` turn it back into
/// `[N, features]` rows for the linear layers (PyTorch feature order).
///
/// ```swift
/// let t = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
/// t[4]          // 5
/// t.shape       // [2, 3]
/// ```
public final class Tensor {
    /// The dimensions, outermost first.
    public private(set) var shape: [Int]
    /// Number of floats the allocation can hold (≥ `count`), so a smaller batch reuses it.
    public let capacity: Int
    /// The first element. Valid for `count` elements while the tensor is alive.
    public let pointer: UnsafeMutablePointer<Float>

    /// A zero-filled tensor.
    public init(shape: [Int], capacity: Int? = nil) {
        let count = shape.reduce(1, *)
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.capacity = max(capacity ?? count, count, 1)
        // Cache-line aligned: the kernels' 8-float vectors along channels (packed weights,
        // position-major products) then never straddle two lines. Plain `allocate` gives 16-byte
        // alignment — large blocks come from mmap at 16 mod 64 — so half of those accesses did.
        var bytes = self.capacity * MemoryLayout<Float>.stride
        let huge = bytes >= Self.hugePageBytes / 2
        // Feature maps of a batch and the convolutions' workspaces span megabytes and are read a
        // channel (one stride) at a time: with 4 KB pages nearly every channel run starts with a
        // TLB miss. Where transparent huge pages are on request ("madvise"), ask for them — whole
        // ones, so from 1 MB up the allocation is rounded up to 2 MB pages; elsewhere a no-op.
        if huge { bytes = (bytes + Self.hugePageBytes - 1) / Self.hugePageBytes * Self.hugePageBytes }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: huge ? Self.hugePageBytes : Self.alignment)
        #if os(Linux)
        if huge { _ = madvise(raw, bytes, MADV_HUGEPAGE) }
        #endif
        pointer = raw.bindMemory(to: Float.self, capacity: self.capacity)
        pointer.initialize(repeating: 0, count: self.capacity)
    }

    /// Byte alignment of every tensor's storage: one cache line.
    static let alignment = 64
    /// Tensors of at least half this many bytes start on a (2 MB) huge-page boundary.
    static let hugePageBytes = 2 << 20

    /// A tensor holding `values` (row-major), which must match `shape`.
    public convenience init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
        self.init(shape: shape)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    /// Number of elements.
    @inlinable public var count: Int { shape.reduce(1, *) }

    /// The elements as a buffer.
    @inlinable public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }

    @inlinable public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    /// The elements, copied into an array.
    public func toArray() -> [Float] { Array(buffer) }

    /// Changes the shape in place; the new shape must fit the allocation.
    public func reshape(_ newShape: [Int]) {
        precondition(newShape.reduce(1, *) <= capacity, "shape \(newShape) exceeds capacity \(capacity)")
        shape = newShape
    }

    /// Sets every element to `value`.
    public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }

    /// Copies `other`'s elements (same count) into this tensor.
    public func copy(from other: Tensor) {
        precondition(other.count == count, "copy: \(other.shape) into \(shape)")
        pointer.update(from: other.pointer, count: count)
    }

    /// An independent copy.
    public func clone() -> Tensor {
        let t = Tensor(shape: shape)
        t.copy(from: self)
        return t
    }

    /// Returns `existing` reshaped to `shape` when it is large enough, else a new tensor.
    /// Layers keep their buffers in optionals and call this once per batch, so a run
    /// allocates each buffer once (plus once more if the batch grows).
    @inlinable
    public static func reuse(_ existing: inout Tensor?, shape: [Int]) -> Tensor {
        let needed = shape.reduce(1, *)
        if let t = existing, t.capacity >= needed {
            if t.shape != shape { t.reshape(shape) }
            return t
        }
        let t = Tensor(shape: shape)
        existing = t
        return t
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = buffer.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(\(shape): [\(head)\(count > 8 ? ", …" : "")])"
    }
}
