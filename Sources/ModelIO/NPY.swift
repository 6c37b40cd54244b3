import Foundation

/// NumPy's `.npy` format, versions 1.0, 2.0 and 3.0, numeric dtypes, C order.
///
/// Layout: `\x93NUMPY`, major and minor version bytes, the header length (UInt16 for
/// version 1, UInt32 for 2 and 3, little-endian), a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces and a
/// newline, then the data. Big-endian arrays are converted; the result is little-endian.
///
/// ```swift
/// let tensor = try TensorData(floats: [1, 2, 3, 4], shape: [2, 2])
/// let bytes = try NPY.encode(tensor)
/// try NPY.decode(bytes) == tensor   // true
/// ```
public enum NPY {
    /// Headers longer than this are refused (NumPy's own default limit is 10,000).
    public static let maximumHeaderSize = 1 << 20

    /// Reads a `.npy` file.
    public static func read(contentsOf url: URL) throws -> TensorData {
        let data = try AtomicFile.read(url)
        do {
            return try data.withUnsafeBytes { try decode($0) }
        } catch let error as NPYError {
            throw NPYError(error.kind, file: url.path)
        }
    }

    /// Decodes `.npy` bytes.
    public static func decode(_ bytes: [UInt8]) throws -> TensorData {
        try bytes.withUnsafeBytes { try decode($0) }
    }

