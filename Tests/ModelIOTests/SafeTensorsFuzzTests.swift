import TestSupport
import XCTest
@testable import ModelIO

/// Seeded mutations of valid files: every result must be a valid file or a SafeTensorsError.
final class SafeTensorsFuzzTests: XCTestCase {
    func testTenThousandCorruptedFilesNeverCrash() throws {
        var rng = SplitMix64(seed: 0x5AFE_7E45)
        var accepted = 0, refused = 0
        var kindsSeen = Set<String>()
        for iteration in 0..<12_000 {
            let original = makeValidFile(using: &rng)
            var bytes = original.serialized()
            mutate(&bytes, using: &rng)
            do {
                let parsed = try SafeTensorsFile(bytes: bytes)
                // Anything accepted must be self-consistent and re-serializable.
                var total = 0
                for (_, tensor) in parsed.tensors {
                    XCTAssertEqual(tensor.bytes.count, try TensorData.byteCount(dtype: tensor.dtype, shape: tensor.shape))
                    total += tensor.bytes.count
                }
                XCTAssertLessThanOrEqual(total, bytes.count)
                XCTAssertEqual(try SafeTensorsFile(bytes: parsed.serialized()), parsed, "iteration \(iteration)")
                accepted += 1
            } catch let error as SafeTensorsError {
                kindsSeen.insert(String("\(error.kind)".prefix(while: { $0 != "(" })))
                refused += 1
            } catch {
                XCTFail("iteration \(iteration): unexpected error \(error)")
            }
        }
        XCTAssertEqual(accepted + refused, 12_000)
        // The mutations must actually reach the validation paths, not just one of them.
        XCTAssertGreaterThan(refused, 6_000)
        XCTAssertGreaterThanOrEqual(kindsSeen.count, 15, "\(kindsSeen.sorted())")
    }

    private func makeValidFile(using rng: inout SplitMix64) -> SafeTensorsFile {
        var file = SafeTensorsFile()
        if rng.next() % 2 == 0 { file.metadata = ["format": "pt", "k\(rng.next() % 10)": "v"] }
        for i in 0..<Int(rng.next() % 4 + 1) {
            let dtype = DType.allCases[Int(rng.next() % UInt64(DType.allCases.count))]
            let shape = (0..<Int(rng.next() % 3)).map { _ in Int(rng.next() % 4) }
            file.tensors["layer.\(i).w"] = randomTensor(dtype: dtype, shape: shape, using: &rng)
        }
        return file
    }

    /// Swaps one integer of the header for a neighbour, another integer of the same header, or
    /// an edge value, and rewrites the header-length field: this reaches the offset-tiling and
    /// shape checks (gaps, overlaps, negative or overflowing shapes) behind the JSON parser.
    private func replaceNumber(in bytes: inout [UInt8], headerLength: Int, using rng: inout SplitMix64) {
        let header = Array(bytes[8..<(8 + headerLength)])
        var numbers: [Range<Int>] = []
        var i = 0
        while i < header.count {
            if (0x30...0x39).contains(header[i]) {
                let start = i > 0 && header[i - 1] == UInt8(ascii: "-") ? i - 1 : i
                while i < header.count && (0x30...0x39).contains(header[i]) { i += 1 }
                numbers.append(start..<i)
            } else {
                i += 1
            }
        }
        guard let target = numbers.randomElement(using: &rng) else { return }
        let current = Int(String(decoding: header[target], as: UTF8.self)) ?? 0
        let other = numbers.randomElement(using: &rng).flatMap { Int(String(decoding: header[$0], as: UTF8.self)) } ?? 0
        let choices = [current &+ 1, current &- 1, other, other &+ 2, -1, 0, 4_294_967_296, Int.max, current &* 2]
        let replacement = Array(String(choices[Int(rng.next() % UInt64(choices.count))]).utf8)
        var newHeader = header
        newHeader.replaceSubrange(target, with: replacement)
        let length = UInt64(newHeader.count)
        bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + newHeader + bytes[(8 + headerLength)...]
    }

