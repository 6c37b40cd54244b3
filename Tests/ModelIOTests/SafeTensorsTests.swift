import Foundation
import TestSupport
import XCTest
@testable import ModelIO

final class SafeTensorsTests: XCTestCase {
    func testRoundTripEveryDType() throws {
        var rng = SplitMix64(seed: 1)
        var file = SafeTensorsFile(metadata: ["format": "pt", "note": "quote \" and\nnewline ü"])
        for (i, dtype) in DType.allCases.enumerated() {
            file.tensors["t\(i).\(dtype.rawValue)"] = randomTensor(dtype: dtype, shape: [2, i + 1, 3], using: &rng)
        }
        file.tensors["scalar"] = randomTensor(dtype: .f32, shape: [], using: &rng)
        file.tensors["empty"] = randomTensor(dtype: .f16, shape: [0, 4], using: &rng)
        let bytes = file.serialized()
        XCTAssertEqual(try SafeTensorsFile(bytes: bytes), file)

        let url = try temporaryFolder().appendingPathComponent("all.safetensors")
        try file.write(to: url)
        XCTAssertEqual(try SafeTensorsFile(contentsOf: url), file)
        XCTAssertEqual(try Data(contentsOf: url), Data(bytes))
    }

    /// Written by the reference implementation (Python `safetensors` 0.x, `safetensors.numpy.save`).
    static let referenceFile = [
        "KAMAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJiIjoic2Vjb25kIiwiZm9ybWF0IjoibnAifSwibi51NjQiOnsiZHR5cGUiOiJVNjQi",
        "LCJzaGFwZSI6WzFdLCJkYXRhX29mZnNldHMiOlswLDhdfSwibi5pNjQiOnsiZHR5cGUiOiJJNjQiLCJzaGFwZSI6W10sImRhdGFf",
        "b2Zmc2V0cyI6WzgsMTZdfSwidy5mNjQiOnsiZHR5cGUiOiJGNjQiLCJzaGFwZSI6WzJdLCJkYXRhX29mZnNldHMiOlsxNiwzMl19",
        "LCJlIjp7ImR0eXBlIjoiRjMyIiwic2hhcGUiOlswLDNdLCJkYXRhX29mZnNldHMiOlszMiwzMl19LCJ3LmYzMiI6eyJkdHlwZSI6",
        "IkYzMiIsInNoYXBlIjpbMiwzXSwiZGF0YV9vZmZzZXRzIjpbMzIsNTZdfSwibi51MzIiOnsiZHR5cGUiOiJVMzIiLCJzaGFwZSI6",
        "WzFdLCJkYXRhX29mZnNldHMiOls1Niw2MF19LCJuLmkzMiI6eyJkdHlwZSI6IkkzMiIsInNoYXBlIjpbMl0sImRhdGFfb2Zmc2V0",
        "cyI6WzYwLDY4XX0sIncuZjE2Ijp7ImR0eXBlIjoiRjE2Iiwic2hhcGUiOlsyLDJdLCJkYXRhX29mZnNldHMiOls2OCw3Nl19LCJu",
        "LnUxNiI6eyJkdHlwZSI6IlUxNiIsInNoYXBlIjpbMV0sImRhdGFfb2Zmc2V0cyI6Wzc2LDc4XX0sIm4uaTE2Ijp7ImR0eXBlIjoi",
        "STE2Iiwic2hhcGUiOlsxXSwiZGF0YV9vZmZzZXRzIjpbNzgsODBdfSwibi5pOCI6eyJkdHlwZSI6Ikk4Iiwic2hhcGUiOlsyXSwi",
        "ZGF0YV9vZmZzZXRzIjpbODAsODJdfSwibi51OCI6eyJkdHlwZSI6IlU4Iiwic2hhcGUiOlsxLDJdLCJkYXRhX29mZnNldHMiOls4",
        "Miw4NF19LCJiIjp7ImR0eXBlIjoiQk9PTCIsInNoYXBlIjpbM10sImRhdGFfb2Zmc2V0cyI6Wzg0LDg3XX19ICAgBQAAAAAAAIAH",
        "AAAAAAAAAAAAAAAAAPg/AAAAAAAAAMAAACDAAADAvwAAAL8AAAA/AADAPwAAIEAAKGvu/////////38APAC4/3sAAP//1P6AfwD/",
        "AQAB",
    ].joined()

