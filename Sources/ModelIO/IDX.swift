import Foundation

/// The IDX format of the MNIST and Fashion-MNIST datasets, plain or gzipped.
///
/// Layout: two zero bytes, a type byte (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32,
/// 0x0E f64), the number of dimensions, each dimension as a big-endian UInt32, then the
/// big-endian values in C order. Values come back as a little-endian `TensorData`.
///
/// ```swift
/// let images = try IDX.read(contentsOf: URL(fileURLWithPath: "t10k-images-idx3-ubyte.gz"))
/// images.shape   // [10000, 28, 28], dtype .u8
/// ```
public enum IDX {
    /// Reads a plain or gzipped (detected by its magic number) IDX file.
    public static func read(contentsOf url: URL) throws -> TensorData {
        let data = try AtomicFile.read(url)
        do {
            return try data.withUnsafeBytes { try decode($0) }
        } catch let error as IDXError {
            throw error.inFile(url.path)
        }
    }

    /// Decodes plain or gzipped IDX bytes.
    public static func decode(_ bytes: [UInt8]) throws -> TensorData {
        try bytes.withUnsafeBytes { try decode($0) }
    }

    /// Encodes a tensor as plain IDX (dtype U8, I8, I16, I32, F32 or F64).
    public static func encode(_ tensor: TensorData) throws -> [UInt8] {
        guard let code = typeCode(for: tensor.dtype) else { throw IDXError(.unsupportedDType(tensor.dtype)) }
        guard tensor.shape.count <= 255, tensor.shape.allSatisfy({ $0 <= Int(UInt32.max) }) else {
            throw IDXError(.unsupportedShape(tensor.shape))
        }
        var out: [UInt8] = [0, 0, code, UInt8(tensor.shape.count)]
        for dimension in tensor.shape { appendBigEndian(UInt32(dimension), to: &out) }
        let size = tensor.dtype.byteSize
        out.reserveCapacity(out.count + tensor.bytes.count)
        for i in stride(from: 0, to: tensor.bytes.count, by: size) {
            out.append(contentsOf: tensor.bytes[i..<(i + size)].reversed())
        }
        return out
    }

    /// Writes a tensor as an IDX file atomically, gzipped if asked.
    public static func write(_ tensor: TensorData, to url: URL, gzip: Bool = false) throws {
        let plain = try encode(tensor)
        try AtomicFile.write(gzip ? try Gzip.compress(plain) : plain, to: url)
    }

    // MARK: - Decoding

    static func decode(_ raw: UnsafeRawBufferPointer) throws -> TensorData {
        if Gzip.isGzip(raw) {
            do {
                return try decodeGzip(raw)
            } catch let error as GzipError {
                throw IDXError(.gzip(error))
            }
        }
        var source = PlainSource(bytes: raw)
        let tensor = try decode(from: &source, payloadLimit: raw.count, limitIsFileSize: true)
        guard source.position == raw.count else {
            throw IDXError(.trailingData(declared: source.position, actual: raw.count))
        }
        return tensor
    }

    private static func decodeGzip(_ raw: UnsafeRawBufferPointer) throws -> TensorData {
        var source = GzipSource(inflater: try GzipInflater(raw))
        // The decompressed size cannot exceed what deflate can expand the input to.
        let tensor = try decode(
            from: &source, payloadLimit: Gzip.maximumDecompressedSize(compressedSize: raw.count), limitIsFileSize: false)
        var extra = [UInt8](repeating: 0, count: 1)
        let more = try extra.withUnsafeMutableBytes { try source.inflater.read(into: $0) }
        guard more == 0 else { throw IDXError(.trailingData(declared: source.produced, actual: source.produced + 1)) }
        return tensor
    }

    private protocol ByteSource {
        /// Fills `buffer` completely or returns how much it could fill before the end.
        mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    }

