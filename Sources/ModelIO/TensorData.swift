import Foundation

/// One tensor as stored on disk: element type, shape and raw little-endian bytes.
///
/// `TensorData` is the currency of ModelIO: safetensors entries, NPY arrays and IDX
/// datasets all come out as one. Its initializers check that the byte count matches
/// `shape × dtype.byteSize`, so every `TensorData` is internally consistent.
///
/// ```swift
/// let weight = try TensorData(floats: [1, 2, 3, 4, 5, 6], shape: [2, 3])
/// let half = try TensorData(floats: [1, 2, 3, 4, 5, 6], shape: [2, 3], dtype: .f16)
/// try half.floats()        // [1, 2, 3, 4, 5, 6]
/// weight.elementCount      // 6
/// ```
public struct TensorData: Sendable, Hashable {
    /// The element type of `bytes`.
    public let dtype: DType
    /// Dimensions, outermost first (C order). `[]` is a scalar.
    public let shape: [Int]
    /// `elementCount × dtype.byteSize` bytes, little-endian, C order.
    public let bytes: [UInt8]

    /// Wraps raw little-endian bytes, checking that their count matches the shape.
    public init(dtype: DType, shape: [Int], bytes: [UInt8]) throws {
        let count = try TensorData.byteCount(dtype: dtype, shape: shape)
        guard count == bytes.count else {
            throw TensorDataError.byteCountMismatch(
                dtype: dtype, shape: shape, expected: count, actual: bytes.count)
        }
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// For readers that have already validated the byte count.
    init(unchecked dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// Stores `floats` as F32 (default), F16, BF16 or F64, rounding to nearest even
    /// when narrowing.
    public init(floats: [Float], shape: [Int], dtype: DType = .f32) throws {
        let count = try TensorData.elementCount(of: shape)
        guard count == floats.count else {
            throw TensorDataError.elementCountMismatch(shape: shape, expected: count, actual: floats.count)
        }
        guard dtype.isFloatingPoint else { throw TensorDataError.notFloatingPoint(dtype) }
        var bytes = [UInt8](repeating: 0, count: count * dtype.byteSize)
        bytes.withUnsafeMutableBytes { out in
            floats.withUnsafeBufferPointer { src in
                switch dtype {
                case .f32:
                    for i in 0..<count { out.storeBytes(of: src[i].bitPattern.littleEndian, toByteOffset: i &* 4, as: UInt32.self) }
                case .f64:
                    for i in 0..<count { out.storeBytes(of: Double(src[i]).bitPattern.littleEndian, toByteOffset: i &* 8, as: UInt64.self) }
                case .f16:
                    for i in 0..<count { out.storeBytes(of: HalfPrecision.halfBits(from: src[i]).littleEndian, toByteOffset: i &* 2, as: UInt16.self) }
                case .bf16:
                    for i in 0..<count { out.storeBytes(of: HalfPrecision.bfloat16Bits(from: src[i]).littleEndian, toByteOffset: i &* 2, as: UInt16.self) }
                default:
                    break  // excluded by the guard above
                }
            }
        }
        self.init(unchecked: dtype, shape: shape, bytes: bytes)
    }

    /// Stores integers as I64 (default) or any other integer/BOOL dtype; values that do
    /// not fit the target type are refused.
    public init(integers: [Int64], shape: [Int], dtype: DType = .i64) throws {
        let count = try TensorData.elementCount(of: shape)
        guard count == integers.count else {
            throw TensorDataError.elementCountMismatch(shape: shape, expected: count, actual: integers.count)
        }
        let range: ClosedRange<Int64>
        switch dtype {
        case .i64, .u64: range = dtype == .i64 ? Int64.min...Int64.max : 0...Int64.max
        case .i32: range = Int64(Int32.min)...Int64(Int32.max)
        case .u32: range = 0...Int64(UInt32.max)
        case .i16: range = Int64(Int16.min)...Int64(Int16.max)
        case .u16: range = 0...Int64(UInt16.max)
        case .i8: range = Int64(Int8.min)...Int64(Int8.max)
        case .u8: range = 0...Int64(UInt8.max)
        case .bool: range = 0...1
        case .f64, .f32, .f16, .bf16: throw TensorDataError.notInteger(dtype)
        }
        if let bad = integers.firstIndex(where: { !range.contains($0) }) {
            throw TensorDataError.integerOutOfRange(value: integers[bad], dtype: dtype)
        }
        let size = dtype.byteSize
        var bytes = [UInt8](repeating: 0, count: count * size)
        for (i, value) in integers.enumerated() {
            let bits = UInt64(bitPattern: value)
            for b in 0..<size { bytes[i * size + b] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(b))) }
        }
        self.init(unchecked: dtype, shape: shape, bytes: bytes)
    }

    /// The number of elements: the product of `shape` (1 for a scalar).
    public var elementCount: Int { bytes.count / dtype.byteSize }

