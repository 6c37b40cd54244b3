import Foundation
import TestSupport
import XCTest
@testable import ModelIO

/// Random bytes forming a valid tensor of `dtype` and `shape`.
func randomTensor(dtype: DType, shape: [Int], using rng: inout SplitMix64) -> TensorData {
    let count = shape.reduce(1, *) * dtype.byteSize
    var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    if dtype == .bool { bytes = bytes.map { $0 & 1 } }
    return try! TensorData(dtype: dtype, shape: shape, bytes: bytes)
}

/// A safetensors file built by hand from a header string and a data buffer.
func rawSafeTensors(header: String, buffer: [UInt8] = []) -> [UInt8] {
    let h = Array(header.utf8)
    var out = [UInt8]()
    for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: UInt64(h.count) >> (8 * UInt64(i)))) }
    return out + h + buffer
}

/// Asserts that `body` throws a `SafeTensorsError` whose kind satisfies `matches`.
func assertSafeTensorsError(
    _ body: @autoclosure () throws -> Any, file: StaticString = #filePath, line: UInt = #line,
    _ matches: (SafeTensorsError.Kind) -> Bool
) {
    do {
        _ = try body()
        XCTFail("expected a SafeTensorsError", file: file, line: line)
    } catch let error as SafeTensorsError {
        XCTAssertTrue(matches(error.kind), "unexpected error: \(error)", file: file, line: line)
        XCTAssertFalse(error.description.isEmpty, file: file, line: line)
    } catch {
        XCTFail("unexpected error type \(type(of: error)): \(error)", file: file, line: line)
    }
}
