import ArgumentParser
import Foundation
import ModelIO
import EntropyCoding
import Orchestrator
import Training
import Quantization

/// A runtime failure of a command (bad input file, unwritable output): ArgumentParser prints
/// its message once as `Error: <message>`, without the usage text, and exits with status 1.
/// Every command's failures are this one type.
struct CommandFailure: Error, LocalizedError, CustomStringConvertible {
    var message: String
    var description: String { message }
    var errorDescription: String? { message }

    init(_ message: String) { self.message = message }
}

/// Runs `body`, rethrowing any error as a `CommandFailure` carrying the error's own message
/// (which names the problem and the fix); ArgumentParser errors pass through unchanged.
func failing<T>(_ context: String? = nil, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch {
        let text = (error as? LocalizedError)?.errorDescription ?? "\(error)"
        throw CommandFailure(context.map { "\($0): \(text)" } ?? text)
    }
}

/// Runs `body`, rethrowing any error as a `ValidationError` (a bad option value): the
/// message is printed with the usage.
func validating<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ValidationError {
        throw error
    } catch {
        throw ValidationError((error as? LocalizedError)?.errorDescription ?? "\(error)")
    }
}

/// A comma-separated option value (`--lanes 1,4,16`, `--layout split,interleaved`): one parser
/// for every list option, each bad item named with its option.
enum CommaList {
    /// Each item parsed by `parse`; `what` says what an item must be (`a whole number`).
    static func parse<T>(_ text: String, option: String, what: String = "a value", example: String? = nil,
                         _ parse: (String) -> T?) throws -> [T] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard items != [""] else { throw ValidationError("\(option) is empty: give at least one value") }
        return try items.map { item in
            guard let value = parse(item) else {
                throw ValidationError("\(option): '\(item)' is not \(what); write a comma-separated list such as \(option) \(example ?? "1,2,4")")
            }
            return value
        }
    }

    /// Whole numbers.
    static func integers(_ text: String, option: String) throws -> [Int] {
        try parse(text, option: option, what: "a whole number") { Int($0) }
    }

    /// Finite numbers ≥ 0 (μ, λ).
    static func weights(_ text: String, option: String) throws -> [Double] {
        try parse(text, option: option, what: "a finite number ≥ 0", example: "1e-4,1e-3") { Double($0).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil } }
    }

    /// An enum's cases by their raw values (the accepted names are the enum's own).
    static func choices<T: RawRepresentable & CaseIterable>(_ text: String, option: String) throws -> [T] where T.RawValue == String {
        let names = T.allCases.map(\.rawValue)
        return try parse(text, option: option, what: "one of \(names.joined(separator: ", "))",
                         example: names.prefix(2).joined(separator: ",")) { T(rawValue: $0) }
    }
}

extension TensorPolicy.FloatStorage: ExpressibleByArgument {}
// Options take the libraries' enums: ArgumentParser lists the accepted names (the raw values)
// in --help and in its message for an unknown one, so no command keeps a second list.
extension CodecKind: ExpressibleByArgument {}
extension TANSLayout: ExpressibleByArgument {}
extension LayerForm: ExpressibleByArgument {}
extension RateDistortionCalibration.Measure: ExpressibleByArgument {}
extension CalibrationRule: ExpressibleByArgument {}
extension DataCache.Dataset: ExpressibleByArgument {}
extension Architecture: ExpressibleByArgument {}
extension TrainingConfiguration.OptimizerKind: ExpressibleByArgument {}
extension LearningRateSchedule: ExpressibleByArgument {}
