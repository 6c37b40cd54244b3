import Dispatch
#if canImport(Glibc)
import Glibc
private let RUSAGE_SELF_WHO = RUSAGE_SELF.rawValue
#elseif canImport(Darwin)
import Darwin
private let RUSAGE_SELF_WHO = RUSAGE_SELF
#endif

/// Measures training throughput (forward + backward + SGD update) on synthetic batches,
/// and the sgemm peak of this machine for comparison.
///
/// ```swift
/// let r = TrainingBenchmark.measure(.lenet5, batchSize: 128, threads: 2, seconds: 3)
/// print(r.imagesPerSecond, r.gflops)
/// ```
public enum TrainingBenchmark {
    public struct Result: Sendable {
        public var architecture: Architecture
        public var batchSize: Int
        public var threads: Int
        public var steps: Int
        public var seconds: Double
        public var imagesPerSecond: Double
        /// GEMM FLOPs of one training step per image (forward, ∂W, ∂input).
        public var flopsPerImage: Int
        /// Process CPU time (user + system) spent while measuring.
        public var cpuSeconds: Double
        /// Wall time of each measured step, in order.
        public var stepSeconds: [Double]
        public var gflops: Double { imagesPerSecond * Double(flopsPerImage) / 1e9 }
        /// Images per second of CPU time: the throughput per core, insensitive to other load.
        public var imagesPerCPUSecond: Double { Double(steps * batchSize) / cpuSeconds }
        /// Images per second of the median step: robust to the few steps another process
        /// slowed down, which the mean (`imagesPerSecond`) absorbs.
        public var medianImagesPerSecond: Double {
            let sorted = stepSeconds.sorted()
            let middle = sorted.count / 2
            let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
            return Double(batchSize) / median
        }
        /// Images per second of the fastest step: what the code does when nothing else
        /// competes for the cores and memory (the usual statistic for A/B comparisons on a
        /// shared machine).
        public var bestImagesPerSecond: Double { Double(batchSize) / (stepSeconds.min() ?? .nan) }
    }

    /// User + system CPU time of this process, in seconds.
    public static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF_WHO, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }

    /// Trains `architecture` on random data for about `seconds` (after two warm-up steps).
    public static func measure(_ architecture: Architecture, batchSize: Int = 128, threads: Int,
                               seconds: Double = 3, convolution: ConvolutionAlgorithm = .rowWinograd) -> Result {
        let model = benchmarkModel(architecture, convolution: convolution)
        let step = stepper(model, batchSize: batchSize, threads: threads)
        step(); step()
        let cpuStart = processCPUSeconds()
        let (steps, elapsed, times) = repeatTimed(seconds: seconds, minimumRuns: 3, step)
        return Result(architecture: architecture, batchSize: batchSize, threads: threads, steps: steps,
                      seconds: elapsed, imagesPerSecond: Double(steps * batchSize) / elapsed,
                      flopsPerImage: model.trainingFLOPsPerImage, cpuSeconds: processCPUSeconds() - cpuStart,
                      stepSeconds: times)
    }

    /// The benchmarks' model: `architecture` with a fixed seed, its convolutions set to `convolution`.
    static func benchmarkModel(_ architecture: Architecture, convolution: ConvolutionAlgorithm) -> Model {
        let model = ModelZoo.make(architecture, seed: 1)
        model.network.visitLayers(prefix: "") { _, layer in (layer as? Conv2d)?.algorithm = convolution }
        return model
    }

    /// One SGD training step of `model` on a fixed random batch (seeded).
    static func stepper(_ model: Model, batchSize: Int, threads: Int) -> () -> Void {
        var rng = Xoshiro256(seed: 2)
        let images = Tensor(shape: [batchSize] + model.inputShape)
        for i in 0..<images.count { images[i] = rng.nextNormal() }
        let labels = (0..<batchSize).map { _ in Int32(rng.nextInt(below: 10)) }
        let context = ExecutionContext(training: true, threads: threads)
        let optimizer = SGD(model.parameters, momentum: 0.9, weightDecay: 5e-4)
        let loss = SoftmaxCrossEntropy()
        return {
            let logits = model.forward(images, context: context)
            _ = labels.withUnsafeBufferPointer { loss.evaluate(logits: logits, labels: $0) }
            model.zeroGrad()
            model.backward(loss.gradient, context: context)
            optimizer.step(learningRate: 0.01)
        }
    }

    /// GFLOP/s of `threads` concurrent single-threaded n×n×n sgemms — the ceiling for the
    /// way the engine runs GEMMs (one per thread).
    public static func sgemmPeak(threads: Int, size n: Int = 1024, seconds: Double = 1.5) -> Double {
        BLAS.useSingleThread()
        let a = Tensor(shape: [threads, n, n]), b = Tensor(shape: [threads, n, n]), c = Tensor(shape: [threads, n, n])
        var rng = Xoshiro256(seed: 3)
        for i in 0..<a.count { a[i] = rng.nextUniform(); b[i] = rng.nextUniform() }
        let (ap, bp, cp) = (a.pointer, b.pointer, c.pointer)
        let run = {
            parallelFor(threads) { t in
                let o = t * n * n
                BLAS.gemm(transA: false, transB: false, m: n, n: n, k: n, a: ap + o, lda: n,
                          b: bp + o, ldb: n, beta: 0, c: cp + o, ldc: n)
            }
        }
        run()
        let (reps, elapsed, _) = repeatTimed(seconds: seconds, minimumRuns: 1, run)
        return Double(reps * threads) * 2 * Double(n * n * n) / elapsed / 1e9
    }

    /// Runs `body` until `seconds` of wall time have passed and it ran at least `minimumRuns`
    /// times; returns the runs, the wall time they took, and each run's own wall time.
    static func repeatTimed(seconds: Double, minimumRuns: Int,
                            _ body: () -> Void) -> (runs: Int, seconds: Double, each: [Double]) {
        var each: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        var last = start
        var elapsed = 0.0
        repeat {
            body()
            let now = DispatchTime.now().uptimeNanoseconds
            each.append(Double(now - last) / 1e9)
            last = now
            elapsed = Double(now - start) / 1e9
        } while elapsed < seconds || each.count < minimumRuns
        return (each.count, elapsed, each)
    }
}
