import XCTest
@testable import ModelIO

final class ModelIOPlaceholderTests: XCTestCase {
    func testModuleLinks() { XCTAssertNotNil(ModelIOModule.self as Any.Type?) }
}
