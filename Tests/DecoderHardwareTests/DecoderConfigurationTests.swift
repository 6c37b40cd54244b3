import XCTest
@testable import DecoderHardware

final class DecoderConfigurationTests: XCTestCase {
    func testImpossibleConfigurationsAreRefusedWithTheReason() {
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch { return "\(error)" }
            return ""
        }
        let zeroLanes = message { _ = try DecoderConfiguration(lanes: 0, tableLog: 10, portBits: 32, clockHz: 1e9) }
        XCTAssertTrue(zeroLanes.contains("lanes = 0") && zeroLanes.contains("at least one lane"), zeroLanes)
        let zeroPort = message { _ = try DecoderConfiguration(lanes: 4, tableLog: 10, portBits: 0, clockHz: 1e9) }
        XCTAssertTrue(zeroPort.contains("port width W = 0"), zeroPort)
        let zeroClock = message { _ = try DecoderConfiguration(lanes: 4, tableLog: 10, portBits: 32, clockHz: 0) }
        XCTAssertTrue(zeroClock.contains("clock"), zeroClock)
        let badR = message { _ = try DecoderConfiguration(lanes: 4, tableLog: 0, portBits: 32, clockHz: 1e9) }
        XCTAssertTrue(badR.contains("table log"), badR)
        let smallBuffer = message {
            _ = try DecoderConfiguration(lanes: 4, tableLog: 10, portBits: 32, laneBufferBits: 40, clockHz: 1e9)
        }
        XCTAssertTrue(smallBuffer.contains("W + R = 42"), smallBuffer)
    }

    func testTableTooSmallForTheUsedSymbolsIsRefused() throws {
        let config = try DecoderConfiguration(lanes: 2, tableLog: 5, portBits: 32, clockHz: 1e9)
        let layer = LayerProfile(name: "conv1", symbolCount: 1000, alphabetSize: 255, usedSymbols: 40,
                                 tableLog: 5, laneBits: [300, 310])
        XCTAssertThrowsError(try config.validate(for: [layer])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("conv1") && text.contains("40 distinct symbols") && text.contains("R ≥ 6"), text)
        }
        var fits = layer
        fits.usedSymbols = 32
        XCTAssertNoThrow(try config.validate(for: [fits]))
        var wrongLanes = fits
        wrongLanes.laneBits = [1, 2, 3]
        XCTAssertThrowsError(try config.validate(for: [wrongLanes]))
        var biggerTable = fits
        biggerTable.tableLog = 8
        XCTAssertThrowsError(try config.validate(for: [biggerTable]))
    }

    func testDerivedSizes() throws {
        let config = try DecoderConfiguration(lanes: 8, tableLog: 10, portBits: 64, clockHz: 1e9)
        XCTAssertEqual(config.tableEntries, 1024)
        XCTAssertEqual(config.nbBitsFieldBits, 4)     // 0…10 needs 4 bits
        XCTAssertEqual(config.laneBufferBits, 128)    // 2W
        XCTAssertEqual(ceilLog2(1), 0)
        XCTAssertEqual(ceilLog2(2), 1)
        XCTAssertEqual(ceilLog2(255), 8)
        XCTAssertEqual(ceilLog2(256), 8)
        XCTAssertEqual(ceilLog2(257), 9)
        XCTAssertEqual(bitsToRepresent(0), 0)
        XCTAssertEqual(bitsToRepresent(15), 4)
        XCTAssertEqual(bitsToRepresent(16), 5)
    }
}
