import Crypto

/// SHA-256 as lower-case hex, for content-addressed cache keys and fingerprints that must be
/// stable across runs, machines and Swift versions (`Hasher` is randomly seeded per process, so
/// it cannot serve). The digest is swift-crypto's.
///
/// ```swift
/// SHA256.hex(of: Array("abc".utf8))
/// // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// ```
public enum SHA256 {
    /// The digest of `bytes` as 64 lower-case hex digits.
    /// - Complexity: O(n).
    static func hex(of bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in Crypto.SHA256.hash(data: bytes) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
