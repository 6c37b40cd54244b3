import EntropyCoding
import Foundation

/// A user-facing failure of the codec commands: printed once as `Error: <message>`, exit code 1.
struct CodecCommandError: Error, CustomStringConvertible, LocalizedError {
    var description: String
    init(_ description: String) { self.description = description }
    var errorDescription: String? { description }
}

/// Symbol files of the codec commands: raw `.bin` (one byte per symbol) or `.npy` of integers.
enum SymbolFile {
    /// Reads symbols and their shape. `.bin` has shape `[n]`.
    static func read(path: String) throws -> (symbols: [UInt8], shape: [Int]) {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension.lowercased()
        guard ext == "bin" || ext == "npy" else {
            throw CodecCommandError("\(path): unsupported symbol file format '.\(ext)'; use .bin (one byte per symbol) or .npy (integers)")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw CodecCommandError("\(path): no such file; check the path")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CodecCommandError("\(path): cannot read the file; check its permissions")
        }
        let bytes = [UInt8](data)
        if ext == "bin" { return (bytes, [bytes.count]) }
        return try NpyIntegers.read(bytes, path: path)
    }

    /// Writes symbols atomically as `.bin` or as a `uint8` `.npy` of `shape`.
    static func write(_ symbols: [UInt8], shape: [Int], path: String) throws {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension.lowercased()
        let bytes: [UInt8]
        switch ext {
        case "bin": bytes = symbols
        case "npy": bytes = NpyIntegers.serialize(symbols, shape: shape)
        default:
            throw CodecCommandError("\(path): unsupported output format '.\(ext)'; use .bin or .npy")
        }
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw CodecCommandError("\(path): cannot write the file (\(error.localizedDescription)); check the directory exists and is writable")
        }
    }
}

/// A minimal reader/writer of NumPy `.npy` integer arrays (format versions 1–3, C order).
enum NpyIntegers {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    static func read(_ bytes: [UInt8], path: String) throws -> (symbols: [UInt8], shape: [Int]) {
        func fail(_ why: String) -> CodecCommandError {
            CodecCommandError("\(path): not a readable .npy integer array (\(why)); save it with numpy.save as an integer array")
        }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("missing the NUMPY magic") }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default: throw fail("format version \(major)")
        }
        guard headerLength <= bytes.count - headerStart else { throw fail("truncated header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = field("descr", in: header), let order = field("fortran_order", in: header),
              let shapeText = field("shape", in: header) else { throw fail("header lacks descr/fortran_order/shape") }
        let dtype = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        guard dtype.count >= 3, let kind = dtype.dropFirst().first, kind == "i" || kind == "u" || kind == "b",
              let width = Int(dtype.dropFirst(2)), [1, 2, 4, 8].contains(width) else {
            throw fail("dtype \(dtype) is not an integer type")
        }
        let bigEndian = dtype.first == ">"
        var shape: [Int] = []
        for part in shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() ")).split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let d = Int(t), d >= 0 else { throw fail("bad shape \(shapeText)") }
            shape.append(d)
        }
        let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        if order.trimmingCharacters(in: .whitespaces) == "True" && shape.count > 1 {
            throw fail("Fortran-ordered arrays are not supported")
        }
        let dataStart = headerStart + headerLength
        guard count <= (bytes.count - dataStart) / width, (bytes.count - dataStart) == count * width else {
            throw fail("data holds \(bytes.count - dataStart) bytes, shape \(shape) of \(width)-byte integers needs \(count.multipliedReportingOverflow(by: width).partialValue)")
        }
        var symbols = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            var v: UInt64 = 0
            for b in 0..<width {
                let byte = UInt64(bytes[dataStart + i * width + (bigEndian ? b : width - 1 - b)])
                v = v << 8 | byte
            }
            let negative = kind == "i" && (v >> UInt64(8 * width - 1)) & 1 == 1
            guard !negative, v <= 255 else {
                throw CodecCommandError("\(path): element \(i) is \(negative ? "negative" : "\(v)"); symbols must be integers in 0…255 (quantized level + K)")
            }
            symbols[i] = UInt8(v)
        }
        return (symbols, shape)
    }

    /// The value text of `key` in a NumPy header dictionary.
    static func field(_ key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        var rest = header[keyRange.upperBound...].drop { $0 == " " || $0 == ":" }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        rest = rest.prefix { $0 != "," && $0 != "}" }
        return String(rest)
    }

    static func serialize(_ symbols: [UInt8], shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '|u1', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = magic + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        out += Array(header.utf8)
        out += symbols
        return out
    }
}

/// Reads an `.sbw` file with a user-facing error on failure.
func readSBW(path: String) throws -> SBWFile {
    guard URL(fileURLWithPath: path).pathExtension.lowercased() == "sbw" else {
        throw CodecCommandError("\(path): expected an .sbw file (made by `subbit encode`)")
    }
    guard FileManager.default.fileExists(atPath: path) else {
        throw CodecCommandError("\(path): no such file; check the path")
    }
    do {
        return try SBWFile(contentsOf: URL(fileURLWithPath: path))
    } catch let error as EntropyCodingError {
        throw CodecCommandError("\(path): \(error.description)")
    }
}
