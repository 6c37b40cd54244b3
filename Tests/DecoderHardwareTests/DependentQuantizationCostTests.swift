import XCTest
import EntropyCoding
@testable import DecoderHardware

/// The dependent-quantization state machine is costed in the dequantizers, not assumed free.
final class DependentQuantizationCostTests: XCTestCase {
    private func layer(lanes: Int) -> LayerProfile {
        let bits = (0..<lanes).map { _ in 30_000 / lanes }
        return LayerProfile(name: "l", symbolCount: 10_000, alphabetSize: 15, usedSymbols: 15, tableLog: 10, laneBits: bits)
    }

    func testStateMachineAddsItsShareToTheDequantizersOnly() throws {
        let model = DecoderCostModel(technology: try Technology.load(contentsOf: techURL("asic-22nm")))
        for machine in DQStateMachine.allCases {
            let plain = try DecoderConfiguration(lanes: 8, tableLog: 10, portBits: 64, clockHz: 1e9)
            var dq = plain
            dq.dependentQuantization = machine
            let a = try model.evaluate(plain, layers: [layer(lanes: 8)])
            let b = try model.evaluate(dq, layers: [layer(lanes: 8)])
            let share = try XCTUnwrap(model.dependentQuantizationCost(dq, maxBins: 15))
            XCTAssertNil(model.dependentQuantizationCost(plain, maxBins: 15).flatMap { $0.area > 0 ? $0 : nil })
            XCTAssertGreaterThan(share.area, 0)
            XCTAssertGreaterThan(share.energyPerWeight, 0)
            let areaA = try XCTUnwrap(a.area), areaB = try XCTUnwrap(b.area)
            XCTAssertEqual(areaB.dequantizers - areaA.dequantizers, share.area, accuracy: 1e-6 * share.area)
            XCTAssertEqual(areaB.decodeTables, areaA.decodeTables)
            XCTAssertEqual(areaB.stateRegisters, areaA.stateRegisters)
            let energyA = try XCTUnwrap(a.energy), energyB = try XCTUnwrap(b.energy)
            XCTAssertEqual(energyB.dequantizers - energyA.dequantizers, share.energyPerWeight, accuracy: 1e-9)
            XCTAssertEqual(b.totals.decode, a.totals.decode, "the state machine adds no cycles")
            XCTAssertTrue(b.configuration.label.hasSuffix("dq \(machine)"))
        }
        // Eight states cost more than four (one more flip-flop, a twice-larger look-up).
        var four = try DecoderConfiguration(lanes: 8, tableLog: 10, portBits: 64, clockHz: 1e9)
        four.dependentQuantization = .fourState
        var eight = four
        eight.dependentQuantization = .eightState
        XCTAssertLessThan(try XCTUnwrap(model.dependentQuantizationCost(four, maxBins: 15)).area,
                          try XCTUnwrap(model.dependentQuantizationCost(eight, maxBins: 15)).area)
    }

    func testFPGACountsTheStateFlipFlopsAndLUTs() throws {
        let model = DecoderCostModel(technology: try Technology.load(contentsOf: techURL("fpga-7series")))
        let plain = try DecoderConfiguration(lanes: 4, tableLog: 10, portBits: 64, clockHz: 2e8)
        var dq = plain
        dq.dependentQuantization = .eightState
        let a = try XCTUnwrap(try model.evaluate(plain, layers: [layer(lanes: 4)]).resources)
        let b = try XCTUnwrap(try model.evaluate(dq, layers: [layer(lanes: 4)]).resources)
        XCTAssertEqual(b.flipFlops - a.flipFlops, 4 * 3)
        XCTAssertGreaterThanOrEqual(b.luts - a.luts, 4 * (3 + 5))
        XCTAssertEqual(model.dependentQuantizationCost(dq, maxBins: 15)?.area, nil, "ASIC-only share")
    }
}
