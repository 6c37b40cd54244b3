import Foundation
import TestSupport
import XCTest
@testable import ModelIO

final class NPYTests: XCTestCase {
    /// Files written by NumPy 2.4 (`np.save`, or `format.write_array` for versions 2 and 3).
    static let numpyFiles: [String: String] = [
        "f4_2x3_v1": "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIC/AAAAvwAAAAAAAAA/AACAPwAAwD8=",
        "f8_be_3": "k05VTVBZAQB2AHsnZGVzY3InOiAnPmY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/+AAAAAAAAMACAAAAAAAAfjfkPIgAdZw=",
        "i8_scalar": "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIArW/////////w==",
        "u1_2x2": "k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoA/weA",
        "f2_4": "k05VTVBZAQB2AHsnZGVzY3InOiAnPGYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAPAC4/3sAAA==",
        "b1_3": "k05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAE=",
        "i2_be_v2": "k05VTVBZAgB0AAAAeydkZXNjcic6ICc+aTInLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAf/+ASz+cA==",
        "u4_v3": "k05VTVBZAwB0AAAAeydkZXNjcic6ICc8dTQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAAAChr7g==",
        "fortran_2x2": "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAQAAAgD8AAEBA",
        "complex": "k05VTVBZAQB2AHsnZGVzY3InOiAnPGM4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AAAAQA==",
    ]

    private func numpy(_ name: String) -> [UInt8] { Array(Data(base64Encoded: Self.numpyFiles[name]!)!) }

    func testReadsNumPyFiles() throws {
        let f4 = try NPY.decode(numpy("f4_2x3_v1"))
        XCTAssertEqual(f4.dtype, .f32)
        XCTAssertEqual(f4.shape, [2, 3])
        XCTAssertEqual(try f4.floats(), [-1, -0.5, 0, 0.5, 1, 1.5])

        let f8 = try NPY.decode(numpy("f8_be_3"))
        XCTAssertEqual(f8.dtype, .f64)
        XCTAssertEqual(f8.shape, [3])
        XCTAssertEqual(try f8.floats(), [1.5, -2.25, .infinity])  // 1e300 rounds to Float infinity
        XCTAssertEqual(f8.bytes[0..<8].reversed(), [0x3F, 0xF8, 0, 0, 0, 0, 0, 0])  // now little-endian

        let scalar = try NPY.decode(numpy("i8_scalar"))
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(try scalar.integers(), [-42])

        XCTAssertEqual(try NPY.decode(numpy("u1_2x2")).integers(), [0, 255, 7, 128])
        XCTAssertEqual(try NPY.decode(numpy("f2_4")).floats(), [1, -0.5, 65504, 0])
        XCTAssertEqual(try NPY.decode(numpy("b1_3")), try TensorData(integers: [1, 0, 1], shape: [3], dtype: .bool))

        let i2 = try NPY.decode(numpy("i2_be_v2"))
        XCTAssertEqual(i2.shape, [2, 2])
        XCTAssertEqual(try i2.integers(), [1, -2, 300, -400])
        XCTAssertEqual(try NPY.decode(numpy("u4_v3")).integers(), [1, 4_000_000_000])
    }

    func testWriterMatchesNumPyByteForByte() throws {
        for name in ["f4_2x3_v1", "i8_scalar", "u1_2x2", "f2_4", "b1_3"] {
            XCTAssertEqual(try NPY.encode(NPY.decode(numpy(name))), numpy(name), name)
        }
    }

    func testRoundTripEveryDType() throws {
        var rng = SplitMix64(seed: 3)
        let folder = try temporaryFolder()
        for dtype in DType.allCases where dtype != .bf16 {
            for shape in [[], [0], [5], [2, 3], [1, 2, 3, 2]] {
                let tensor = randomTensor(dtype: dtype, shape: shape, using: &rng)
                let bytes = try NPY.encode(tensor)
                XCTAssertEqual((bytes.count - tensor.bytes.count) % 64, 0, "data starts 64-byte aligned")
                XCTAssertEqual(try NPY.decode(bytes), tensor)
                let url = folder.appendingPathComponent("\(dtype)-\(shape.count).npy")
                try NPY.write(tensor, to: url)
                XCTAssertEqual(try NPY.read(contentsOf: url), tensor)
            }
        }
        XCTAssertThrowsError(try NPY.encode(TensorData(floats: [1], shape: [1], dtype: .bf16))) {
            XCTAssertEqual(($0 as? NPYError)?.kind, .unsupportedDType("BF16"))
        }
    }

