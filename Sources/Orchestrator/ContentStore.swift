import Foundation
import ModelIO

/// A content-addressed cache on disk: each entry is a file named by the hex key that addresses it,
/// written atomically, so an interrupted sweep leaves only complete entries and a rerun resumes
/// from them.
///
/// Entries carry a SHA-256 of their payload; an entry that does not verify (a disk error, a hand
/// edit) is treated as absent and recomputed rather than trusted.
///
/// ```swift
/// let store = ContentStore(root: cacheRoot.appendingPathComponent("points"))
/// try store.put(Array(json.utf8), for: key.hex)
/// let bytes = store.get(key.hex)
/// ```
public struct ContentStore: Sendable {
    public let root: URL
    private static let magic = Array("SBCACHE1".utf8)

    public init(root: URL) { self.root = root }

    /// The file that holds the entry for `key` (sharded by the key's first two characters).
    public func url(for key: String) -> URL {
        root.appendingPathComponent(String(key.prefix(2))).appendingPathComponent(key)
    }

    /// The payload stored for `key`, or nil if absent or corrupt.
    public func get(_ key: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: url(for: key).path) else { return nil }
        let bytes = [UInt8](data)
        let headerCount = Self.magic.count + 64 + 1
        guard bytes.count >= headerCount, Array(bytes[0..<Self.magic.count]) == Self.magic,
              bytes[headerCount - 1] == UInt8(ascii: "\n") else { return nil }
        let digest = String(decoding: bytes[Self.magic.count..<(Self.magic.count + 64)], as: UTF8.self)
        let payload = Array(bytes[headerCount...])
        return SHA256.hex(of: payload) == digest ? payload : nil
    }

    /// Stores `payload` under `key`, atomically.
    func put(_ payload: [UInt8], for key: String) throws {
        let header = Self.magic + Array(SHA256.hex(of: payload).utf8) + [UInt8(ascii: "\n")]
        let file = url(for: key)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(header + payload, to: file)
    }

    /// When the entry for `key` was last stored, if present.
    func modificationDate(_ key: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: url(for: key).path))?[.modificationDate] as? Date
    }

    /// Removes the entry for `key` if present.
    func remove(_ key: String) {
        try? FileManager.default.removeItem(at: url(for: key))
    }
}