    private struct PlainSource: ByteSource {
        let bytes: UnsafeRawBufferPointer
        var position = 0
        mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let count = min(buffer.count, bytes.count - position)
            if count > 0 {
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)]))
            }
            position += count
            return count
        }
    }

    private struct GzipSource: ByteSource {
        let inflater: GzipInflater
        var produced = 0
        mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let count = try inflater.read(into: buffer)
            produced += count
            return count
        }
    }

    private static func readExactly<S: ByteSource>(_ count: Int, from source: inout S, offset: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let got = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
        guard got == count else { throw IDXError(.truncated(expected: offset + count, actual: offset + got)) }
        return buffer
    }

    /// `payloadLimit` bounds the whole decoded size: the file size for plain files (so a
    /// larger header means truncation), the deflate expansion bound for gzipped ones.
    private static func decode<S: ByteSource>(
        from source: inout S, payloadLimit: Int, limitIsFileSize: Bool
    ) throws -> TensorData {
        let magic = try readExactly(4, from: &source, offset: 0)
        guard magic[0] == 0, magic[1] == 0 else { throw IDXError(.badMagic(Array(magic))) }
        guard let dtype = dtype(forCode: magic[2]) else { throw IDXError(.unknownType(magic[2])) }
        let rank = Int(magic[3])
        let dims = try readExactly(4 * rank, from: &source, offset: 4)
        var shape = [Int]()
        for i in 0..<rank {
            var dimension = 0
            for byte in dims[(4 * i)..<(4 * i + 4)] { dimension = dimension << 8 | Int(byte) }
            shape.append(dimension)
        }
        let headerSize = 4 + 4 * rank
        guard let payload = try? TensorData.byteCount(dtype: dtype, shape: shape), payload <= payloadLimit - headerSize else {
            if limitIsFileSize, let payload = try? TensorData.byteCount(dtype: dtype, shape: shape),
               payload <= Int.max - headerSize {
                throw IDXError(.truncated(expected: headerSize + payload, actual: payloadLimit))
            }
            throw IDXError(.tooLarge(shape: shape, dtype: dtype, available: payloadLimit - headerSize))
        }
        var bytes = try readExactly(payload, from: &source, offset: headerSize)
        let size = dtype.byteSize
        if size > 1 {
            // IDX is big-endian; TensorData is little-endian.
            bytes.withUnsafeMutableBufferPointer { buffer in
                for i in stride(from: 0, to: buffer.count, by: size) {
                    var (a, b) = (i, i + size - 1)
                    while a < b { buffer.swapAt(a, b); a += 1; b -= 1 }
                }
            }
        }
        return TensorData(unchecked: dtype, shape: shape, bytes: bytes)
    }

    private static func dtype(forCode code: UInt8) -> DType? {
        switch code {
        case 0x08: return .u8
        case 0x09: return .i8
        case 0x0B: return .i16
        case 0x0C: return .i32
        case 0x0D: return .f32
        case 0x0E: return .f64
        default: return nil
        }
    }

    private static func typeCode(for dtype: DType) -> UInt8? {
        switch dtype {
        case .u8: return 0x08
        case .i8: return 0x09
        case .i16: return 0x0B
        case .i32: return 0x0C
        case .f32: return 0x0D
        case .f64: return 0x0E
        default: return nil
        }
    }

    private static func appendBigEndian(_ value: UInt32, to out: inout [UInt8]) {
        out += [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }
}

/// Why an IDX file was refused. `kind` says what is wrong; `file` is the path when known.
public struct IDXError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case truncated(expected: Int, actual: Int)
        case badMagic([UInt8])
        case unknownType(UInt8)
        case tooLarge(shape: [Int], dtype: DType, available: Int)
        case trailingData(declared: Int, actual: Int)
        case gzip(GzipError)
        case unsupportedDType(DType)
        case unsupportedShape([Int])
    }

    public var kind: Kind
    public var file: String?

    public init(_ kind: Kind, file: String? = nil) {
        self.kind = kind
        self.file = file
    }

    func inFile(_ path: String) -> IDXError { IDXError(kind, file: path) }

    public var description: String {
        let subject = file.map { "IDX file \($0)" } ?? "IDX data"
        let problem: String
        switch kind {
        case let .truncated(expected, actual):
            problem = "ends after \(actual) bytes but its header needs \(expected) (truncated download?)"
        case let .badMagic(magic):
            problem = "starts with \(magic.map { String(format: "%02x", $0) }.joined(separator: " ")), not an IDX magic number (00 00 type rank)"
        case let .unknownType(code):
            problem = "has unknown element type 0x\(String(code, radix: 16)) (known: 0x08 u8, 0x09 i8, 0x0b i16, 0x0c i32, 0x0d f32, 0x0e f64)"
        case let .tooLarge(shape, dtype, available):
            problem = "declares \(dtype) shape \(shape), more than the \(max(0, available)) bytes the file can hold"
        case let .trailingData(declared, actual):
            problem = "has \(actual - declared) byte(s) after the \(declared) bytes its header declares"
        case let .gzip(error):
            problem = "could not be decompressed: \(error)"
        case let .unsupportedDType(dtype):
            problem = "cannot store dtype \(dtype) (IDX holds U8, I8, I16, I32, F32, F64)"
        case let .unsupportedShape(shape):
            problem = "cannot store shape \(shape) (at most 255 dimensions of at most 2^32-1)"
        }
        return "\(subject) \(problem)"
    }

    public var errorDescription: String? { description }
}
