import XCTest
import EntropyCoding
@testable import DecoderHardware

/// A stored layer is described to the decoder model in one place — `QuantizedLayerSymbols`,
/// `LayerProfile(_:coded:lanes:)` and `DecoderConfiguration.equip(for:)` — which `subbit decoder`
/// and every sweep point use alike, so neither can forget a record's share.
final class StoredLayerDescriptionTests: XCTestCase {
    private let symbols = (0..<4_000).map { UInt8(($0 * 7) % 15) }

    func testProfileCarriesTheRecordsDecoderShares() throws {
        var layer = QuantizedLayerSymbols(name: "w", bins: 15, symbols: symbols)
        layer.channelSteps = try ChannelSteps(base: 0.01, codes: [UInt8](repeating: 3, count: 10))
        layer.fineBits = 2
        let coded = CodedSymbols.tans(try TANSCodec.encode(symbols, alphabetSize: 15, tableLog: 10, lanes: 4))
        let profile = try XCTUnwrap(LayerProfile(layer, coded: coded, lanes: 4))
        let bare = try XCTUnwrap(LayerProfile(name: "w", coded: coded, usedSymbols: 15, lanes: 4))
        XCTAssertEqual(profile.channels, 10)
        XCTAssertEqual(profile.fineBits, 2)
        XCTAssertEqual(profile.usedSymbols, 15)
        XCTAssertEqual(bare.channels, 0)
        XCTAssertEqual(bare.fineBits, 0)
        XCTAssertEqual(profile.laneBits, bare.laneBits, "the stream itself is the codec's")
        let huffman = CodedSymbols.huffman(try HuffmanCodec.encode(symbols, alphabetSize: 15))
        XCTAssertNil(LayerProfile(layer, coded: huffman, lanes: 4), "the decoder reads no Huffman stream")
    }

    func testDequantizersGetTheLargestStateMachineAnyLayerUses() throws {
        let plain = QuantizedLayerSymbols(name: "a", bins: 15, symbols: symbols)
        var four = plain, eight = plain
        four.dependentQuantization = .fourState
        eight.dependentQuantization = .eightState
        var config = try DecoderConfiguration(lanes: 4, tableLog: 10, portBits: 64, clockHz: 1e9)
        config.equip(for: [plain])
        XCTAssertNil(config.dependentQuantization)
        config.equip(for: [plain, four])
        XCTAssertEqual(config.dependentQuantization, .fourState)
        config.equip(for: [eight, plain, four])
        XCTAssertEqual(config.dependentQuantization, .eightState)
    }
}