    /// The elements converted to `Float` (from F32, F16, BF16 or F64; F64 rounds).
    public func floats() throws -> [Float] {
        let count = elementCount
        switch dtype {
        case .f32:
            return [Float](unsafeUninitializedCapacity: count) { out, initialized in
                bytes.withUnsafeBytes { raw in
                    for i in 0..<count {
                        out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)))
                    }
                }
                initialized = count
            }
        case .f64:
            return [Float](unsafeUninitializedCapacity: count) { out, initialized in
                bytes.withUnsafeBytes { raw in
                    for i in 0..<count {
                        out[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self))))
                    }
                }
                initialized = count
            }
        case .f16:
            return [Float](unsafeUninitializedCapacity: count) { out, initialized in
                bytes.withUnsafeBytes { raw in
                    for i in 0..<count {
                        out[i] = HalfPrecision.float(fromHalfBits: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)))
                    }
                }
                initialized = count
            }
        case .bf16:
            return [Float](unsafeUninitializedCapacity: count) { out, initialized in
                bytes.withUnsafeBytes { raw in
                    for i in 0..<count {
                        out[i] = HalfPrecision.float(fromBFloat16Bits: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)))
                    }
                }
                initialized = count
            }
        default:
            throw TensorDataError.notFloatingPoint(dtype)
        }
    }

    /// The elements of an integer or BOOL tensor as `Int64`. U64 values above `Int64.max`
    /// (≥ 2⁶³) are refused with their value, and so are BOOL bytes other than 0 and 1 (NumPy
    /// and PyTorch read any non-zero byte as true, so such a tensor would not round-trip).
    public func integers() throws -> [Int64] {
        guard !dtype.isFloatingPoint else { throw TensorDataError.notInteger(dtype) }
        let size = dtype.byteSize
        let signed = dtype == .i8 || dtype == .i16 || dtype == .i32 || dtype == .i64
        var result = [Int64]()
        result.reserveCapacity(elementCount)
        for i in 0..<elementCount {
            var bits: UInt64 = 0
            for b in 0..<size { bits |= UInt64(bytes[i * size + b]) << (8 * UInt64(b)) }
            if dtype == .bool && bits > 1 {
                throw TensorDataError.integerOutOfRange(value: Int64(bits), dtype: dtype)
            }
            if signed && size < 8 {
                let unused = UInt64(64 - 8 * size)
                result.append(Int64(bitPattern: bits << unused) >> Int64(unused))
            } else {
                guard signed || bits <= UInt64(Int64.max) else {
                    throw TensorDataError.unsignedOutOfRange(value: bits, dtype: dtype)
                }
                result.append(Int64(bitPattern: bits))
            }
        }
        return result
    }

    /// The product of `shape`, refusing negative dimensions and overflow.
    public static func elementCount(of shape: [Int]) throws -> Int {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { throw TensorDataError.negativeDimension(shape: shape) }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw TensorDataError.shapeOverflow(shape: shape) }
            count = product
        }
        return count
    }

    /// `elementCount(of: shape) × dtype.byteSize`, refusing overflow.
    public static func byteCount(dtype: DType, shape: [Int]) throws -> Int {
        let (bytes, overflow) = try elementCount(of: shape).multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else { throw TensorDataError.shapeOverflow(shape: shape) }
        return bytes
    }
}

/// Why a `TensorData` could not be built or converted.
public enum TensorDataError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
    case byteCountMismatch(dtype: DType, shape: [Int], expected: Int, actual: Int)
    case elementCountMismatch(shape: [Int], expected: Int, actual: Int)
    case negativeDimension(shape: [Int])
    case shapeOverflow(shape: [Int])
    case notFloatingPoint(DType)
    case notInteger(DType)
    case integerOutOfRange(value: Int64, dtype: DType)
    case unsignedOutOfRange(value: UInt64, dtype: DType)

    public var description: String {
        switch self {
        case let .byteCountMismatch(dtype, shape, expected, actual):
            return "a \(dtype) tensor of shape \(shape) needs \(expected) bytes, got \(actual)"
        case let .elementCountMismatch(shape, expected, actual):
            return "shape \(shape) holds \(expected) elements, got \(actual) values"
        case let .negativeDimension(shape):
            return "shape \(shape) has a negative dimension"
        case let .shapeOverflow(shape):
            return "shape \(shape) is too large (its element or byte count overflows)"
        case let .notFloatingPoint(dtype):
            return "dtype \(dtype) is not a floating-point type (expected F32, F16, BF16 or F64)"
        case let .notInteger(dtype):
            return "dtype \(dtype) is not an integer type (expected I8…I64, U8…U64 or BOOL)"
        case let .integerOutOfRange(value, dtype) where dtype == .bool:
            return "byte \(value) is not a BOOL value (BOOL bytes must be 0 or 1)"
        case let .integerOutOfRange(value, dtype):
            return "value \(value) does not fit dtype \(dtype)"
        case let .unsignedOutOfRange(value, dtype):
            return "value \(value) of dtype \(dtype) is 2⁶³ or more, which this tool cannot carry (at most \(Int64.max))"
        }
    }

    public var errorDescription: String? { description }
}
