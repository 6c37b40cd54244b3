import XCTest
@testable import Training

/// The thread helpers every layer splits its work with.
final class ParallelForTests: XCTestCase {
    func testPartitionCoversTheRangeInOrder() {
        for (count, parts) in [(0, 2), (1, 2), (7, 2), (128, 2), (10, 3)] {
            let ranges = (0..<parts).map { partition(count, part: $0, parts: parts) }
            XCTAssertEqual(ranges.flatMap { Array($0) }, Array(0..<count), "\(count) over \(parts)")
        }
    }

    func testParallelForEachRunsEveryItemOnceOnAtMostPartsThreads() {
        for (count, parts) in [(0, 2), (1, 2), (5, 1), (22, 2), (64, 3)] {
            let seen = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
            let partOf = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
            defer { seen.deallocate(); partOf.deallocate() }
            seen.initialize(repeating: 0, count: max(count, 1))
            parallelForEach(count, parts: parts) { part, item in
                seen[item] += 1   // each item is claimed by exactly one thread
                partOf[item] = part
            }
            XCTAssertEqual(Array(UnsafeBufferPointer(start: seen, count: count)), Array(repeating: 1, count: count))
            for item in 0..<count { XCTAssertLessThan(partOf[item], min(parts, count)) }
        }
    }
}