    /// Encodes a tensor as `.npy` (version 1.0, or 2.0 if the header needs it). BF16 has
    /// no NumPy dtype and is refused.
    public static func encode(_ tensor: TensorData) throws -> [UInt8] {
        guard let descr = descr(for: tensor.dtype) else { throw NPYError(.unsupportedDType(tensor.dtype.rawValue)) }
        let shapeText: String
        switch tensor.shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(tensor.shape[0]),)"
        default: shapeText = "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }".utf8)
        // Pad with spaces so the data starts on a 64-byte boundary; the header ends in '\n'.
        var version: UInt8 = 1
        var prefix = 10
        if header.count + 1 + prefix > 65535 { version = 2; prefix = 12 }
        let padding = (64 - (prefix + header.count + 1) % 64) % 64
        header += repeatElement(UInt8(ascii: " "), count: padding)
        header.append(UInt8(ascii: "\n"))
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        let length = header.count
        out += [UInt8(truncatingIfNeeded: length), UInt8(truncatingIfNeeded: length >> 8)]
        if version == 2 { out += [UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 24)] }
        return out + header + tensor.bytes
    }

    /// Writes a tensor as a `.npy` file atomically.
    public static func write(_ tensor: TensorData, to url: URL) throws {
        try AtomicFile.write(try encode(tensor), to: url)
    }

    // MARK: - Decoding

    static func decode(_ raw: UnsafeRawBufferPointer) throws -> TensorData {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard raw.count >= 8 else { throw NPYError(.truncated(expected: 10, actual: raw.count)) }
        guard Array(raw[0..<6]) == magic else { throw NPYError(.badMagic) }
        let (major, minor) = (raw[6], raw[7])
        guard (1...3).contains(major), minor == 0 else { throw NPYError(.unsupportedVersion(major: major, minor: minor)) }
        let prefix = major == 1 ? 10 : 12
        guard raw.count >= prefix else { throw NPYError(.truncated(expected: prefix, actual: raw.count)) }
        var headerLength = 0
        for i in (8..<prefix).reversed() { headerLength = headerLength << 8 | Int(raw[i]) }
        guard headerLength <= maximumHeaderSize else {
            throw NPYError(.headerTooLarge(declared: headerLength, limit: maximumHeaderSize))
        }
        guard raw.count - prefix >= headerLength else {
            throw NPYError(.truncated(expected: prefix + headerLength, actual: raw.count))
        }
        let headerBytes = Array(raw[prefix..<(prefix + headerLength)])
        // Versions 1 and 2 use latin-1 headers, version 3 UTF-8; the keys and values we
        // accept are ASCII either way, so anything else fails the dict parser below.
        let header = try HeaderParser.parse(headerBytes)

        guard let dtype = dtype(forDescr: header.descr) else { throw NPYError(.unsupportedDType(header.descr)) }
        if header.fortranOrder && header.shape.count > 1 { throw NPYError(.fortranOrder(shape: header.shape)) }
        let payload: Int
        do {
            payload = try TensorData.byteCount(dtype: dtype, shape: header.shape)
        } catch {
            throw NPYError(.invalidHeader("shape \(header.shape) is too large"))
        }
        let available = raw.count - prefix - headerLength
        guard payload == available else {
            throw NPYError(.sizeMismatch(shape: header.shape, descr: header.descr, expected: payload, actual: available))
        }
        var bytes = [UInt8](UnsafeRawBufferPointer(rebasing: raw[(prefix + headerLength)...]))
        let size = dtype.byteSize
        if header.descr.first == ">" && size > 1 {
            bytes.withUnsafeMutableBufferPointer { buffer in
                for i in stride(from: 0, to: buffer.count, by: size) {
                    var (a, b) = (i, i + size - 1)
                    while a < b { buffer.swapAt(a, b); a += 1; b -= 1 }
                }
            }
        }
        return TensorData(unchecked: dtype, shape: header.shape, bytes: bytes)
    }

    private static let typeCodes: [(code: String, dtype: DType)] = [
        ("f8", .f64), ("f4", .f32), ("f2", .f16),
        ("i8", .i64), ("i4", .i32), ("i2", .i16), ("i1", .i8),
        ("u8", .u64), ("u4", .u32), ("u2", .u16), ("u1", .u8), ("b1", .bool),
    ]

    static func dtype(forDescr descr: String) -> DType? {
        guard descr.count == 3, let order = descr.first, "<>|=".contains(order) else { return nil }
        guard let dtype = typeCodes.first(where: { $0.code == String(descr.dropFirst()) })?.dtype else { return nil }
        // '|' means "byte order not applicable": valid only for one-byte types. '=' (native)
        // is read as little-endian, the byte order of every platform SubBit runs on.
        if order == "|" && dtype.byteSize != 1 { return nil }
        return dtype
    }

    static func descr(for dtype: DType) -> String? {
        guard let code = typeCodes.first(where: { $0.dtype == dtype })?.code else { return nil }
        return (dtype.byteSize == 1 ? "|" : "<") + code
    }

    struct Header: Equatable {
        var descr: String
        var fortranOrder: Bool
        var shape: [Int]
    }

    /// Parses the restricted Python literal NumPy writes: a dict with the keys 'descr'
    /// (a string), 'fortran_order' (True/False) and 'shape' (a tuple of integers).
    struct HeaderParser {
        private let text: [UInt8]
        private var position = 0

        static func parse(_ bytes: [UInt8]) throws -> Header {
            var parser = HeaderParser(text: bytes)
            return try parser.parseDict()
        }

        private init(text: [UInt8]) { self.text = text }

        private func fail(_ reason: String) -> NPYError {
            NPYError(.invalidHeader("\(reason) at header byte \(position)"))
        }

        private var current: UInt8? { position < text.count ? text[position] : nil }

        private mutating func skipSpace() {
            while let c = current, c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D { position += 1 }
        }

        private mutating func expect(_ c: Character) throws {
            skipSpace()
            guard current == c.asciiValue else { throw fail("expected '\(c)'") }
            position += 1
        }

        private mutating func parseString() throws -> String {
            skipSpace()
            guard let quote = current, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
                throw fail("expected a quoted string")
            }
            position += 1
            let start = position
            while let c = current, c != quote {
                guard c >= 0x20, c < 0x7F, c != UInt8(ascii: "\\") else { throw fail("unsupported character in string") }
                position += 1
            }
            guard current == quote else { throw fail("unterminated string") }
            let value = String(decoding: text[start..<position], as: UTF8.self)
            position += 1
            return value
        }

        private mutating func parseWord() -> String {
            skipSpace()
            let start = position
            while let c = current, (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) {
                position += 1
            }
            return String(decoding: text[start..<position], as: UTF8.self)
        }

        private mutating func parseInteger() throws -> Int {
            skipSpace()
            let start = position
            while let c = current, c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") { position += 1 }
            guard position > start, position - start <= 18,
                  let value = Int(String(decoding: text[start..<position], as: UTF8.self)) else {
                throw fail("expected a non-negative dimension of at most 18 digits")
            }
            if current == UInt8(ascii: "L") { position += 1 }  // Python 2 long suffix
            return value
        }

        private mutating func parseShape() throws -> [Int] {
            try expect("(")
            var shape = [Int]()
            skipSpace()
            while current != UInt8(ascii: ")") {
                shape.append(try parseInteger())
                guard shape.count <= 64 else { throw fail("more than 64 dimensions") }
                skipSpace()
                if current == UInt8(ascii: ",") {
                    position += 1
                    skipSpace()
                } else if current != UInt8(ascii: ")") {
                    throw fail("expected ',' or ')' in shape")
                }
            }
            position += 1
            return shape
        }

        mutating func parseDict() throws -> Header {
            try expect("{")
            var descr: String?, fortran: Bool?, shape: [Int]?
            skipSpace()
            while current != UInt8(ascii: "}") {
                let key = try parseString()
                try expect(":")
                switch key {
                case "descr":
                    guard descr == nil else { throw fail("duplicate key 'descr'") }
                    skipSpace()
                    if current == UInt8(ascii: "[") { throw NPYError(.unsupportedDType("structured dtype")) }
                    descr = try parseString()
                case "fortran_order":
                    guard fortran == nil else { throw fail("duplicate key 'fortran_order'") }
                    switch parseWord() {
                    case "True": fortran = true
                    case "False": fortran = false
                    default: throw fail("fortran_order must be True or False")
                    }
                case "shape":
                    guard shape == nil else { throw fail("duplicate key 'shape'") }
                    shape = try parseShape()
                default:
                    throw fail("unexpected key '\(key)'")
                }
                skipSpace()
                if current == UInt8(ascii: ",") {
                    position += 1
                    skipSpace()
                } else if current != UInt8(ascii: "}") {
                    throw fail("expected ',' or '}'")
                }
                guard current != nil else { throw fail("unterminated dict") }
            }
            position += 1
            skipSpace()
            guard position == text.count else { throw fail("unexpected text after the dict") }
            guard let descr, let fortran, let shape else {
                throw fail("missing key (need 'descr', 'fortran_order' and 'shape')")
            }
            return Header(descr: descr, fortranOrder: fortran, shape: shape)
        }
    }
}