    func testReadsAndReproducesReferenceFile() throws {
        let bytes = Array(Data(base64Encoded: Self.referenceFile)!)
        let file = try SafeTensorsFile(bytes: bytes)
        XCTAssertEqual(file.metadata, ["format": "np", "b": "second"])
        XCTAssertEqual(file.tensors.count, 13)
        XCTAssertEqual(try file.tensor("w.f64").floats(), [1.5, -2])
        XCTAssertEqual(try file.tensor("w.f32").floats(), [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])
        XCTAssertEqual(try file.tensor("w.f32").shape, [2, 3])
        XCTAssertEqual(try file.tensor("w.f16").floats(), [1, -0.5, 65504, 0])
        XCTAssertEqual(try file.tensor("n.i64").shape, [])
        XCTAssertEqual(try file.tensor("n.i64").integers(), [7])
        XCTAssertEqual(try file.tensor("n.i32").integers(), [-1, 2_147_483_647])
        XCTAssertEqual(try file.tensor("n.i16").integers(), [-300])
        XCTAssertEqual(try file.tensor("n.i8").integers(), [-128, 127])
        XCTAssertEqual(try file.tensor("n.u8").integers(), [0, 255])
        XCTAssertEqual(try file.tensor("n.u16").integers(), [65535])
        XCTAssertEqual(try file.tensor("n.u32").integers(), [4_000_000_000])
        XCTAssertThrowsError(try file.tensor("n.u64").integers())  // 2^63 + 5 does not fit Int64
        XCTAssertEqual(try file.tensor("b").integers(), [1, 0, 1])
        XCTAssertEqual(try file.tensor("e").shape, [0, 3])
        // Our writer lays the file out exactly like the reference writer.
        XCTAssertEqual(file.serialized(), bytes)
    }

    func testLayoutMatchesReferenceWriter() throws {
        // The reference writer pads the header with spaces to a multiple of 8 and puts
        // tensors in descending dtype order, then by name.
        let file = SafeTensorsFile(tensors: [
            "b": try TensorData(floats: [1, 2], shape: [2]),
            "a": try TensorData(integers: [7], shape: [1], dtype: .u8),
            "c": try TensorData(integers: [1], shape: [1], dtype: .i64),
        ])
        let bytes = file.serialized()
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        XCTAssertEqual(headerLength % 8, 0)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        XCTAssertEqual(
            header.trimmingCharacters(in: .whitespaces),
            #"{"c":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"a":{"dtype":"U8","shape":[1],"data_offsets":[16,17]}}"#)
        XCTAssertEqual(bytes.count, 8 + headerLength + 17)
    }

    func testReadsHandWrittenFileWithMetadataAndWhitespace() throws {
        let header = #" { "__metadata__" : {"format":"pt"}, "w": {"shape": [2], "dtype": "F16", "data_offsets": [0, 4]} }  "#
        let file = try SafeTensorsFile(bytes: rawSafeTensors(header: header, buffer: [0x00, 0x3C, 0x00, 0xC0]))
        XCTAssertEqual(file.metadata, ["format": "pt"])
        XCTAssertEqual(try file.tensor("w").floats(), [1, -2])
    }

    func testFloatConversions() throws {
        let values: [Float] = [0, 1, -2.5, 0.1, 65504, 1e-7, -3.14159]
        for dtype in [DType.f32, .f64, .f16, .bf16] {
            let tensor = try TensorData(floats: values, shape: [values.count], dtype: dtype)
            let back = try tensor.floats()
            for (a, b) in zip(values, back) {
                let tolerance: Float = dtype == .bf16 ? 1 / 128 : dtype == .f16 ? 1 / 1024 : 0
                XCTAssertLessThanOrEqual(abs(a - b), abs(a) * tolerance + (dtype == .f16 ? 6e-8 : 0), "\(dtype) \(a)")
            }
        }
        XCTAssertThrowsError(try TensorData(integers: [1], shape: [1]).floats()) {
            XCTAssertEqual($0 as? TensorDataError, .notFloatingPoint(.i64))
        }
        XCTAssertThrowsError(try TensorData(floats: [1, 2], shape: [3])) {
            XCTAssertEqual($0 as? TensorDataError, .elementCountMismatch(shape: [3], expected: 3, actual: 2))
        }
    }

    func testIntegerConversions() throws {
        let values: [Int64] = [-128, -1, 0, 1, 127]
        for dtype in [DType.i8, .i16, .i32, .i64] {
            XCTAssertEqual(try TensorData(integers: values, shape: [5], dtype: dtype).integers(), values)
        }
        XCTAssertEqual(try TensorData(integers: [0, 255], shape: [2], dtype: .u8).integers(), [0, 255])
        XCTAssertEqual(try TensorData(integers: [0, 65535], shape: [2], dtype: .u16).integers(), [0, 65535])
        XCTAssertThrowsError(try TensorData(integers: [256], shape: [1], dtype: .u8)) {
            XCTAssertEqual($0 as? TensorDataError, .integerOutOfRange(value: 256, dtype: .u8))
        }
        XCTAssertThrowsError(try TensorData(integers: [2], shape: [1], dtype: .bool))
    }

    func testNaturalOrderOfNames() {
        let file = SafeTensorsFile(tensors: [
            "features.10.conv.weight": try! TensorData(floats: [1], shape: [1]),
            "features.2.conv.weight": try! TensorData(floats: [1], shape: [1]),
            "classifier.1.weight": try! TensorData(floats: [1], shape: [1]),
            "features.2.bn.bias": try! TensorData(floats: [1], shape: [1]),
        ])
        XCTAssertEqual(file.names, [
            "classifier.1.weight", "features.2.bn.bias", "features.2.conv.weight", "features.10.conv.weight",
        ])
        XCTAssertTrue(NaturalOrder.less("a01", "a1") != NaturalOrder.less("a1", "a01"))
        XCTAssertFalse(NaturalOrder.less("x", "x"))
    }

    func testMissingTensorNamesIt() throws {
        let file = SafeTensorsFile(tensors: ["a": try TensorData(floats: [1], shape: [1])])
        XCTAssertThrowsError(try file.tensor("b")) { error in
            XCTAssertTrue("\(error)".contains("\"b\""))
            XCTAssertTrue("\(error)".contains("\"a\""))
        }
    }

    func testWriteIntoMissingFolderFailsCleanly() throws {
        let folder = try temporaryFolder()
        let url = folder.appendingPathComponent("nope/x.safetensors")
        XCTAssertThrowsError(try SafeTensorsFile().write(to: url)) { error in
            XCTAssertTrue(error is FileAccessError)
        }
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: folder.appendingPathComponent("missing.safetensors"))) {
            XCTAssertEqual(($0 as? FileAccessError)?.reason, "no such file")
        }
        // No temporary files are left behind after a successful write either.
        try SafeTensorsFile().write(to: folder.appendingPathComponent("ok.safetensors"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["ok.safetensors"])
    }

