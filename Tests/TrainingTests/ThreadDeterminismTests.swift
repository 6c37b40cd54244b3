import XCTest
import Quantization
@testable import Training

/// Training gives the same bits whatever the thread count: every sum over the batch runs over
/// `ReductionGroups` fixed by the shapes, added in group order.
final class ThreadDeterminismTests: XCTestCase {
    /// Every parameter and buffer of `model`, as raw bits, in visiting order.
    private func bits(_ model: Model) -> [String: [UInt32]] {
        var out: [String: [UInt32]] = [:]
        model.network.visitParameters(prefix: "") { name, p in out[name] = p.value.toArray().map(\.bitPattern) }
        model.network.visitBuffers(prefix: "") { name, t in out["buffer " + name] = t.toArray().map(\.bitPattern) }
        return out
    }

    /// Trains `architecture` (all its 3×3 convolutions on `algorithm`) for one epoch of `data`
    /// on `threads` threads, quantization-aware when `qat`, and returns its bits.
    private func train(_ architecture: Architecture, algorithm: ConvolutionAlgorithm, threads: Int,
                       data: ImageDataset, batch: Int, qat: Bool = false) throws -> [String: [UInt32]] {
        let model = ModelZoo.make(architecture, seed: 7)
        model.network.visitLayers(prefix: "") { _, layer in (layer as? Conv2d)?.algorithm = algorithm }
        var config = TrainingConfiguration.recommended(for: architecture, dataset: .fashionMNIST)
        config.epochs = 1
        config.batchSize = batch
        config.threads = threads
        config.learningRate = qat ? 0.001 : config.learningRate
        config.optimizer = qat ? .adam : .sgd
        let trainer = Trainer(model: model, configuration: config)
        if qat {
            trainer.regularizer = try QuantizationAwareTraining(
                model: model, configuration: QATConfiguration(lambda: 0.1, binPolicy: .learned))
        }
        trainer.train(on: data)
        return bits(model)
    }

    private func assertSameBits(_ runs: [(threads: Int, bits: [String: [UInt32]])], _ label: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        guard let first = runs.first else { return }
        XCTAssertFalse(first.bits.isEmpty, label, file: file, line: line)
        for run in runs.dropFirst() {
            for (name, values) in first.bits where run.bits[name] != values {
                XCTFail("\(label): \(name) differs between 1 and \(run.threads) threads", file: file, line: line)
            }
        }
    }

    func testMLPAndLeNetTrainTheSameBitsOnOneToFourThreads() throws {
        let data = TestData.synthetic(count: 256, seed: 11)
        for architecture in [Architecture.mlp, .lenet5] {
            for qat in [false, true] {
                let runs = try (1...4).map { (threads: $0, bits: try train(architecture, algorithm: .im2col, threads: $0,
                                                                             data: data, batch: 128, qat: qat)) }
                assertSameBits(runs, "\(architecture) qat=\(qat)")
            }
        }
    }

    func testResNet20TrainsTheSameBitsOnOneToFourThreadsWithEveryConvolution() throws {
        // Two steps of 40 images: enough that every layer's batch splits into several groups.
        let data = TestData.synthetic(count: 80, seed: 12)
        for algorithm in ConvolutionAlgorithm.allCases {
            let runs = try (1...4).map { (threads: $0, bits: try train(.resnet20, algorithm: algorithm, threads: $0,
                                                                         data: data, batch: 40)) }
            assertSameBits(runs, "resnet20 \(algorithm)")
        }
    }

    /// One real epoch of LeNet-5 on a `--limit`ed Fashion-MNIST, as `subbit train` runs it.
    func testLeNetEpochOnFashionMNISTIsTheSameOnOneToFourThreads() throws {
        let full = try TestData.fashionMNIST(.train)
        let data = full.prefix(4096)
        let runs = try (1...4).map { (threads: $0, bits: try train(.lenet5, algorithm: .im2col, threads: $0,
                                                                     data: data, batch: 128)) }
        assertSameBits(runs, "lenet5 fashion-mnist epoch")
    }

    func testReductionGroupsDependOnTheShapesAlone() {
        let groups = ReductionGroups(total: 128, chunk: 6)
        XCTAssertEqual(groups.count, 22)
        var covered: [Int] = []
        for g in 0..<groups.count {
            let items = groups.items(of: g)
            XCTAssertEqual(items.lowerBound % 6, 0, "groups start on chunk boundaries")
            covered += Array(items)
        }
        XCTAssertEqual(covered, Array(0..<128))
        XCTAssertEqual(ReductionGroups(total: 10_000, chunk: 1).count, ReductionGroups.maxCount)
        XCTAssertEqual(groups.parts(threads: 64), 22)
        // Every group is visited once, whatever the thread count.
        for threads in [1, 2, 3, 7] {
            var seen = [Int](repeating: 0, count: groups.count)
            seen.withUnsafeMutableBufferPointer { s in
                let p = s.baseAddress!
                groups.forEach(threads: threads) { _, g, _ in p[g] += 1 }
            }
            XCTAssertEqual(seen, [Int](repeating: 1, count: groups.count))
        }
    }
}

final class CPUBudgetTests: XCTestCase {
    func testSlurmAllocationWinsThenTheAffinityMask() {
        XCTAssertEqual(CPUBudget.available(slurmCPUsPerTask: "5"), 5)
        let mask = CPUBudget.available(slurmCPUsPerTask: nil)
        XCTAssertGreaterThanOrEqual(mask, 1)
        XCTAssertEqual(CPUBudget.available(slurmCPUsPerTask: "junk"), mask)
        XCTAssertEqual(CPUBudget.available(slurmCPUsPerTask: "0"), mask)
        if let affinity = CPUBudget.affinityCount() { XCTAssertEqual(mask, affinity) }
    }

    func testKernelFamilyNamesOurKernelsAndOpenBLAS() {
        XCTAssertTrue(KernelFamily.current.hasPrefix(DirectConvolution.isAvailable ? "avx2-fma+openblas-" : "portable+openblas-"),
                      KernelFamily.current)
    }
}