/// Why a `.npy` file was refused. `kind` says what is wrong; `file` is the path when known.
public struct NPYError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case truncated(expected: Int, actual: Int)
        case badMagic
        case unsupportedVersion(major: UInt8, minor: UInt8)
        case headerTooLarge(declared: Int, limit: Int)
        case invalidHeader(String)
        case unsupportedDType(String)
        case fortranOrder(shape: [Int])
        case sizeMismatch(shape: [Int], descr: String, expected: Int, actual: Int)
    }

    public var kind: Kind
    public var file: String?

    public init(_ kind: Kind, file: String? = nil) {
        self.kind = kind
        self.file = file
    }

    public var description: String {
        let subject = file.map { "NPY file \($0)" } ?? "NPY data"
        let problem: String
        switch kind {
        case let .truncated(expected, actual):
            problem = "is truncated: \(actual) bytes, its header needs at least \(expected)"
        case .badMagic:
            problem = "does not start with the NPY magic \\x93NUMPY (not a .npy file; .npz archives are not supported)"
        case let .unsupportedVersion(major, minor):
            problem = "has format version \(major).\(minor); supported are 1.0, 2.0 and 3.0"
        case let .headerTooLarge(declared, limit):
            problem = "declares a \(declared)-byte header, over the \(limit)-byte limit"
        case let .invalidHeader(reason):
            problem = "has an invalid header: \(reason)"
        case let .unsupportedDType(descr):
            problem = "has dtype '\(descr)'; supported are f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1 (any byte order)"
        case let .fortranOrder(shape):
            problem = "stores its \(shape) array in Fortran order; save it in C order (np.ascontiguousarray) and retry"
        case let .sizeMismatch(shape, descr, expected, actual):
            problem = "has \(actual) data bytes but shape \(shape) of '\(descr)' needs \(expected)"
        }
        return "\(subject) \(problem)"
    }

    public var errorDescription: String? { description }
}
