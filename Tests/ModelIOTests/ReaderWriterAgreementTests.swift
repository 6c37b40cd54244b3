import XCTest
@testable import ModelIO

/// Issue 25, defects 6, 7 and 9 at the ModelIO level: values the writers would not read back are
/// refused with the right message, the `.npy` header is parsed as NumPy parses it, and names
/// are escaped in messages.
final class ReaderWriterAgreementTests: XCTestCase {
    func testBoolBytesOtherThanZeroOrOneAreRefused() throws {
        let tensor = try TensorData(dtype: .bool, shape: [3], bytes: [0, 1, 2])
        XCTAssertThrowsError(try tensor.integers()) { error in
            XCTAssertEqual(error as? TensorDataError, .integerOutOfRange(value: 2, dtype: .bool))
            XCTAssertTrue("\(error)".contains("0 or 1"), "\(error)")
        }
        XCTAssertEqual(try TensorData(dtype: .bool, shape: [2], bytes: [0, 1]).integers(), [0, 1])
    }

    func testU64AboveInt64MaxNamesItsValue() throws {
        let value: UInt64 = 1 << 63 | 5
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
        XCTAssertThrowsError(try TensorData(dtype: .u64, shape: [1], bytes: bytes).integers()) { error in
            XCTAssertEqual(error as? TensorDataError, .unsignedOutOfRange(value: value, dtype: .u64))
            XCTAssertTrue("\(error)".contains("9223372036854775813"), "\(error)")
        }
    }

    func testATensorNamedMetadataIsNeverWritten() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = SafeTensorsFile(tensors: ["__metadata__": try TensorData(floats: [1], shape: [1])], metadata: ["format": "pt"])
        let url = folder.appendingPathComponent("out.safetensors")
        XCTAssertThrowsError(try file.write(to: url)) { error in
            XCTAssertTrue("\(error)".contains("reserved"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    func testSafeTensorsMessagesEscapeNames() throws {
        let header = Array("{\"a\\nb\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}".utf8)
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) } + header + [0, 0, 0, 0]
        XCTAssertThrowsError(try SafeTensorsFile(bytes: bytes)) { error in
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), text)
            XCTAssertTrue(text.contains("\"a\\nb\""), text)
        }
        XCTAssertEqual(DisplayName.escaped("x\ny\u{0}"), "x\\ny\\u0000")
    }

    /// The header attacks of defect 7, all of which NumPy rejects.
    func testNPYHeadersNumPyRejectsAreRejected() {
        func npy(_ dict: String, data: [UInt8]) -> [UInt8] {
            var text = dict
            text += String(repeating: " ", count: (64 - (10 + text.utf8.count + 1) % 64) % 64) + "\n"
            let n = text.utf8.count
            return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(text.utf8) + data
        }
        let twenty = [UInt8](repeating: 1, count: 20)
        for dict in ["{'note': \"'descr': '|u1', 'shape': (20,)\", 'descr': '<u2', 'fortran_order': False, 'shape': (10,), }",
                     "{'descr': '<b8', 'fortran_order': False, 'shape': (20,), }",
                     "{'descr': '|u1', 'fortran_order': Maybe, 'shape': (20,), }",
                     "{'descr': '|u1', 'fortran_order': False, 'shape': (20,), 'extra': 1}",
                     "{'descr': '|u1', 'shape': (20,), }"] {
            XCTAssertThrowsError(try NPY.decode(npy(dict, data: twenty)), dict)
        }
        XCTAssertEqual(try NPY.decode(npy("{'descr': '<u2', 'fortran_order': False, 'shape': (10,), }", data: twenty)).shape, [10])
    }
}
