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

    public var description: String {
        switch self {
        case .invalidParameter(let message): return "invalid parameter: \(message)"
        case .truncated(let message): return "truncated input: \(message)"
        case .corrupt(let message): return "corrupt input: \(message)"
        }
    }
}

#if canImport(Foundation)
import Foundation

extension EntropyCodingError: LocalizedError {
    public var errorDescription: String? { description }
}
#endif
