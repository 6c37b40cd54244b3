import XCTest
import ModelIO
@testable import Training

final class BatchLoaderTests: XCTestCase {
    func testShuffleIsASeededPermutationPerEpoch() {
        let data = TestData.synthetic(count: 300, seed: 1)
        let loader = BatchLoader(dataset: data, batchSize: 128, seed: 5)
        let a = loader.order(epoch: 0)
        XCTAssertEqual(a.sorted(), Array(0..<300))
        XCTAssertEqual(a, BatchLoader(dataset: data, batchSize: 128, seed: 5).order(epoch: 0))
        XCTAssertNotEqual(a, loader.order(epoch: 1))
        XCTAssertNotEqual(a, BatchLoader(dataset: data, batchSize: 128, seed: 6).order(epoch: 0))
        XCTAssertEqual(loader.batchCount, 3)
        XCTAssertEqual(loader.range(ofBatch: 2), 256..<300)
    }

    func testCropShiftsAndPadsWithBackground() {
        // One 28×28 image whose pixel value is its index.
        let data = ImageDataset(name: "ramp", pixels: (0..<784).map(Float.init), labels: [3], height: 28, width: 28,
                                background: -1)
        let loader = BatchLoader(dataset: data, batchSize: 1, seed: 0, augmentation: Augmentation(padding: 2))
        let images = Tensor(shape: [1, 1, 28, 28])
        var labels: [Int32] = []
        var rng = loader.augmentationRNG(epoch: 0)
        var shifts = Set<[Int]>()
        for _ in 0..<60 {
            loader.fill([0], images: images, labels: &labels, rng: &rng)
            XCTAssertEqual(labels, [3])
            // Find the shift from the centre pixel (14, 14).
            let v = Int(images[14 * 28 + 14])
            let (dy, dx) = (v / 28 - 14, v % 28 - 14)
            XCTAssertTrue(abs(dy) <= 2 && abs(dx) <= 2)
            shifts.insert([dy, dx])
            for y in 0..<28 {
                for x in 0..<28 {
                    let (sy, sx) = (y + dy, x + dx)
                    let expected: Float = (0..<28).contains(sy) && (0..<28).contains(sx) ? Float(sy * 28 + sx) : -1
                    XCTAssertEqual(images[y * 28 + x], expected)
                }
            }
        }
        XCTAssertGreaterThan(shifts.count, 10)
    }

    func testFlipMirrorsRows() {
        let data = ImageDataset(name: "ramp", pixels: (0..<784).map(Float.init), labels: [0], height: 28, width: 28,
                                background: 0)
        let loader = BatchLoader(dataset: data, batchSize: 1, seed: 0, augmentation: Augmentation(horizontalFlip: true))
        let images = Tensor(shape: [1, 1, 28, 28])
        var labels: [Int32] = []
        var rng = loader.augmentationRNG(epoch: 0)
        var flipped = 0
        for _ in 0..<40 {
            loader.fill([0], images: images, labels: &labels, rng: &rng)
            if images[0] == 27 {
                flipped += 1
                XCTAssertEqual(images[28 * 5 + 3], Float(28 * 5 + 24))
            } else {
                XCTAssertEqual(images.toArray(), data.pixels)
            }
        }
        XCTAssertTrue((5...35).contains(flipped))
    }

    func testMissingDataNamesTheFetchScript() {
        let empty = DataCache(root: FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID())"))
        XCTAssertThrowsError(try ImageDataset.load(.mnist, .train, cache: empty)) { error in
            XCTAssertTrue("\(error)".contains("Scripts/fetch-data.sh"), "\(error)")
        }
    }

    func testRealDatasetIsNormalized() throws {
        let test = try TestData.fashionMNIST(.test)
        XCTAssertEqual(test.count, 10_000)
        let mean = test.pixels.reduce(0, +) / Float(test.pixels.count)
        XCTAssertEqual(mean, 0, accuracy: 0.05)
        XCTAssertEqual(Set(test.labels).count, 10)
    }
}
