import XCTest
@testable import EntropyCoding

final class EntropyCodingPlaceholderTests: XCTestCase {
    func testModuleLinks() { XCTAssertNotNil(EntropyCodingModule.self as Any.Type?) }
}