    // MARK: - Hostile files, each with its own error

    func testTooShortForHeaderLength() {
        assertSafeTensorsError(try SafeTensorsFile(bytes: [1, 2, 3])) { $0 == .truncated(size: 3) }
    }

    func testHeaderLengthPastEnd() {
        var bytes = rawSafeTensors(header: "{}")
        bytes[0] = 200
        assertSafeTensorsError(try SafeTensorsFile(bytes: bytes)) { $0 == .headerPastEnd(declared: 200, available: 2) }
    }

    func testAbsurdHeaderLength() {
        let bytes: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7B, 0x7D]
        assertSafeTensorsError(try SafeTensorsFile(bytes: bytes)) {
            $0 == .headerTooLarge(declared: UInt64.max, limit: SafeTensorsFile.maximumHeaderSize)
        }
    }

    func testBadJSON() {
        for header in [#"{"a":"#, "{'a': 1}", #"{"a":1,}"#, "{} x", "", #"{"a":"\x"}"#, String(repeating: "[", count: 10_000)] {
            assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: header))) {
                if case .invalidJSON = $0 { return true } else { return false }
            }
        }
        var invalidUTF8 = rawSafeTensors(header: #"{"ab":1}"#)
        invalidUTF8[10] = 0xFF
        assertSafeTensorsError(try SafeTensorsFile(bytes: invalidUTF8)) {
            if case .invalidJSON = $0 { return true } else { return false }
        }
    }

    func testHeaderNotObject() {
        assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: "[1,2]"))) { $0 == .headerNotObject(found: "an array") }
    }

    func testUnknownDType() {
        let header = #"{"w":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}}"#
        assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: header, buffer: [0, 0, 0, 0]))) {
            $0 == .unknownDType(tensor: "w", dtype: "F12")
        }
    }

    func testNegativeAndNonIntegerShapes() {
        let negative = #"{"w":{"dtype":"F32","shape":[-1,2],"data_offsets":[0,0]}}"#
        assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: negative))) {
            $0 == .negativeDimension(tensor: "w", shape: [-1, 2])
        }
        for shape in ["[1.5]", "[1e2]", #"["2"]"#, "3", "[99999999999999999999999]"] {
            let header = #"{"w":{"dtype":"F32","shape":"# + shape + #","data_offsets":[0,0]}}"#
            assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: header))) {
                if case .invalidEntry(tensor: "w", _) = $0 { return true } else { return false }
            }
        }
    }

    func testShapeProductOverflow() {
        let header = #"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#
        assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: header))) {
            $0 == .shapeOverflow(tensor: "w", shape: [4_294_967_296, 4_294_967_296])
        }
        // The element count fits but the byte count does not.
        let bytes = #"{"w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}}"#
        assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: bytes))) {
            $0 == .shapeOverflow(tensor: "w", shape: [2_305_843_009_213_693_952])
        }
    }

    func testShapeByteCountMismatch() {
        let header = #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}"#
        assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: header, buffer: Array(repeating: 0, count: 12)))) {
            $0 == .sizeMismatch(tensor: "w", dtype: .f32, shape: [2, 2], expected: 16, actual: 12)
        }
    }

    func testOffsetsOutOfRange() {
        let header = #"{"w":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}"#
        assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: header, buffer: [1, 2, 3]))) {
            $0 == .offsetOutOfRange(tensor: "w", end: 8, bufferSize: 3)
        }
        let huge = #"{"w":{"dtype":"U8","shape":[9223372036854775807],"data_offsets":[0,9223372036854775807]}}"#
        assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: huge))) {
            $0 == .offsetOutOfRange(tensor: "w", end: Int.max, bufferSize: 0)
        }
    }

    func testInvalidOffsets() {
        for (offsets, reason) in [("[4,0]", "need 0 ≤ begin ≤ end"), ("[-4,0]", "need 0 ≤ begin ≤ end"), ("[0]", "expected two offsets [begin, end]")] {
            let header = #"{"w":{"dtype":"U8","shape":[0],"data_offsets":"# + offsets + "}}"
            assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: header))) {
                if case .invalidOffsets("w", _, reason) = $0 { return true } else { return false }
            }
        }
    }

    func testOverlappingTensors() {
        let header = #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}"#
        assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: header, buffer: Array(repeating: 0, count: 6)))) {
            $0 == .overlap(tensor: "b", other: "a")
        }
        let same = #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#
        assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: same, buffer: Array(repeating: 0, count: 4)))) {
            $0 == .overlap(tensor: "b", other: "a")
        }
    }

    func testGapAndUncoveredBuffer() {
        let gap = #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[3,5]}}"#
        assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: gap, buffer: Array(repeating: 0, count: 5)))) {
            $0 == .gap(tensor: "b", begin: 3, expected: 2)
        }
        let trailing = #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}"#
        assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: trailing, buffer: Array(repeating: 0, count: 5)))) {
            $0 == .bufferNotCovered(used: 2, bufferSize: 5)
        }
    }

    func testDuplicateNamesAndBadMetadata() {
        let duplicate = #"{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}"#
        assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: duplicate))) { $0 == .duplicateKey("a") }
        for metadata in [#"{"__metadata__":{"k":1}}"#, #"{"__metadata__":[]}"#] {
            assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: metadata))) {
                if case .invalidMetadata = $0 { return true } else { return false }
            }
        }
    }

    func testMissingAndMistypedFields() {
        let cases = [
            #"{"w":{"shape":[0],"data_offsets":[0,0]}}"#,
            #"{"w":{"dtype":"U8","data_offsets":[0,0]}}"#,
            #"{"w":{"dtype":"U8","shape":[0]}}"#,
            #"{"w":{"dtype":8,"shape":[0],"data_offsets":[0,0]}}"#,
            #"{"w":[1,2]}"#,
        ]
        for header in cases {
            assertSafeTensorsError(try SafeTensorsFile(bytes: rawSafeTensors(header: header))) {
                if case .invalidEntry(tensor: "w", _) = $0 { return true } else { return false }
            }
        }
    }

    func testErrorMessagesNameFileAndTensor() throws {
        let url = try temporaryFolder().appendingPathComponent("bad.safetensors")
        let header = #"{"conv.weight":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#
        try Data(rawSafeTensors(header: header, buffer: Array(repeating: 0, count: 8))).write(to: url)
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: url)) { error in
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            XCTAssertTrue(message.contains(url.path), message)
            XCTAssertTrue(message.contains("\"conv.weight\""), message)
            XCTAssertTrue(message.contains("needs 12"), message)
        }
    }
}
