import XCTest
@testable import Training

final class TensorTests: XCTestCase {
    func testReuseKeepsAllocationWhenSmaller() {
        var slot: Tensor? = nil
        let a = Tensor.reuse(&slot, shape: [4, 8])
        let b = Tensor.reuse(&slot, shape: [2, 8])
        XCTAssertTrue(a === b)
        XCTAssertEqual(b.shape, [2, 8])
        let c = Tensor.reuse(&slot, shape: [5, 8])
        XCTAssertFalse(a === c)
        XCTAssertEqual(c.count, 40)
    }

    func testValuesRoundTrip() {
        let t = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(t.toArray(), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(t[4], 5)
        XCTAssertEqual(t.clone().toArray(), t.toArray())
    }

    func testStorageIsAlignedForTheKernels() {
        // Cache-line aligned, so 8-float vectors along channels never straddle two lines; batch-sized
        // maps on a huge-page boundary.
        for count in [1, 7, 1000, 100_000] {
            XCTAssertEqual(Int(bitPattern: Tensor(shape: [count]).pointer) % 64, 0, "\(count) floats")
        }
        let big = Tensor(shape: [16, 128, 28, 28])
        XCTAssertEqual(Int(bitPattern: big.pointer) % (2 << 20), 0)
        XCTAssertTrue(big.toArray().allSatisfy { $0 == 0 }, "zero-filled")
    }
}
