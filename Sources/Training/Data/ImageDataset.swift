import Foundation
import ModelIO

/// A labelled set of 28×28 grayscale images, normalized to zero mean and unit variance
/// with the dataset's published statistics (as `transforms.Normalize` does in PyTorch).
///
/// ```swift
/// let train = try ImageDataset.load(.fashionMNIST, .train)   // from DataCache()
/// train.count          // 60000
/// let small = train.prefix(1000)
/// ```
public struct ImageDataset: Sendable {
    public let name: String
    /// Normalized pixels, image after image, `count × height × width`.
    public let pixels: [Float]
    public let labels: [Int32]
    public let height: Int
    public let width: Int
    /// The normalized value of a black pixel — what padding before a random crop holds.
    public let background: Float

    public var count: Int { labels.count }
    public var imageSize: Int { height * width }

    public init(name: String, pixels: [Float], labels: [Int32], height: Int, width: Int, background: Float) {
        precondition(pixels.count == labels.count * height * width, "pixels do not match labels × \(height)×\(width)")
        self.name = name
        self.pixels = pixels
        self.labels = labels
        self.height = height
        self.width = width
        self.background = background
    }

    /// Mean and standard deviation of the training pixels (in [0, 1]) of each dataset.
    public static func statistics(_ dataset: DataCache.Dataset) -> (mean: Float, std: Float) {
        switch dataset {
        case .mnist: return (0.1307, 0.3081)
        case .fashionMNIST: return (0.2860, 0.3530)
        }
    }

    /// Loads one split from the data cache. A missing file throws `DataCacheError.missing`,
    /// whose message names `Scripts/fetch-data.sh`.
    public static func load(_ dataset: DataCache.Dataset, _ split: DataCache.Split,
                            cache: DataCache = DataCache()) throws -> ImageDataset {
        let (images, labels) = try cache.load(dataset, split)
        let (mean, std) = statistics(dataset)
        let scale = 1 / (255 * std), shift = -mean / std
        let pixels = images.bytes.map { Float($0) * scale + shift }
        return ImageDataset(name: "\(dataset.rawValue)-\(split.rawValue)", pixels: pixels,
                            labels: labels.bytes.map { Int32($0) },
                            height: images.shape[1], width: images.shape[2], background: shift)
    }

    /// The first `n` images (all if `n ≥ count`).
    public func prefix(_ n: Int) -> ImageDataset {
        let k = min(n, count)
        return ImageDataset(name: name, pixels: Array(pixels[0..<(k * imageSize)]), labels: Array(labels[0..<k]),
                            height: height, width: width, background: background)
    }
}

/// Training-time augmentation: random translation (zero-padding by `padding` pixels, then a
/// random crop back to the original size) and optional horizontal flips.
public struct Augmentation: Sendable, Equatable {
    public var padding: Int
    public var horizontalFlip: Bool

    public init(padding: Int = 0, horizontalFlip: Bool = false) {
        self.padding = padding
        self.horizontalFlip = horizontalFlip
    }

    public static let none = Augmentation()
    public var isNone: Bool { padding == 0 && !horizontalFlip }
}

/// Deals a dataset out in batches: a seeded shuffle per epoch and seeded augmentation,
/// so an epoch's batches depend only on `(seed, epoch)`.
///
/// ```swift
/// let loader = BatchLoader(dataset: train, batchSize: 128, seed: 1, augmentation: .init(padding: 2))
/// let order = loader.order(epoch: 0)
/// var rng = loader.augmentationRNG(epoch: 0)
/// loader.fill(order[0..<128], images: batch, labels: &labels, rng: &rng)
/// ```
public struct BatchLoader: Sendable {
    public let dataset: ImageDataset
    public let batchSize: Int
    public let seed: UInt64
    public let shuffle: Bool
    public let augmentation: Augmentation

    public init(dataset: ImageDataset, batchSize: Int, seed: UInt64, shuffle: Bool = true,
                augmentation: Augmentation = .none) {
        self.dataset = dataset
        self.batchSize = batchSize
        self.seed = seed
        self.shuffle = shuffle
        self.augmentation = augmentation
    }

    /// Batches per epoch (the last one may be smaller).
    public var batchCount: Int { (dataset.count + batchSize - 1) / batchSize }

    /// The image order of `epoch`: a Fisher–Yates shuffle seeded by `(seed, epoch)`.
    public func order(epoch: Int) -> [Int] {
        var order = Array(0..<dataset.count)
        guard shuffle else { return order }
        var rng = Xoshiro256(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(epoch) &+ 1)
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, rng.nextInt(below: i + 1))
        }
        return order
    }

    /// The generator for `epoch`'s augmentation draws.
    public func augmentationRNG(epoch: Int) -> Xoshiro256 {
        Xoshiro256(seed: (seed ^ 0xA5A5_5A5A_C3C3_3C3C) &+ UInt64(epoch) &* 0x2545_F491_4F6C_DD1D)
    }

    /// The index range of batch `b` in an epoch order.
    public func range(ofBatch b: Int) -> Range<Int> {
        (b * batchSize)..<min(dataset.count, (b + 1) * batchSize)
    }

    /// Copies (and augments) the images `indices` into `images` (`[n, 1, H, W]`) and their labels.
    public func fill(_ indices: ArraySlice<Int>, images: Tensor, labels: inout [Int32], rng: inout Xoshiro256) {
        let (H, W, size) = (dataset.height, dataset.width, dataset.imageSize)
        images.reshape([indices.count, 1, H, W])
        labels.removeAll(keepingCapacity: true)
        let dst = images.pointer
        let pad = augmentation.padding
        dataset.pixels.withUnsafeBufferPointer { px in
            for (j, index) in indices.enumerated() {
                labels.append(dataset.labels[index])
                let src = px.baseAddress! + index * size
                let out = dst + j * size
                if augmentation.isNone {
                    out.update(from: src, count: size)
                    continue
                }
                let dy = pad > 0 ? rng.nextInt(below: 2 * pad + 1) - pad : 0
                let dx = pad > 0 ? rng.nextInt(below: 2 * pad + 1) - pad : 0
                let flip = augmentation.horizontalFlip && rng.next() & 1 == 1
                for y in 0..<H {
                    let sy = y + dy
                    let row = out + y * W
                    if sy < 0 || sy >= H {
                        row.update(repeating: dataset.background, count: W)
                        continue
                    }
                    for x in 0..<W {
                        let sx = (flip ? W - 1 - x : x) + dx
                        row[x] = sx < 0 || sx >= W ? dataset.background : src[sy * W + sx]
                    }
                }
            }
        }
    }
}
