import ArgumentParser
import Foundation
import ModelIO
import EntropyCoding
import Orchestrator
import Training
import Quantization

/// A runtime failure of a command (bad input file, unwritable output): ArgumentParser prints
/// its message once, without the usage text, and exits non-zero.
struct CommandFailure: Error, LocalizedError, CustomStringConvertible {
    var message: String
    var description: String { message }
    var errorDescription: String? { message }
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
        throw CommandFailure(message: context.map { "\($0): \(text)" } ?? text)
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
