/// Every error the EntropyCoding module throws: a clear message naming the problem and the fix.
///
/// Decoders never trap on bad input: a truncated, corrupted or crafted byte string ends in one of
/// these errors, whose `description` says what was wrong and where.
public enum EntropyCodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A parameter passed by the caller is outside its documented range.
    case invalidParameter(String)
    /// The input ended before a field or stream it announced.
    case truncated(String)
    /// The input is structurally wrong: bad magic, inconsistent counts, checksum mismatch…
    case corrupt(String)
    /// The input is well formed but decodes to more than a stated limit allows
    /// (``SBWFile/Limits``); raise the limit for a trusted file.
    case limitExceeded(String)

    /// The message without the kind prefix.
    public var message: String {
        switch self {
        case .invalidParameter(let m), .truncated(let m), .corrupt(let m), .limitExceeded(let m): return m
        }
    }

    /// The same error with `context` (e.g. a tensor name) put in front of its message.
    public func prefixed(_ context: String) -> EntropyCodingError {
        switch self {
        case .invalidParameter(let m): return .invalidParameter("\(context): \(m)")
        case .truncated(let m): return .truncated("\(context): \(m)")
        case .corrupt(let m): return .corrupt("\(context): \(m)")
        case .limitExceeded(let m): return .limitExceeded("\(context): \(m)")
        }
    }

    public var description: String {
        switch self {
        case .invalidParameter(let message): return "invalid parameter: \(message)"
        case .truncated(let message): return "truncated input: \(message)"
        case .corrupt(let message): return "corrupt input: \(message)"
        case .limitExceeded(let message): return "over a decoding limit: \(message)"
        }
    }
}

#if canImport(Foundation)
import Foundation

extension EntropyCodingError: LocalizedError {
    public var errorDescription: String? { description }
}
#endif
