import XCTest
@testable import Quantization

final class TensorPolicyTests: XCTestCase {
    func testGlob() {
        XCTAssertTrue(Glob.matches(pattern: "features.*", "features.0.0.weight"))
        XCTAssertTrue(Glob.matches(pattern: "*weight", "a.weight"))
        XCTAssertTrue(Glob.matches(pattern: "a.?.b", "a.1.b"))
        XCTAssertFalse(Glob.matches(pattern: "a.?.b", "a.12.b"))
        XCTAssertTrue(Glob.matches(pattern: "*", ""))
        XCTAssertFalse(Glob.matches(pattern: "classifier", "classifier.1.weight"))
        XCTAssertTrue(Glob.matches(pattern: "*.1.*", "classifier.1.weight"))
        XCTAssertTrue(Glob.matches(pattern: "a*b*c", "axxbyyc"))
        XCTAssertFalse(Glob.matches(pattern: "a*b*c", "axxbyy"))
    }

    func testDefaultRoles() {
        let p = TensorPolicy()
        XCTAssertEqual(p.role(name: "features.0.0.weight", shape: [32, 3, 3, 3], isFloatingPoint: true), .quantized)
        XCTAssertEqual(p.role(name: "features.1.conv.0.0.weight", shape: [32, 1, 3, 3], isFloatingPoint: true), .quantized)
        XCTAssertEqual(p.role(name: "classifier.1.weight", shape: [1000, 1280], isFloatingPoint: true), .quantized)
        XCTAssertEqual(p.role(name: "classifier.1.bias", shape: [1000], isFloatingPoint: true), .float)
        XCTAssertEqual(p.role(name: "features.0.1.running_var", shape: [32], isFloatingPoint: true), .float)
        XCTAssertEqual(p.role(name: "features.0.1.num_batches_tracked", shape: [], isFloatingPoint: false), .verbatim)
        let keep = TensorPolicy(keepFloat: ["classifier.*"])
        XCTAssertEqual(keep.role(name: "classifier.1.weight", shape: [1000, 1280], isFloatingPoint: true), .float)
    }

    func testLayerBins() throws {
        let p = try LayerBins(bins: 7, overrides: [("features.0.*", 255), ("*", 3)])
        XCTAssertEqual(p.bins(for: "features.0.0.weight"), 255)
        XCTAssertEqual(p.bins(for: "x"), 3)
        XCTAssertThrowsError(try LayerBins(bins: 4))
        XCTAssertThrowsError(try LayerBins(bins: 3, overrides: [("a", 300)]))
    }
}
