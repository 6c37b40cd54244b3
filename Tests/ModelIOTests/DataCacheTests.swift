import Foundation
import TestSupport
import XCTest
@testable import ModelIO

final class DataCacheTests: XCTestCase {
    func testRootFromEnvironment() {
        let cache = DataCache(environment: ["SUBBIT_DATA": "/tmp/somewhere"], currentDirectory: URL(fileURLWithPath: "/"))
        XCTAssertEqual(cache.root.path, "/tmp/somewhere")
        let relative = DataCache(environment: ["SUBBIT_DATA": "data"], currentDirectory: URL(fileURLWithPath: "/work/x"))
        XCTAssertEqual(relative.root.path, "/work/x/data")
    }

    func testRootDefaultsToRepositoryDotData() throws {
        let repo = try temporaryFolder()
        let nested = repo.appendingPathComponent("Sources/Deep", isDirectory: true)
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        try Data("// swift-tools-version:6.0".utf8).write(to: repo.appendingPathComponent("Package.swift"))
        let cache = DataCache(environment: [:], currentDirectory: nested)
        XCTAssertEqual(cache.root.resolvingSymlinksInPath().path, repo.appendingPathComponent(".data").resolvingSymlinksInPath().path)
        XCTAssertEqual(DataCache(environment: ["SUBBIT_DATA": ""], currentDirectory: nested).root, cache.root)
    }

    func testRootWithoutRepositoryIsCurrentDirectory() throws {
        let folder = try temporaryFolder()
        // Only valid if no folder above the temporary directory holds a Package.swift.
        try XCTSkipIf(DataCache.repositoryRoot(from: folder) != nil, "a Package.swift exists above \(folder.path)")
        XCTAssertEqual(DataCache(environment: [:], currentDirectory: folder).root.path, folder.appendingPathComponent(".data").path)
    }

    func testKnownPaths() {
        let cache = DataCache(root: URL(fileURLWithPath: "/d"))
        XCTAssertEqual(cache.url(for: .mnist(.train, .images)).path, "/d/mnist/train-images.idx3-ubyte")
        XCTAssertEqual(cache.url(for: .mnist(.test, .labels)).path, "/d/mnist/t10k-labels.idx1-ubyte")
        XCTAssertEqual(cache.url(for: .fashionMNIST(.test, .images)).path, "/d/fashion-mnist/t10k-images-idx3-ubyte.gz")
        XCTAssertEqual(cache.url(for: .mobileNetV2).path, "/d/models/mobilenet_v2.safetensors")
        XCTAssertEqual(cache.candidates(for: .fashionMNIST(.train, .labels)).last?.path,
                       "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz")
        XCTAssertEqual(DataCache.Resource.allCases.count, 9)
    }

    func testMissingFileErrorNamesFileAndScript() throws {
        let cache = DataCache(root: try temporaryFolder())
        XCTAssertThrowsError(try cache.locate(.mobileNetV2)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(cache.url(for: .mobileNetV2).path), message)
            XCTAssertTrue(message.contains("Scripts/fetch-data.sh"), message)
        }
        XCTAssertThrowsError(try cache.load(.mnist, .test)) { error in
            XCTAssertTrue("\(error)".contains("t10k-images.idx3-ubyte"))
        }
    }

    func testLoadsPairFromCache() throws {
        let cache = DataCache(root: try temporaryFolder())
        try FileManager.default.createDirectory(at: cache.url(for: .mnist(.test, .images)).deletingLastPathComponent(), withIntermediateDirectories: true)
        var rng = SplitMix64(seed: 2)
        let images = randomTensor(dtype: .u8, shape: [3, 28, 28], using: &rng)
        let labels = try TensorData(integers: [1, 2, 3], shape: [3], dtype: .u8)
        try IDX.write(images, to: cache.url(for: .mnist(.test, .images)))
        try IDX.write(labels, to: cache.url(for: .mnist(.test, .labels)))
        let loaded = try cache.load(.mnist, .test)
        XCTAssertEqual(loaded.images, images)
        XCTAssertEqual(loaded.labels, labels)

        try IDX.write(try TensorData(integers: [1, 2], shape: [2], dtype: .u8), to: cache.url(for: .mnist(.test, .labels)))
        XCTAssertThrowsError(try cache.load(.mnist, .test)) {
            XCTAssertEqual($0 as? DataCacheError, .mismatchedPair(images: [3, 28, 28], labels: [2], fix: "run Scripts/fetch-data.sh (with the same SUBBIT_DATA)"))
        }
    }
}

