import Foundation

/// A safetensors file: named tensors plus an optional string-to-string metadata map.
///
/// The format (Hugging Face): an 8-byte little-endian header length `N`, then `N` bytes of
/// JSON mapping each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}`
/// (offsets relative to the start of the byte buffer) and an optional `"__metadata__"`
/// object of strings, then the byte buffer. Readers here validate everything: a hostile
/// file gives a `SafeTensorsError` naming the tensor and the problem, never a crash, and
/// never an allocation larger than the file.
///
/// ```swift
/// var file = SafeTensorsFile(metadata: ["format": "pt"])
/// file.tensors["fc.weight"] = try TensorData(floats: [0.5, -1, 2, 0], shape: [2, 2])
/// try file.write(to: URL(fileURLWithPath: "model.safetensors"))
///
/// let loaded = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: "model.safetensors"))
/// let weight = try loaded.tensor("fc.weight").floats()   // [0.5, -1, 2, 0]
/// ```
public struct SafeTensorsFile: Sendable, Equatable {
    /// The `__metadata__` map (empty when the file has none).
    public var metadata: [String: String]
    /// The tensors by name.
    public var tensors: [String: TensorData]

    /// The largest header accepted, as in the reference implementation (100 MB).
    public static let maximumHeaderSize = 100_000_000

    public init(tensors: [String: TensorData] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Parses a safetensors file held in memory.
    public init(bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { try SafeTensorsFile.parse($0, file: nil) }
    }

    /// Reads and parses a safetensors file (memory-mapped while parsing).
    public init(contentsOf url: URL) throws {
        let data = try AtomicFile.read(url)
        self = try data.withUnsafeBytes { try SafeTensorsFile.parse($0, file: url.path) }
    }

    /// The tensor called `name`, or nil.
    public subscript(name: String) -> TensorData? {
        get { tensors[name] }
        set { tensors[name] = newValue }
    }

    /// The tensor called `name`, or an error naming it and a few of the names present.
    public func tensor(_ name: String) throws -> TensorData {
        guard let tensor = tensors[name] else {
            throw SafeTensorsError(.missingTensor(name: name, available: Array(names.prefix(5)), count: tensors.count))
        }
        return tensor
    }

    /// Tensor names in natural order: digit runs compare as numbers, so
    /// `features.2.conv` comes before `features.10.conv` (the order of the model's layers).
    public var names: [String] { tensors.keys.sorted(by: NaturalOrder.less) }

    /// The file's bytes: tensors laid out like the reference writer (by dtype size,
    /// largest first, then by name), header padded with spaces to a multiple of 8.
    public func serialized() -> [UInt8] {
        let (header, order) = Self.layout(metadata: metadata, tensors: descriptors)
        var out = header
        out.reserveCapacity(header.count + order.reduce(0) { $0 + tensors[$1.name]!.bytes.count })
        for entry in order { out.append(contentsOf: tensors[entry.name]!.bytes) }
        return out
    }

    /// Name, dtype and shape of every tensor (in no particular order).
    var descriptors: [Descriptor] {
        tensors.map { Descriptor(name: $0.key, dtype: $0.value.dtype, shape: $0.value.shape, byteCount: $0.value.bytes.count) }
    }

    /// What the header says of one tensor: its name, dtype, shape and byte count.
    public struct Descriptor: Sendable, Equatable {
        public var name: String
        public var dtype: DType
        public var shape: [Int]
        /// `elements × dtype.byteSize`.
        public var byteCount: Int

        /// - Throws: ``TensorDataError`` if the shape's byte count overflows.
        public init(name: String, dtype: DType, shape: [Int]) throws {
            self.init(name: name, dtype: dtype, shape: shape, byteCount: try TensorData.byteCount(dtype: dtype, shape: shape))
        }

        init(name: String, dtype: DType, shape: [Int], byteCount: Int) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.byteCount = byteCount
        }
    }

