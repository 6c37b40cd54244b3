import Dispatch

/// Where a training step's time goes: wall time of each layer's forward and backward pass.
///
/// Every layer outside a `Sequential` (a residual block counts as one) of a freshly built
/// model is wrapped in a timer; the model then trains on random data like
/// ``TrainingBenchmark/measure(_:batchSize:threads:seconds:convolution:)``. The rest of the step —
/// loss, gradient zeroing, the SGD update, the input transpose — is reported as `other`.
///
/// ```swift
/// let profile = StepProfile.measure(.resnet20, batchSize: 128, threads: 2, steps: 10)
/// for layer in profile.layers { print(layer.name, layer.forwardSeconds + layer.backwardSeconds) }
/// ```
public struct StepProfile: Sendable {
    public struct Entry: Sendable {
        public var name: String
        /// Mean wall seconds per step.
        public var forwardSeconds: Double, backwardSeconds: Double
        /// GEMM FLOPs of this layer per image and training step (forward, `∂W`, `∂input`).
        public var trainingFLOPsPerImage: Int
        public var seconds: Double { forwardSeconds + backwardSeconds }
    }

    public var architecture: Architecture
    public var batchSize: Int
    public var threads: Int
    public var steps: Int
    public var layers: [Entry]
    /// Mean wall seconds of a whole step.
    public var stepSeconds: Double
    /// Step time outside the layers.
    public var otherSeconds: Double { stepSeconds - layers.reduce(0) { $0 + $1.seconds } }

    /// Profiles `steps` training steps (after two untimed warm-up steps).
    public static func measure(_ architecture: Architecture, batchSize: Int = 128, threads: Int, steps: Int = 10,
                               convolution: ConvolutionAlgorithm = .rowWinograd) -> StepProfile {
        precondition(steps >= 1, "steps must be at least 1")
        let model = TrainingBenchmark.benchmarkModel(architecture, convolution: convolution)
        guard let root = model.network as? Sequential else { preconditionFailure("model zoo networks are Sequential") }
        let flops = model.trainingFLOPsPerLayer()   // before wrapping: it looks at the layers' types
        var timers: [TimedLayer] = []
        func wrap(_ sequential: Sequential, _ path: String) {
            sequential.replaceChildren { name, layer in
                let child = path.isEmpty ? name : path + "." + name
                if let inner = layer as? Sequential {
                    wrap(inner, child)
                    return inner
                }
                let timer = TimedLayer(layer, name: child)
                timers.append(timer)
                return timer
            }
        }
        wrap(root, "")
        precondition(timers.map(\.name) == flops.map(\.name), "one timer per layer outside a Sequential, in order")
        let step = TrainingBenchmark.stepper(model, batchSize: batchSize, threads: threads)
        step(); step()
        for timer in timers { timer.reset() }
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<steps { step() }
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let entries = zip(timers, flops).map { timer, layer in
            Entry(name: layer.name, forwardSeconds: timer.forwardSeconds / Double(steps),
                  backwardSeconds: timer.backwardSeconds / Double(steps), trainingFLOPsPerImage: layer.flops)
        }
        return StepProfile(architecture: architecture, batchSize: batchSize, threads: threads, steps: steps,
                           layers: entries, stepSeconds: total / Double(steps))
    }
}

/// A layer that times its wrapped layer's passes (wall clock) and is otherwise transparent.
final class TimedLayer: Layer {
    let inner: Layer
    /// The wrapped layer's path in the model (as in `Model.namedLayers()`).
    let name: String
    private var forwardNanos: UInt64 = 0
    private var backwardNanos: UInt64 = 0

    init(_ inner: Layer, name: String) {
        self.inner = inner
        self.name = name
    }

    var forwardSeconds: Double { Double(forwardNanos) / 1e9 }
    var backwardSeconds: Double { Double(backwardNanos) / 1e9 }

    func reset() { forwardNanos = 0; backwardNanos = 0 }

    func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { forwardNanos += DispatchTime.now().uptimeNanoseconds - start }
        return inner.forward(input, context: context)
    }

    func backward(_ gradOutput: Tensor, context: ExecutionContext) -> Tensor {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { backwardNanos += DispatchTime.now().uptimeNanoseconds - start }
        return inner.backward(gradOutput, context: context)
    }

    func visitParameters(prefix: String, _ body: (String, Parameter) -> Void) { inner.visitParameters(prefix: prefix, body) }
    func visitBuffers(prefix: String, _ body: (String, Tensor) -> Void) { inner.visitBuffers(prefix: prefix, body) }
    func visitLayers(prefix: String, _ body: (String, Layer) -> Void) { inner.visitLayers(prefix: prefix, body) }
    func forwardFLOPsPerImage(inputShape: [Int]) -> (flops: Int, outputShape: [Int]) {
        inner.forwardFLOPsPerImage(inputShape: inputShape)
    }
}
