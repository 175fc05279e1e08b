import Foundation
import TandemFormats
import TandemModel
import TandemTensor

extension ModelArtifact {
    /// Checks what a checksum-free file can get wrong before anything is built from it: the
    /// widths give (with overflow-checked arithmetic) exactly as many parameters as the weights
    /// file holds, so no allocation is sized from model.json alone; the feature list, encoded
    /// inputs and preprocessing agree; every weight and preprocessing number is finite.
    /// `checkParameters` (after the network is built) compares the weights with the recorded
    /// `params_sha256`. Throws an `ArtifactError` naming the file and field.
    static func validate(_ m: ArtifactManifest, _ tensors: [NamedTensor], directory: String) throws {
        let json = "\(directory)/model.json"
        let w = m.architecture.widths
        guard w.count >= 2, w.allSatisfy({ (1...SafeTensors.maxCount).contains($0) }) else {
            throw ArtifactError(.invalidField(file: json, field: "architecture.widths", problem: "architecture.widths \(w) must list at least inputs and outputs, each in 1...\(SafeTensors.maxCount)"))
        }
        let a = m.architecture
        let spec: NetworkSpec
        do {
            spec = try NetworkSpec.recorded(kind: a.kind, widths: w, norm: a.norm, blocks: a.blocks, blockHidden: a.blockHidden, embedding: a.embedding)
        } catch {
            throw ArtifactError(.invalidField(file: json, field: "architecture", problem: "architecture: \(error)"))
        }
        guard let specs = spec.checkedParameterSpecs(limit: SafeTensors.maxCount) else {
            throw ArtifactError(.invalidField(file: json, field: "architecture.widths", problem: "architecture.widths \(w) overflow the parameter count"))
        }
        let parameters = specs.reduce(0) { $0 + $1.shape.reduce(1, *) }
        let stored = tensors.reduce(0) { $0 + $1.values.count }   // bounded by the file's size
        guard parameters == stored else {
            throw ArtifactError(.invalidField(file: json, field: "architecture.widths", problem: "architecture.widths \(w) need \(parameters) parameters but model.safetensors holds \(stored)"))
        }
        for t in tensors {
            if let i = t.values.firstIndex(where: { !$0.isFinite }) {
                throw ArtifactError(.nonFiniteWeight(path: "\(directory)/model.safetensors", tensor: t.name, index: i, value: t.values[i]))
            }
        }
        let features = m.preprocessing.features
        guard m.features == features.map({ ArtifactManifest.Feature(name: $0.name, kind: $0.kind) }) else {
            throw ArtifactError(.invalidField(file: json, field: "features", problem: "features [\(m.features.map(\.name).joined(separator: ", "))] differ from the preprocessing's [\(features.map(\.name).joined(separator: ", "))]"))
        }
        guard Set(features.map(\.name)).count == features.count else { throw ArtifactError(.invalidField(file: json, field: "features", problem: "a feature name is listed twice")) }
        if let e = a.embedding, !e.fits(m.preprocessing) {
            throw ArtifactError(.invalidField(file: json, field: "architecture.embedding", problem: "architecture.embedding (columns \(e.columns), levels \(e.levels)) does not fit the preprocessing's embedded categorical (or numeric) features"))
        }
        if a.embedding == nil && m.preprocessing.features.contains(where: \.isEmbedded) {
            throw ArtifactError(.invalidField(file: json, field: "architecture.embedding", problem: "the preprocessing embeds categorical features but architecture.embedding is absent"))
        }
        guard m.encodedInputs == m.preprocessing.outputNames else {
            throw ArtifactError(.invalidField(file: json, field: "encoded_inputs", problem: "encoded_inputs (\(m.encodedInputs.count) columns) differ from the preprocessing's outputs (\(m.preprocessing.outputNames.count))"))
        }
        for f in features where f.kind == .numeric {
            guard f.fill.isFinite, f.offset.isFinite, f.divisor.isFinite, f.divisor != 0 else {
                throw ArtifactError(.invalidField(file: json, field: "preprocessing", problem: "preprocessing of '\(f.name)' has fill \(f.fill), offset \(f.offset), divisor \(f.divisor) (each must be finite, divisor non-zero)"))
            }
        }
        var gridLength: Int?
        for f in features where f.kind == .numeric {
            guard let q = f.quantiles else { continue }
            guard q.count >= 2, q.count == (gridLength ?? q.count), q.allSatisfy(\.isFinite), zip(q, q.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                throw ArtifactError(.invalidField(file: json, field: "preprocessing", problem: "the quantiles of '\(f.name)' must be at least 2 finite non-decreasing values, as many as every other feature's (\(q.count) given)"))
            }
            gridLength = q.count
        }
        if let t = m.preprocessing.target, !(t.mean.isFinite && t.std.isFinite && t.std != 0 && Float(t.std).isFinite && Float(t.mean).isFinite && Float(t.std) != 0) {
            throw ArtifactError(.invalidField(file: json, field: "preprocessing.target", problem: "the target scaling has mean \(t.mean), std \(t.std) (each must be a finite float32, std non-zero)"))
        }
        for f in features where f.kind == .categorical {
            guard !f.categories.isEmpty, Set(f.categories).count == f.categories.count else {
                throw ArtifactError(.invalidField(file: json, field: "preprocessing", problem: "categorical feature '\(f.name)' needs distinct categories (has \(f.categories.count))"))
            }
        }
        if let classes = m.classes, Set(classes).count != classes.count { throw ArtifactError(.invalidField(file: json, field: "classes", problem: "a class label is listed twice")) }
    }

    /// Compares the preprocessing with `lineage.preprocessing_sha256`, so edited imputation,
    /// scaling or category values are refused instead of predicting differently. Without the
    /// field (a model exported by an older tandem) `warn` says the preprocessing is not verified.
    static func checkPreprocessing(_ m: ArtifactManifest, directory: String, warn: (String) -> Void) throws {
        guard let recorded = m.lineage.preprocessingSHA256 else {
            warn("\(directory)/model.json records no lineage.preprocessing_sha256 (exported by an older tandem), so its preprocessing values are not verified; export the run again to add it")
            return
        }
        let sha = ArtifactManifest.preprocessingSHA256(m.preprocessing) ?? "(not encodable)"
        guard sha == recorded else {
            throw ArtifactError(.checksumMismatch(path: "\(directory)/model.json", field: "lineage.preprocessing_sha256", computed: sha, recorded: recorded))
        }
    }

    /// Prints `warning: MESSAGE` to standard error (the default `warn` of `load`).
    public static func printWarning(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    /// Compares the loaded weights with `lineage.params_sha256` (SHA-256 of the float32
    /// parameters in layer order), so changed values are refused instead of predicting differently.
    static func checkParameters(_ net: Network, _ m: ArtifactManifest, directory: String) throws {
        let sha = net.arena.sha256
        guard sha == m.lineage.paramsSHA256 else {
            throw ArtifactError(.checksumMismatch(path: "\(directory)/model.safetensors", field: "params_sha256", computed: sha, recorded: m.lineage.paramsSHA256))
        }
    }
}
