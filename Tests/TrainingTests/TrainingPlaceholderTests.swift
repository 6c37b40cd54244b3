import XCTest
@testable import Training

final class TrainingPlaceholderTests: XCTestCase {
    func testModuleLinks() { XCTAssertNotNil(TrainingModule.self as Any.Type?) }
}
