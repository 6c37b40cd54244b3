import EntropyCoding
import Foundation
import ModelIO

/// Symbol files of the codec commands: raw `.bin` (one byte per symbol) or `.npy` of integers.
enum SymbolFile {
    /// Reads symbols and their shape. `.bin` has shape `[n]`.
    static func read(path: String) throws -> (symbols: [UInt8], shape: [Int]) {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension.lowercased()
        guard ext == "bin" || ext == "npy" else {
            throw CommandFailure("\(path): unsupported symbol file format '.\(ext)'; use .bin (one byte per symbol) or .npy (integers)")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure("\(path): no such file; check the path")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("\(path): cannot read the file; check its permissions")
        }
        let bytes = [UInt8](data)
        if ext == "bin" { return (bytes, [bytes.count]) }
        return try NpyIntegers.read(bytes, path: path)
    }

    /// Writes symbols atomically as `.bin` or as a `uint8` `.npy` of `shape`, streaming (the
    /// header, then the symbols; no second copy in memory). A write failure (full disk, missing
    /// folder) names the path; the previous file is left as it was.
    static func write(_ symbols: [UInt8], shape: [Int], path: String) throws {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension.lowercased()
        let header: [UInt8]
        switch ext {
        case "bin": header = []
        case "npy": header = NpyIntegers.header(shape: shape)
        default:
            throw CommandFailure("\(path): unsupported output format '.\(ext)'; use .bin or .npy")
        }
        do {
            try AtomicFile.write(to: url) { sink in
                try sink.write(header)
                try sink.write(symbols)
            }
        } catch let error as FileAccessError {
            throw CommandFailure("\(error.description); check the directory exists, is writable and has room")
        }
    }
}

/// NumPy `.npy` integer arrays of symbols: read through ``NPY`` (format versions 1–3, C order), written as `|u1`.
enum NpyIntegers {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// Reads an integer `.npy` with NumPy's own header rules (``NPY``: a Python-literal dict with
    /// exactly the keys 'descr', 'fortran_order' and 'shape', strict values), so a header NumPy
    /// rejects is rejected here too.
    /// - Complexity: O(file size).
    static func read(_ bytes: [UInt8], path: String) throws -> (symbols: [UInt8], shape: [Int]) {
        let tensor: TensorData
        do {
            tensor = try NPY.decode(bytes)
        } catch let error as NPYError {
            throw CommandFailure("\(path): not a readable .npy integer array (\(NPYError(error.kind).description.replacingOccurrences(of: "NPY data ", with: ""))); save it with numpy.save as an integer array")
        }
        guard !tensor.dtype.isFloatingPoint else {
            throw CommandFailure("\(path): the array has dtype \(tensor.dtype.rawValue), not an integer type; save the symbols as integers (e.g. np.uint8)")
        }
        let values: [Int64]
        do {
            values = try tensor.integers()
        } catch {
            throw CommandFailure("\(path): \(error.localizedDescription); symbols must be integers in 0…255 (quantized level + K)")
        }
        var symbols = [UInt8](repeating: 0, count: values.count)
        for (i, v) in values.enumerated() {
            guard (0...255).contains(v) else {
                throw CommandFailure("\(path): element \(i) is \(v); symbols must be integers in 0…255 (quantized level + K)")
            }
            symbols[i] = UInt8(v)
        }
        return (symbols, tensor.shape)
    }

    /// The `.npy` header of a `|u1` array of `shape` (the symbols follow it).
    static func header(shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '|u1', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        return magic + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)] + Array(header.utf8)
    }
}

/// Reads an `.sbw` file with a user-facing error on failure.
func readSBW(path: String, limits: SBWFile.Limits = .standard) throws -> SBWFile {
    guard URL(fileURLWithPath: path).pathExtension.lowercased() == "sbw" else {
        throw CommandFailure("\(path): expected an .sbw file (made by `subbit encode`)")
    }
    guard FileManager.default.fileExists(atPath: path) else {
        throw CommandFailure("\(path): no such file; check the path")
    }
    do {
        return try SBWFile(contentsOf: URL(fileURLWithPath: path), limits: limits)
    } catch let error as EntropyCodingError {
        throw CommandFailure("\(path): \(error.description)")
    }
}