    func testLongHeaderUsesVersion2() throws {
        let tensor = try TensorData(dtype: .u8, shape: Array(repeating: 1, count: 64), bytes: [9])
        XCTAssertEqual(try NPY.decode(NPY.encode(tensor)), tensor)
    }

    // MARK: - Hostile files

    private func assertNPYError(_ bytes: [UInt8], line: UInt = #line, _ matches: (NPYError.Kind) -> Bool) {
        XCTAssertThrowsError(try NPY.decode(bytes), line: line) { error in
            guard let error = error as? NPYError else { return XCTFail("wrong error type \(error)", line: line) }
            XCTAssertTrue(matches(error.kind), "\(error)", line: line)
        }
    }

    private func npy(header: String, data: [UInt8] = [], version: UInt8 = 1) -> [UInt8] {
        let h = Array(header.utf8)
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0, UInt8(h.count & 0xFF), UInt8(h.count >> 8)]
        if version > 1 { out += [0, 0] }
        return out + h + data
    }

    func testFortranOrderIsRefusedClearly() {
        assertNPYError(numpy("fortran_2x2")) { $0 == .fortranOrder(shape: [2, 2]) }
        XCTAssertThrowsError(try NPY.decode(numpy("fortran_2x2"))) {
            XCTAssertTrue("\($0)".contains("C order"))
        }
        // One-dimensional arrays are the same in both orders.
        XCTAssertNoThrow(try NPY.decode(npy(header: "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", data: [0, 0, 0, 0])))
    }

    func testUnsupportedDTypes() {
        assertNPYError(numpy("complex")) { $0 == .unsupportedDType("<c8") }
        assertNPYError(npy(header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }")) {
            $0 == .unsupportedDType("structured dtype")
        }
        assertNPYError(npy(header: "{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }")) { $0 == .unsupportedDType("|f4") }
        assertNPYError(npy(header: "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }")) { $0 == .unsupportedDType("|O") }
    }

    func testStructuralErrors() {
        assertNPYError([0x93, 0x4E]) { $0 == .truncated(expected: 10, actual: 2) }
        assertNPYError(Array("PK\u{03}\u{04}zipfile".utf8)) { $0 == .badMagic }
        assertNPYError(npy(header: "{}", version: 4)) { $0 == .unsupportedVersion(major: 4, minor: 0) }
        var huge = npy(header: "{}", version: 2)
        huge[11] = 0x7F
        assertNPYError(huge) { $0 == .headerTooLarge(declared: 0x7F00_0002, limit: NPY.maximumHeaderSize) }
        var short = npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }")
        short[8] = 200
        assertNPYError(short) { if case .truncated = $0 { return true } else { return false } }
    }

    func testSizeMismatch() {
        assertNPYError(npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data: [0, 0, 0, 0])) {
            $0 == .sizeMismatch(shape: [2], descr: "<f4", expected: 8, actual: 4)
        }
        assertNPYError(npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data: Array(repeating: 0, count: 5))) {
            $0 == .sizeMismatch(shape: [1], descr: "<f4", expected: 4, actual: 5)
        }
    }

    func testInvalidHeaders() {
        let headers = [
            "{'descr': '<f4', 'fortran_order': False, }",                             // missing shape
            "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (9999999999999999999999,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
            "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,) ",
            "{'descr': '<f4 , 'fortran_order': False, 'shape': (1,)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} junk",
            "",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }",
        ]
        for header in headers {
            assertNPYError(npy(header: header, data: [0, 0, 0, 0])) {
                if case .invalidHeader = $0 { return true } else { return false }
            }
        }
    }

    func testFuzzedNumPyFilesNeverCrash() {
        var rng = SplitMix64(seed: 11)
        let originals = Self.numpyFiles.keys.sorted().map(numpy)
        var refused = 0
        for _ in 0..<3_000 {
            var bytes = originals[Int(rng.next() % UInt64(originals.count))]
            for _ in 0..<Int(rng.next() % 3 + 1) {
                switch rng.next() % 3 {
                case 0: bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.removeLast(Int(rng.next() % UInt64(bytes.count)))
                default:
                    let alphabet = Array("{}():,' 0123456789TrueFalse<>|fiub".utf8)
                    bytes[Int(rng.next() % UInt64(bytes.count))] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                }
                if bytes.isEmpty { bytes = [0] }
            }
            do {
                let tensor = try NPY.decode(bytes)
                XCTAssertEqual(tensor.bytes.count, try TensorData.byteCount(dtype: tensor.dtype, shape: tensor.shape))
            } catch is NPYError {
                refused += 1
            } catch {
                XCTFail("unexpected error \(error)")
            }
        }
        XCTAssertGreaterThan(refused, 1_000)
    }
}
