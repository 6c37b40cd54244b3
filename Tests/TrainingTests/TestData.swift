import XCTest
import ModelIO
@testable import Training

enum TestData {
    /// A synthetic 10-class dataset: each class is a fixed random pattern plus noise.
    static func synthetic(count: Int, seed: UInt64) -> ImageDataset {
        var rng = Xoshiro256(seed: seed)
        let prototypes = (0..<10).map { _ in (0..<784).map { _ in rng.nextNormal() } }
        var pixels: [Float] = []
        pixels.reserveCapacity(count * 784)
        var labels: [Int32] = []
        for _ in 0..<count {
            let label = rng.nextInt(below: 10)
            labels.append(Int32(label))
            for j in 0..<784 { pixels.append(prototypes[label][j] + 1.5 * rng.nextNormal()) }
        }
        return ImageDataset(name: "synthetic", pixels: pixels, labels: labels, height: 28, width: 28, background: 0)
    }

    /// Real Fashion-MNIST (the Debian package or the data cache), or skip.
    static func fashionMNIST(_ split: DataCache.Split) throws -> ImageDataset {
        do {
            return try ImageDataset.load(.fashionMNIST, split)
        } catch {
            throw XCTSkip("Fashion-MNIST not available: \(error)")
        }
    }
}
