import Foundation
import XCTest
@testable import DecoderHardware

/// The repository root, found from this file's path (Tests/DecoderHardwareTests/…).
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func techURL(_ name: String) -> URL {
    repositoryRoot.appendingPathComponent("Experiments/tech/\(name).yaml")
}

final class TechnologyTests: XCTestCase {
    func testShippedTechnologyFilesLoad() throws {
        let asic45 = try Technology.load(contentsOf: techURL("asic-45nm"))
        XCTAssertEqual(asic45.name, "asic-45nm")
        XCTAssertEqual(asic45.clockHz, 500e6)
        guard case .asic(let a45) = asic45.kind else { return XCTFail("asic-45nm is not an ASIC") }
        XCTAssertEqual(a45.nand2AreaUm2, 0.798)

        let asic22 = try Technology.load(contentsOf: techURL("asic-22nm"))
        guard case .asic(let a22) = asic22.kind else { return XCTFail("asic-22nm is not an ASIC") }
        // The scaled node is denser and cheaper per operation than the one it was scaled from.
        XCTAssertLessThan(a22.sramBitAreaUm2, a45.sramBitAreaUm2)
        XCTAssertLessThan(a22.flipFlopEnergyPJ, a45.flipFlopEnergyPJ)

        let fpga = try Technology.load(contentsOf: techURL("fpga-7series"))
        guard case .fpga(let f) = fpga.kind else { return XCTFail("fpga-7series is not an FPGA") }
        XCTAssertEqual(f.bram18Ports, 2)
    }

    /// Every shipped constant carries a citation: the file has a comment for each field block
    /// and names its sources.
    func testShippedFilesCiteSources() throws {
        for name in ["asic-45nm", "asic-22nm", "fpga-7series"] {
            let text = try String(contentsOf: techURL(name), encoding: .utf8)
            XCTAssertTrue(text.contains("Sources"), "\(name) lists no sources")
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var commentSeen = false
            for line in lines {
                if line.hasPrefix("#") { commentSeen = true; continue }
                if line.trimmingCharacters(in: .whitespaces).isEmpty { commentSeen = false; continue }
                // Each block of fields starts with the comment citing them.
                XCTAssertTrue(commentSeen, "\(name): '\(line)' has no comment citing its source")
            }
        }
    }

    private func asicText(removing field: String? = nil, replacing: (String, String)? = nil,
                          adding extra: String? = nil) throws -> String {
        var lines = try String(contentsOf: techURL("asic-45nm"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        if let field { lines.removeAll { $0.hasPrefix(field + ":") } }
        if let (field, value) = replacing {
            lines = lines.map { $0.hasPrefix(field + ":") ? "\(field): \(value)" : $0 }
        }
        if let extra { lines.append(extra) }
        return lines.joined(separator: "\n")
    }

    func testMissingFieldIsNamed() throws {
        let text = try asicText(removing: "flip_flop_area_um2")
        XCTAssertThrowsError(try Technology.parse(yaml: text, file: "t.yaml")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("t.yaml"), message)
            XCTAssertTrue(message.contains("flip_flop_area_um2"), message)
            XCTAssertTrue(message.contains("missing"), message)
        }
    }

    func testNegativeZeroAndNonNumericFieldsAreRefused() throws {
        for (value, word) in [("-0.5", "negative"), ("0", "zero"), ("lots", "not a number"), (".nan", "finite")] {
            let text = try asicText(replacing: ("sram_bit_area_um2", value))
            XCTAssertThrowsError(try Technology.parse(yaml: text, file: "t.yaml")) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("sram_bit_area_um2") && message.contains(word), message)
            }
        }
        let efficiency = try asicText(replacing: ("sram_array_efficiency", "1.5"))
        XCTAssertThrowsError(try Technology.parse(yaml: efficiency, file: "t.yaml"))
    }

    func testUnknownFieldIsRefused() throws {
        let text = try asicText(adding: "sram_bit_aera_um2: 0.3")
        XCTAssertThrowsError(try Technology.parse(yaml: text, file: "t.yaml")) { error in
            XCTAssertTrue("\(error)".hasSuffix("sram_bit_aera_um2: unknown key. Did you mean 'sram_bit_area_um2'?"), "\(error)")
        }
    }

    func testUnknownKindAndBrokenYAMLAreRefused() throws {
        let kind = try asicText(replacing: ("kind", "quantum"))
        XCTAssertThrowsError(try Technology.parse(yaml: kind, file: "t.yaml")) { error in
            XCTAssertTrue("\(error)".contains("kind"), "\(error)")
        }
        XCTAssertThrowsError(try Technology.parse(yaml: "kind: [asic", file: "t.yaml"))
        XCTAssertThrowsError(try Technology.parse(yaml: "- a\n- b", file: "t.yaml"))
        XCTAssertThrowsError(try Technology.load(contentsOf: URL(fileURLWithPath: "/no/such/tech.yaml"))) { error in
            XCTAssertTrue("\(error)".contains("/no/such/tech.yaml"), "\(error)")
        }
    }

    func testFPGAIntegerFieldsAreValidated() throws {
        let text = try String(contentsOf: techURL("fpga-7series"), encoding: .utf8)
            .replacingOccurrences(of: "bram18_ports: 2", with: "bram18_ports: -2")
        XCTAssertThrowsError(try Technology.parse(yaml: text, file: "f.yaml")) { error in
            XCTAssertTrue("\(error)".contains("bram18_ports") && "\(error)".contains("negative"), "\(error)")
        }
    }

    func testBlockRAMPacking() throws {
        guard case .fpga(let f) = try Technology.load(contentsOf: techURL("fpga-7series")).kind else {
            return XCTFail("not an FPGA")
        }
        // 1024 × 18 fits one RAMB18 exactly; 1024 × 19 needs a second; 4096 × 4 is one (4K × 4).
        XCTAssertEqual(f.bram18Blocks(entries: 1024, width: 18), 1)
        XCTAssertEqual(f.bram18Blocks(entries: 1024, width: 19), 2)
        XCTAssertEqual(f.bram18Blocks(entries: 4096, width: 4), 1)
        XCTAssertEqual(f.bram18Blocks(entries: 4096, width: 24), 6)
        XCTAssertEqual(f.bram18Blocks(entries: 0, width: 24), 0)
    }
}
