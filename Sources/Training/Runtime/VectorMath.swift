/// Small vectorized reductions for the per-channel loops (batch norm, bias gradients).
/// Eight independent SIMD accumulators break the add dependency chain; the order of
/// additions is fixed, so results are deterministic.

@inline(__always)
func sum(_ p: UnsafePointer<Float>, count n: Int) -> Float {
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
    let raw = UnsafeRawPointer(p)
    var i = 0
    while i + 32 <= n {
        a0 += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        a1 += raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
        a2 += raw.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD8<Float>.self)
        a3 += raw.loadUnaligned(fromByteOffset: (i + 24) * 4, as: SIMD8<Float>.self)
        i += 32
    }
    var s = ((a0 + a1) + (a2 + a3)).sum()
    while i < n { s += p[i]; i += 1 }
    return s
}

/// Σ (p[i] − c)², for a variance around a known mean.
@inline(__always)
func sumSquaredDeviations(_ p: UnsafePointer<Float>, count n: Int, around c: Float) -> Float {
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
    let cv = SIMD8<Float>(repeating: c)
    let raw = UnsafeRawPointer(p)
    var i = 0
    while i + 32 <= n {
        let d0 = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - cv
        let d1 = raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self) - cv
        let d2 = raw.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD8<Float>.self) - cv
        let d3 = raw.loadUnaligned(fromByteOffset: (i + 24) * 4, as: SIMD8<Float>.self) - cv
        a0 += d0 * d0; a1 += d1 * d1; a2 += d2 * d2; a3 += d3 * d3
        i += 32
    }
    var s = ((a0 + a1) + (a2 + a3)).sum()
    while i < n { let d = p[i] - c; s += d * d; i += 1 }
    return s
}

/// `out[i] = y[i] > 0 ? g[i] : 0` — a ReLU's backward pass given its output `y`.
/// (A select on a loaded vector: the scalar ternary does not vectorize.)
@inline(__always)
func maskByPositive(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                    count n: Int) {
    let (ry, rg, ro) = (UnsafeRawPointer(y), UnsafeRawPointer(g), UnsafeMutableRawPointer(out))
    let zero = SIMD8<Float>()
    var i = 0
    while i &+ 8 <= n {
        var v = rg.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
        v.replace(with: zero, where: ry.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self) .<= zero)
        ro.storeBytes(of: v, toByteOffset: i &* 4, as: SIMD8<Float>.self)
        i &+= 8
    }
    while i < n { out[i] = y[i] > 0 ? g[i] : 0; i &+= 1 }
}

/// `out[i] = a[i] + b[i]`, optionally followed by `max(·, 0)`.
@inline(__always)
func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
         count n: Int, relu: Bool) {
    let (ra, rb, ro) = (UnsafeRawPointer(a), UnsafeRawPointer(b), UnsafeMutableRawPointer(out))
    let zero = SIMD8<Float>()
    var i = 0
    while i &+ 8 <= n {
        var v = ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            + rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
        if relu { v.replace(with: zero, where: v .< zero) }
        ro.storeBytes(of: v, toByteOffset: i &* 4, as: SIMD8<Float>.self)
        i &+= 8
    }
    while i < n { let v = a[i] + b[i]; out[i] = relu ? max(v, 0) : v; i &+= 1 }
}

extension Tensor {
    /// `self[i] += other[i]` over the whole tensor, split across the context's threads.
    func add(_ other: Tensor, context: ExecutionContext) {
        precondition(other.count == count, "add: \(other.shape) to \(shape)")
        let (p, q) = (pointer, other.pointer)
        parallelSlices(count, threads: context.threads) { r in
            Training.add(p + r.lowerBound, q + r.lowerBound, into: p + r.lowerBound, count: r.count, relu: false)
        }
    }

    /// `self[i] = 0` where `y[i] ≤ 0` (a ReLU's backward given its output `y`), in place.
    func maskByPositive(_ y: Tensor, context: ExecutionContext) {
        precondition(y.count == count, "maskByPositive: \(y.shape) for \(shape)")
        let (p, yp) = (pointer, y.pointer)
        parallelSlices(count, threads: context.threads) { r in
            Training.maskByPositive(yp + r.lowerBound, p + r.lowerBound, into: p + r.lowerBound, count: r.count)
        }
    }
}