/// Tests over the real data, when Scripts/fetch-data.sh (or Debian's package) has put it in place.
final class RealDataTests: XCTestCase {
    func testFashionMNISTTestSet() throws {
        let cache = DataCache()
        guard (try? cache.locate(.fashionMNIST(.test, .images))) != nil else {
            throw XCTSkip("Fashion-MNIST is not installed; fix: Scripts/setup.sh (apt dataset-fashion-mnist)")
        }
        let (images, labels) = try cache.load(.fashionMNIST, .test)
        XCTAssertEqual(images.shape, [10_000, 28, 28])
        XCTAssertEqual(labels.shape, [10_000])
        let counts = labels.bytes.reduce(into: [Int](repeating: 0, count: 256)) { $0[Int($1)] += 1 }
        XCTAssertEqual(Array(counts[0..<10]), Array(repeating: 1_000, count: 10))  // balanced classes
        XCTAssertEqual(counts[10...].reduce(0, +), 0)
    }

    func testMNISTFiles() throws {
        let cache = DataCache()
        guard (try? cache.locate(.mnist(.test, .images))) != nil else {
            throw XCTSkip("MNIST is not in \(cache.root.path); fix: run Scripts/fetch-data.sh")
        }
        let test = try cache.load(.mnist, .test)
        XCTAssertEqual(test.images.shape, [10_000, 28, 28])
        XCTAssertEqual(Array(test.labels.bytes.prefix(5)), [7, 2, 1, 0, 4])  // the well-known first test labels
        let train = try cache.load(.mnist, .train)
        XCTAssertEqual(train.images.shape, [60_000, 28, 28])
        XCTAssertEqual(Array(train.labels.bytes.prefix(5)), [5, 0, 4, 1, 9])
    }

    func testConvertedMobileNetV2() throws {
        let cache = DataCache()
        guard let url = try? cache.locate(.mobileNetV2) else {
            throw XCTSkip("MobileNetV2 is not in \(cache.root.path); fix: run Scripts/fetch-data.sh")
        }
        let model = try SafeTensorsFile(contentsOf: url)
        XCTAssertEqual(try model.tensor("features.0.0.weight").shape, [32, 3, 3, 3])
        XCTAssertEqual(try model.tensor("features.1.conv.0.0.weight").shape, [32, 1, 3, 3])
        XCTAssertEqual(try model.tensor("features.18.0.weight").shape, [1280, 320, 1, 1])
        XCTAssertEqual(try model.tensor("classifier.1.weight").shape, [1000, 1280])
        XCTAssertEqual(try model.tensor("classifier.1.bias").shape, [1000])
        XCTAssertEqual(try model.tensor("features.0.1.num_batches_tracked").dtype, .i64)
        let parameters = model.tensors.filter { !$0.key.hasSuffix("num_batches_tracked") && !$0.key.hasSuffix("running_mean") && !$0.key.hasSuffix("running_var") }
            .values.reduce(0) { $0 + $1.elementCount }
        XCTAssertEqual(parameters, 3_504_872)  // torchvision's documented MobileNetV2 parameter count
        let weights = try model.tensor("features.0.0.weight").floats()
        XCTAssertTrue(weights.allSatisfy(\.isFinite))
        XCTAssertGreaterThan(weights.map(abs).max()!, 0.1)
        // Scripts/convert_torch_pickle.py lays files out like the reference writer, and so do we.
        XCTAssertEqual(model.serialized(), Array(try Data(contentsOf: url)))
    }
}
