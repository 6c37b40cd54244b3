import Foundation
import Yams

/// Reading a YAML file into a node tree that keeps every key's line and column, with every
/// failure — unreadable, not UTF-8, empty, a syntax error, a repeated key — one ``SpecError``.
///
/// ```swift
/// let text = try YAMLDocument.readText(url, shown: "Experiments/quick.yaml", example: "Experiments/quick.yaml")
/// let top = try YAMLMapping(try YAMLDocument.compose(yaml: text, file: "Experiments/quick.yaml",
///                                                    example: "Experiments/quick.yaml"), path: "", file: "Experiments/quick.yaml")
/// ```
public enum YAMLDocument {
    /// Reads the file at `url` as UTF-8 text; errors name it `shown` and point to `example`, a
    /// file of the same kind to start from.
    public static func readText(_ url: URL, shown: String, example: String) throws -> String {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            let reason = ((error as NSError).localizedFailureReason ?? error.localizedDescription)
                .trimmingCharacters(in: CharacterSet(charactersIn: ". "))
            throw SpecError(file: shown, keyPath: "",
                            message: "cannot read the file (\(reason)). Fix: check the path; \(example) is one that exists.")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SpecError(file: shown, keyPath: "", message: "the file is not UTF-8 text. Fix: save it as UTF-8 YAML.")
        }
        return text
    }

    /// Composes YAML text into a node tree; `file` names it in errors and an empty file is
    /// refused with `example` as the place to start.
    public static func compose(yaml: String, file: String, example: String) throws -> Node {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch let error as YamlError {
            if case .duplicatedKeysInMapping(let duplicates, let context) = error,
               let located = DuplicateKeyLocator.locate(duplicates, mappingLine: context.mark.line,
                                                        column: context.mark.column, in: yaml, file: file) {
                throw located
            }
            throw syntaxError(error, file: file)
        } catch {
            throw SpecError(file: file, keyPath: "", message: "not valid YAML (\(error)).")
        }
        guard let root else {
            throw SpecError(file: file, keyPath: "", message: "the file is empty. Fix: start from \(example).")
        }
        return root
    }

    private static func syntaxError(_ error: YamlError, file: String) -> SpecError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
            return SpecError(file: file, line: mark.line, column: mark.column, keyPath: "",
                             message: "YAML syntax error: \(problem). Fix: check indentation and quoting on that line.")
        case .composer(_, let problem, let mark, _):
            return SpecError(file: file, line: mark.line, column: mark.column, keyPath: "",
                             message: "YAML error: \(problem). Fix: check anchors and aliases on that line.")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return SpecError(file: file, line: context.mark.line, column: context.mark.column,
                             keyPath: duplicates.joined(separator: ", "),
                             message: "duplicate key in the mapping starting here. Fix: keep one.")
        default:
            return SpecError(file: file, keyPath: "", message: "YAML error: \(error).")
        }
    }
}
