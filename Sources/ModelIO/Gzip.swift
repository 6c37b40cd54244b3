import CZlib
import Foundation

/// gzip (RFC 1952) through the system zlib, bounded so hostile input cannot exhaust memory.
///
/// ```swift
/// let packed = try Gzip.compress(Array("hello".utf8))
/// let unpacked = try Gzip.decompress(packed, maximumSize: 1 << 20)   // "hello"
/// ```
public enum Gzip {
    /// Deflate cannot expand data by more than about 1032:1, so a gzip stream of `n` bytes
    /// never holds more than this many bytes; a header that claims more is lying.
    public static func maximumDecompressedSize(compressedSize n: Int) -> Int {
        let (bound, overflow) = n.multipliedReportingOverflow(by: 1032)
        return overflow ? Int.max : bound &+ 1024
    }

    /// True if `bytes` starts with the gzip magic number 1f 8b.
    public static func isGzip<Bytes: Collection>(_ bytes: Bytes) -> Bool where Bytes.Element == UInt8 {
        var iterator = bytes.makeIterator()
        return iterator.next() == 0x1F && iterator.next() == 0x8B
    }

    /// Decompresses a whole gzip stream (concatenated members allowed), refusing to
    /// produce more than `maximumSize` bytes.
    public static func decompress(_ bytes: [UInt8], maximumSize: Int) throws -> [UInt8] {
        try bytes.withUnsafeBytes { input in
            let inflater = try GzipInflater(input)
            var output = [UInt8]()
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let produced = try chunk.withUnsafeMutableBytes { try inflater.read(into: $0) }
                if produced == 0 { break }
                guard output.count + produced <= maximumSize else {
                    throw GzipError.tooLarge(limit: maximumSize)
                }
                output.append(contentsOf: chunk[0..<produced])
            }
            return output
        }
    }

    /// Compresses `bytes` into a single gzip member (zlib level 0…9, default 6).
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        // windowBits 15 + 16 asks zlib for a gzip wrapper instead of a zlib one.
        var status = deflateInit2_(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                   zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw GzipError.zlib(code: status, message: "deflateInit2 failed") }
        defer { deflateEnd(stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(bytes.count))) + 32)
        var input = bytes
        status = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.pointee.next_in = inBuffer.baseAddress
                stream.pointee.avail_in = uInt(inBuffer.count)
                stream.pointee.next_out = outBuffer.baseAddress
                stream.pointee.avail_out = uInt(outBuffer.count)
                return deflate(stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw GzipError.zlib(code: status, message: "deflate did not finish") }
        output.removeLast(Int(stream.pointee.avail_out))
        return output
    }
}

/// Why a gzip stream was refused.
public enum GzipError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
    case corrupt(String)
    case truncated
    case trailingData(Int)
    case tooLarge(limit: Int)
    case zlib(code: Int32, message: String)

    public var description: String {
        switch self {
        case .corrupt(let reason): return "gzip data is corrupt: \(reason)"
        case .truncated: return "gzip data ends before the end of the compressed stream (truncated file)"
        case .trailingData(let count): return "gzip data has \(count) bytes of non-gzip data after the stream"
        case .tooLarge(let limit): return "gzip data expands beyond the allowed \(limit) bytes"
        case let .zlib(code, message): return "zlib error \(code): \(message)"
        }
    }

    public var errorDescription: String? { description }
}

/// A streaming gzip decoder over an in-memory buffer: feeds zlib 64 KiB of input at a
/// time and writes straight into the caller's output buffer, so readers can inflate a
/// header first and size the payload buffer from it.
///
/// A class because zlib keeps a pointer back to its `z_stream`, which therefore must not
/// move; it lives in its own allocation for the inflater's lifetime.
final class GzipInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeRawBufferPointer
    private var consumed = 0
    private var finished = false
    private static let chunkSize = 1 << 16

    init(_ input: UnsafeRawBufferPointer) throws {
        guard Gzip.isGzip(input) else { throw GzipError.corrupt("missing gzip magic number 1f 8b") }
        self.input = input
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw GzipError.zlib(code: status, message: "inflateInit2 failed")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Fills `output` as far as the stream allows; returns the bytes written, which is
    /// less than `output.count` only at the end of the stream.
    func read(into output: UnsafeMutableRawBufferPointer) throws -> Int {
        var written = 0
        while written < output.count && !finished {
            if stream.pointee.avail_in == 0 {
                let take = min(GzipInflater.chunkSize, input.count - consumed)
                // zlib's API takes a mutable pointer but never writes through next_in.
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?
                    .advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
                stream.pointee.avail_in = uInt(take)
                consumed += take
            }
            let room = min(output.count - written, Int(UInt32.max))
            stream.pointee.next_out = output.baseAddress!.advanced(by: written).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(room)
            let status = inflate(stream, Z_NO_FLUSH)
            let produced = room - Int(stream.pointee.avail_out)
            written += produced
            switch status {
            case Z_OK:
                break
            case Z_STREAM_END:
                try finishMember()
            case Z_BUF_ERROR:
                // No progress possible: out of input (truncated) — output space is never zero here.
                if stream.pointee.avail_in == 0 && consumed == input.count { throw GzipError.truncated }
            case Z_DATA_ERROR:
                throw GzipError.corrupt(stream.pointee.msg.map { String(cString: $0) } ?? "invalid deflate data")
            case Z_MEM_ERROR:
                throw GzipError.zlib(code: status, message: "out of memory")
            default:
                throw GzipError.zlib(code: status, message: stream.pointee.msg.map { String(cString: $0) } ?? "inflate failed")
            }
            if status == Z_OK && produced == 0 && stream.pointee.avail_in == 0 && consumed == input.count {
                throw GzipError.truncated
            }
        }
        return written
    }

    /// At the end of a gzip member: stop, or reset for a following member.
    private func finishMember() throws {
        let remaining = Int(stream.pointee.avail_in) + (input.count - consumed)
        if remaining == 0 {
            finished = true
            return
        }
        let next = input.count - remaining
        let rest = UnsafeRawBufferPointer(rebasing: input[next...])
        guard Gzip.isGzip(rest) else {
            // Padding zeros after a member are tolerated, like gzip(1) does.
            if rest.allSatisfy({ $0 == 0 }) { finished = true; return }
            throw GzipError.trailingData(remaining)
        }
        let status = inflateReset(stream)
        guard status == Z_OK else { throw GzipError.zlib(code: status, message: "inflateReset failed") }
    }
}