    /// Adds the same small amount to both data_offsets of one tensor.
    private func shiftOffsets(in bytes: inout [UInt8], headerLength: Int, using rng: inout SplitMix64) {
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        let parts = header.components(separatedBy: "\"data_offsets\":[")
        guard parts.count > 1 else { return }
        let which = 1 + Int(rng.next() % UInt64(parts.count - 1))
        let numbers = parts[which].prefix(while: { $0 != "]" }).split(separator: ",").compactMap { Int($0) }
        guard numbers.count == 2 else { return }
        let delta = [-4, -2, -1, 1, 2, 4][Int(rng.next() % 6)]
        var rebuilt = parts
        rebuilt[which] = "\(numbers[0] &+ delta),\(numbers[1] &+ delta)" + parts[which].drop(while: { $0 != "]" })
        let newHeader = Array(rebuilt.joined(separator: "\"data_offsets\":[").utf8)
        let length = UInt64(newHeader.count)
        bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + newHeader + bytes[(8 + headerLength)...]
    }

    private func mutate(_ bytes: inout [UInt8], using rng: inout SplitMix64) {
        let declaredHeaderLength = Int(bytes[0]) | Int(bytes[1]) << 8
        let edits = Int(rng.next() % 3) + 1
        for _ in 0..<edits {
            // Earlier edits may have truncated the file: header edits stay inside what is left.
            let headerLength = max(0, min(declaredHeaderLength, bytes.count - 8))
            switch rng.next() % 10 {
            case 0:  // flip a random bit anywhere
                let i = Int(rng.next() % UInt64(bytes.count))
                bytes[i] ^= 1 << UInt8(rng.next() % 8)
            case 1:  // truncate
                bytes.removeLast(Int(rng.next() % UInt64(bytes.count)))
            case 2:  // overwrite a header byte with a JSON-significant character
                guard headerLength > 0, bytes.count > 8 else { continue }
                let i = 8 + Int(rng.next() % UInt64(headerLength))
                let alphabet = Array("{}[]\":,-0123456789e.".utf8)
                bytes[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
            case 3:  // bump a digit in the header (shapes and offsets)
                let digits = (8..<8 + headerLength).filter { (0x30...0x39).contains(bytes[$0]) }
                guard let i = digits.randomElement(using: &rng) else { continue }
                bytes[i] = 0x30 + UInt8(rng.next() % 10)
            case 4:  // change the header length field
                bytes[Int(rng.next() % 8) % max(1, min(8, bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            case 5:  // append or insert junk
                let junk = (0..<Int(rng.next() % 16)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                bytes.insert(contentsOf: junk, at: Int(rng.next() % UInt64(bytes.count + 1)))
            case 6:  // replace a dtype name
                guard headerLength > 0 else { continue }
                let range = 8..<8 + headerLength
                let header = String(decoding: bytes[range], as: UTF8.self)
                guard header.utf8.count == range.count else { continue }
                let names = ["F32", "F16", "BF16", "I64", "U8", "BOOL", "X9", "F64"]
                let replaced = header.replacingOccurrences(
                    of: names.randomElement(using: &rng)!, with: names.randomElement(using: &rng)!)
                if replaced.utf8.count == header.utf8.count {
                    bytes.replaceSubrange(8..<(8 + header.utf8.count), with: Array(replaced.utf8))
                }
            case 8:  // replace a number in the header (shape or offset), keeping the length field right
                guard headerLength > 0 else { continue }
                replaceNumber(in: &bytes, headerLength: headerLength, using: &rng)
            case 9:  // move one tensor's data, keeping its size: gaps and overlaps
                guard headerLength > 0 else { continue }
                shiftOffsets(in: &bytes, headerLength: headerLength, using: &rng)
            default:  // delete a byte range inside the header
                guard headerLength > 2, bytes.count > 10 else { continue }
                let start = 8 + Int(rng.next() % UInt64(headerLength))
                let end = min(bytes.count, start + Int(rng.next() % 6) + 1)
                bytes.removeSubrange(start..<end)
            }
            if bytes.isEmpty { return }
        }
    }
}
