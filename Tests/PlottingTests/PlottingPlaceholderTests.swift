import XCTest
@testable import Plotting

final class PlottingPlaceholderTests: XCTestCase {
    func testModuleLinks() { XCTAssertNotNil(PlottingModule.self as Any.Type?) }
}