    /// The length prefix and padded JSON header, and the tensors' order in the buffer.
    static func layout(metadata: [String: String], tensors: [Descriptor]) -> (header: [UInt8], order: [Descriptor]) {
        let order = tensors.sorted { a, b in
            let (ra, rb) = (a.dtype.referenceRank, b.dtype.referenceRank)
            return ra != rb ? ra > rb : a.name < b.name
        }
        var header = "{"
        var first = true
        if !metadata.isEmpty {
            header += JSONWriter.quoted("__metadata__") + ":{"
            header += metadata.keys.sorted().map { JSONWriter.quoted($0) + ":" + JSONWriter.quoted(metadata[$0]!) }
                .joined(separator: ",")
            header += "}"
            first = false
        }
        var offset = 0
        for tensor in order {
            if !first { header += "," }
            first = false
            let end = offset + tensor.byteCount
            header += JSONWriter.quoted(tensor.name)
                + ":{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],"
                + "\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        headerBytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8))
        var out = [UInt8]()
        out.reserveCapacity(8 + headerBytes.count)
        let length = UInt64(headerBytes.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
        out.append(contentsOf: headerBytes)
        return (out, order)
    }

    /// Writes the file atomically (temporary file + rename), streaming: the header, then each
    /// tensor's bytes in turn, never the whole file in one buffer.
    /// - Throws: ``SafeTensorsError`` if a tensor is named `__metadata__` (the format reserves the
    ///   key, and the file would not read back); ``FileAccessError`` naming the path on any
    ///   write failure (the previous file stays intact).
    public func write(to url: URL) throws {
        try Self.write(to: url, metadata: metadata, tensors: descriptors) { tensors[$0.name]!.bytes }
    }

    /// Writes a file whose tensors are produced one at a time, so that a model larger than
    /// memory allows can be written: the header comes from `tensors`' names, dtypes and shapes;
    /// then `bytes` is asked for each tensor's little-endian data in the file's order, and only
    /// that tensor is held. Same bytes as ``serialized()`` of the same tensors, written
    /// atomically (temporary file + rename).
    ///
    /// ```swift
    /// let entries = [try SafeTensorsFile.Descriptor(name: "w", dtype: .f32, shape: [1_000_000])]
    /// try SafeTensorsFile.write(to: url, metadata: [:], tensors: entries) { entry in
    ///     try TensorData(floats: decode(entry.name), shape: entry.shape).bytes
    /// }
    /// ```
    /// - Throws: ``SafeTensorsError`` for a tensor named `__metadata__`, a repeated name, or
    ///   bytes of another length than the descriptor says; ``FileAccessError`` naming the path on
    ///   any write failure (the previous file stays intact); whatever `bytes` throws.
    /// - Complexity: O(total bytes); memory O(header + the largest tensor).
    public static func write(to url: URL, metadata: [String: String], tensors: [Descriptor],
                             bytes: (Descriptor) throws -> [UInt8]) throws {
        var seen = Set<String>()
        for tensor in tensors {
            if tensor.name == "__metadata__" {
                throw SafeTensorsError(.invalidEntry(tensor: "__metadata__", reason: "the name is reserved for the metadata map; rename the tensor"), file: url.path)
            }
            guard seen.insert(tensor.name).inserted else {
                throw SafeTensorsError(.invalidEntry(tensor: tensor.name, reason: "the name appears twice; every tensor needs its own"), file: url.path)
            }
        }
        let (header, order) = layout(metadata: metadata, tensors: tensors)
        try AtomicFile.write(to: url) { sink in
            try sink.write(header)
            for entry in order {
                let data = try bytes(entry)
                guard data.count == entry.byteCount else {
                    throw SafeTensorsError(.invalidEntry(tensor: entry.name, reason: "\(data.count) bytes produced where its dtype and shape need \(entry.byteCount)"), file: url.path)
                }
                try sink.write(data)
            }
        }
    }

    // MARK: - Parsing

    private struct Entry {
        var name: String
        var dtype: DType
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    static func parse(_ raw: UnsafeRawBufferPointer, file: String?) throws -> SafeTensorsFile {
        func fail(_ kind: SafeTensorsError.Kind) -> SafeTensorsError { SafeTensorsError(kind, file: file) }

        guard raw.count >= 8 else { throw fail(.truncated(size: raw.count)) }
        var declared: UInt64 = 0
        for i in 0..<8 { declared |= UInt64(raw[i]) << (8 * UInt64(i)) }
        guard declared <= UInt64(maximumHeaderSize) else {
            throw fail(.headerTooLarge(declared: declared, limit: maximumHeaderSize))
        }
        guard declared <= UInt64(raw.count - 8) else {
            throw fail(.headerPastEnd(declared: declared, available: raw.count - 8))
        }
        let headerLength = Int(declared)
        let header = UnsafeRawBufferPointer(rebasing: raw[8..<(8 + headerLength)])
        let buffer = UnsafeRawBufferPointer(rebasing: raw[(8 + headerLength)...])

        let json: JSONValue
        do {
            json = try JSONParser.parse(header)
        } catch {
            throw fail(.invalidJSON(reason: error.reason, offset: error.offset))
        }
        guard case .object(let members) = json else { throw fail(.headerNotObject(found: json.kindName)) }

        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        var seen = Set<String>()
        for (name, value) in members {
            guard seen.insert(name).inserted else { throw fail(.duplicateKey(name)) }
            if name == "__metadata__" {
                guard case .object(let pairs) = value else {
                    throw fail(.invalidMetadata("__metadata__ is \(value.kindName), expected an object of strings"))
                }
                for (key, item) in pairs {
                    guard case .string(let text) = item else {
                        throw fail(.invalidMetadata("value of \(DisplayName.quoted(key)) is \(item.kindName), expected a string"))
                    }
                    metadata[key] = text
                }
                continue
            }
            entries.append(try parseEntry(name: name, value: value, bufferSize: buffer.count, fail: fail))
        }

        // Tensors must tile the buffer exactly: sorted by offset, each starts where the
        // previous one ended, and the last ends at the end of the file.
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var expectedBegin = 0
        var previous: String?
        for entry in entries {
            if entry.begin < expectedBegin, let previous {
                throw fail(.overlap(tensor: entry.name, other: previous))
            }
            if entry.begin > expectedBegin {
                throw fail(.gap(tensor: entry.name, begin: entry.begin, expected: expectedBegin))
            }
            expectedBegin = entry.end
            previous = entry.name
        }
        guard expectedBegin == buffer.count else {
            throw fail(.bufferNotCovered(used: expectedBegin, bufferSize: buffer.count))
        }

        var tensors: [String: TensorData] = [:]
        tensors.reserveCapacity(entries.count)
        for entry in entries {
            let bytes = [UInt8](UnsafeRawBufferPointer(rebasing: buffer[entry.begin..<entry.end]))
            tensors[entry.name] = TensorData(unchecked: entry.dtype, shape: entry.shape, bytes: bytes)
        }
        return SafeTensorsFile(tensors: tensors, metadata: metadata)
    }

    private static func parseEntry(
        name: String, value: JSONValue, bufferSize: Int, fail: (SafeTensorsError.Kind) -> SafeTensorsError
    ) throws -> Entry {
        guard case .object(let fields) = value else {
            throw fail(.invalidEntry(tensor: name, reason: "entry is \(value.kindName), expected an object"))
        }
        func field(_ key: String) throws -> JSONValue {
            guard let found = fields.first(where: { $0.key == key }) else {
                throw fail(.invalidEntry(tensor: name, reason: "missing \"\(key)\""))
            }
            return found.value
        }
        func integers(_ key: String, _ value: JSONValue) throws -> [Int] {
            guard case .array(let items) = value else {
                throw fail(.invalidEntry(tensor: name, reason: "\"\(key)\" is \(value.kindName), expected an array of integers"))
            }
            return try items.map { item in
                guard case .integer(let n) = item else {
                    throw fail(.invalidEntry(tensor: name, reason: "\"\(key)\" holds \(item.kindName), expected integers"))
                }
                return n
            }
        }

        let dtypeValue = try field("dtype")
        guard case .string(let dtypeName) = dtypeValue else {
            throw fail(.invalidEntry(tensor: name, reason: "\"dtype\" is \(dtypeValue.kindName), expected a string"))
        }
        guard let dtype = DType(rawValue: dtypeName) else { throw fail(.unknownDType(tensor: name, dtype: dtypeName)) }

        let shape = try integers("shape", try field("shape"))
        let byteCount: Int
        do {
            byteCount = try TensorData.byteCount(dtype: dtype, shape: shape)
        } catch TensorDataError.negativeDimension {
            throw fail(.negativeDimension(tensor: name, shape: shape))
        } catch {
            throw fail(.shapeOverflow(tensor: name, shape: shape))
        }

        let offsets = try integers("data_offsets", try field("data_offsets"))
        guard offsets.count == 2 else {
            throw fail(.invalidOffsets(tensor: name, offsets: offsets, reason: "expected two offsets [begin, end]"))
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, end >= begin else {
            throw fail(.invalidOffsets(tensor: name, offsets: offsets, reason: "need 0 ≤ begin ≤ end"))
        }
        guard end <= bufferSize else { throw fail(.offsetOutOfRange(tensor: name, end: end, bufferSize: bufferSize)) }
        guard end - begin == byteCount else {
            throw fail(.sizeMismatch(tensor: name, dtype: dtype, shape: shape, expected: byteCount, actual: end - begin))
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }
}

extension DType {
    /// Order of the reference implementation's dtype enum; its writer puts larger ranks first.
    var referenceRank: Int {
        switch self {
        case .bool: return 0
        case .u8: return 1
        case .i8: return 2
        case .i16: return 3
        case .u16: return 4
        case .f16: return 5
        case .bf16: return 6
        case .i32: return 7
        case .u32: return 8
        case .f32: return 9
        case .f64: return 10
        case .i64: return 11
        case .u64: return 12
        }
    }
}

/// Why a safetensors file was refused. `kind` says what is wrong; `file` is the path when
/// the bytes came from a file.
public struct SafeTensorsError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case truncated(size: Int)
        case headerTooLarge(declared: UInt64, limit: Int)
        case headerPastEnd(declared: UInt64, available: Int)
        case invalidJSON(reason: String, offset: Int)
        case headerNotObject(found: String)
        case duplicateKey(String)
        case invalidMetadata(String)
        case invalidEntry(tensor: String, reason: String)
        case unknownDType(tensor: String, dtype: String)
        case negativeDimension(tensor: String, shape: [Int])
        case shapeOverflow(tensor: String, shape: [Int])
        case invalidOffsets(tensor: String, offsets: [Int], reason: String)
        case offsetOutOfRange(tensor: String, end: Int, bufferSize: Int)
        case sizeMismatch(tensor: String, dtype: DType, shape: [Int], expected: Int, actual: Int)
        case overlap(tensor: String, other: String)
        case gap(tensor: String, begin: Int, expected: Int)
        case bufferNotCovered(used: Int, bufferSize: Int)
        case missingTensor(name: String, available: [String], count: Int)
    }

    public var kind: Kind
    public var file: String?

    public init(_ kind: Kind, file: String? = nil) {
        self.kind = kind
        self.file = file
    }

    public var description: String {
        let subject = file.map { "safetensors file \($0)" } ?? "safetensors data"
        let problem: String
        switch kind {
        case let .truncated(size):
            problem = "is only \(size) bytes; a safetensors file starts with an 8-byte header length"
        case let .headerTooLarge(declared, limit):
            problem = "declares a \(declared)-byte header, over the \(limit)-byte limit (not a safetensors file?)"
        case let .headerPastEnd(declared, available):
            problem = "declares a \(declared)-byte header but only \(available) bytes follow (truncated or not a safetensors file)"
        case let .invalidJSON(reason, offset):
            problem = "has a header that is not valid JSON: \(reason) at header byte \(offset)"
        case let .headerNotObject(found):
            problem = "has a header that is \(found), expected a JSON object"
        case let .duplicateKey(key):
            problem = "lists \(DisplayName.quoted(key)) twice in its header"
        case let .invalidMetadata(reason):
            problem = "has invalid __metadata__: \(reason)"
        case let .invalidEntry(tensor, reason):
            problem = "has an invalid entry for tensor \(DisplayName.quoted(tensor)): \(reason)"
        case let .unknownDType(tensor, dtype):
            problem = "gives tensor \(DisplayName.quoted(tensor)) the unknown dtype \"\(dtype)\" (known: \(DType.allCases.map(\.rawValue).joined(separator: ", ")))"
        case let .negativeDimension(tensor, shape):
            problem = "gives tensor \(DisplayName.quoted(tensor)) the shape \(shape) with a negative dimension"
        case let .shapeOverflow(tensor, shape):
            problem = "gives tensor \(DisplayName.quoted(tensor)) the shape \(shape), whose size overflows"
        case let .invalidOffsets(tensor, offsets, reason):
            problem = "gives tensor \(DisplayName.quoted(tensor)) the data_offsets \(offsets): \(reason)"
        case let .offsetOutOfRange(tensor, end, bufferSize):
            problem = "places tensor \(DisplayName.quoted(tensor)) up to byte \(end) of a \(bufferSize)-byte data buffer (out of range)"
        case let .sizeMismatch(tensor, dtype, shape, expected, actual):
            problem = "gives tensor \(DisplayName.quoted(tensor)) (\(dtype) \(shape)) \(actual) bytes, but that shape needs \(expected)"
        case let .overlap(tensor, other):
            problem = "has tensors \(DisplayName.quoted(other)) and \(DisplayName.quoted(tensor)) overlapping in the data buffer"
        case let .gap(tensor, begin, expected):
            problem = "leaves bytes \(expected)..<\(begin) unused before tensor \(DisplayName.quoted(tensor)) (offsets must tile the buffer)"
        case let .bufferNotCovered(used, bufferSize):
            problem = "has a \(bufferSize)-byte data buffer but its tensors cover only \(used) bytes"
        case let .missingTensor(name, available, count):
            let sample = available.map { DisplayName.quoted($0) }.joined(separator: ", ")
            problem = "has no tensor \(DisplayName.quoted(name)) (it has \(count) tensors\(count > 0 ? ", e.g. \(sample)" : ""))"
        }
        return "\(subject) \(problem)"
    }

    public var errorDescription: String? { description }
}
