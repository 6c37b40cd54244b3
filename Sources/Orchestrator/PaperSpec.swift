import Foundation
import StrictYAML
import Yams

/// A multi-study spec such as `Experiments/paper.yaml`: a list of studies, each an ordinary
/// experiment spec (the same keys, validated the same way) with a `name`.
///
/// Results go to `Results/<experiment>/<study>/` and plots to `Plots/<experiment>/<study>/`;
/// `subbit reproduce` runs every study and renders `Results/<experiment>/tables.md`.
///
/// ```yaml
/// experiment: paper
/// description: the paper's experiments, as far as they can run here
/// studies:
///   - name: fmnist-lenet5
///     dataset: fashion-mnist
///     model: lenet5
///     baseline: {epochs: 4}
///     sweep: {lambda: [0, 0.1]}
///   - name: mobilenetv2
///     pretrained: mobilenet_v2
///     sweep: {rate_weight: [0.5, 2]}
/// ```
public struct PaperSpec: Sendable, Equatable {
    /// Folder name under `Results/` and `Plots/` (default: the file's stem).
    public var name: String
    public var description: String
    /// The studies in file order; each one's `name` is its ``ExperimentSpec/name``.
    public var studies: [ExperimentSpec]

    public init(name: String, description: String = "", studies: [ExperimentSpec]) {
        self.name = name
        self.description = description
        self.studies = studies
    }
}

/// Reads and strictly validates a multi-study spec. Every study is read by the same code as an
/// ordinary spec, so an error still names the file, the line, the column and the key path —
/// `Experiments/paper.yaml:40:5: studies[2].sweep.lambda: …` — and nothing is run or written
/// unless the whole file is valid.
///
/// ```swift
/// let paper = try PaperSpecParser.parse(contentsOf: URL(fileURLWithPath: "Experiments/paper.yaml"))
/// print(paper.studies.map(\.name))
/// ```
public enum PaperSpecParser {
    /// Parses the multi-study spec at `url`; `displayPath` names it in errors.
    public static func parse(contentsOf url: URL, displayPath: String? = nil,
                             options: SpecParser.Options = SpecParser.Options()) throws -> PaperSpec {
        let shown = displayPath ?? url.path
        let text = try YAMLDocument.readText(url, shown: shown, example: SpecParser.example)
        return try parse(yaml: text, file: shown, defaultName: url.deletingPathExtension().lastPathComponent, options: options)
    }

    /// Parses multi-study spec text; `file` names it in errors.
    public static func parse(yaml: String, file: String, defaultName: String,
                             options: SpecParser.Options = SpecParser.Options()) throws -> PaperSpec {
        let top = try YAMLMapping(try YAMLDocument.compose(yaml: yaml, file: file, example: SpecParser.example), path: "", file: file)
        guard top.node("studies") != nil || top.node("sweep") == nil else {
            throw SpecError(file: file, line: top.mark?.line, column: top.mark?.column, keyPath: "studies",
                            message: "this is a single-experiment spec, not a list of studies. Fix: run it with `subbit run \(file)`, or put it under `studies:` with a `name`.")
        }
        try top.allowOnly(["experiment", "description", "studies"])
        let name = try top.string("experiment", default: defaultName)
        try SpecReader.checkFolderName(name, key: "experiment", in: top)
        let description = try top.string("description", default: "")
        guard let studiesNode = top.node("studies") else {
            throw top.missing("studies", hint: "[{name: fmnist-lenet5, dataset: fashion-mnist, …}]")
        }
        guard case .sequence(let items) = studiesNode, !items.isEmpty else {
            throw top.error("studies", studiesNode,
                            "expected a non-empty list of studies (`- name: …` entries), found \(YAMLMapping.kind(of: studiesNode)).")
        }
        let reader = SpecReader(file: file, options: options)
        var studies: [ExperimentSpec] = []
        var firstIndex: [String: Int] = [:]
        for (i, item) in items.enumerated() {
            let map = try YAMLMapping(item, path: "studies[\(i)]", file: file)
            let study = try reader.readStudy(map)
            if let earlier = firstIndex[study.name] {
                throw map.error("name", map.node("name")!,
                                "the study name '\(study.name)' is already used by studies[\(earlier)]; both would write Results/\(name)/\(study.name)/. Fix: rename one.")
            }
            firstIndex[study.name] = i
            studies.append(study)
        }
        return PaperSpec(name: name, description: description, studies: studies)
    }
}
