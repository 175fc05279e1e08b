import Foundation
import TandemData
import TandemFormats
import TandemModel
import TandemTensor

/// An exported model directory: `model.safetensors` (weights `layers.i.weight` [out, in] and
/// `layers.i.bias` [out], float32), `model.json` (`ArtifactManifest`) and `model.onnx` (the same
/// model with its preprocessing as one ONNX graph, `ONNXModel`; written, not read). Loading validates
/// every size and offset and the shapes against the manifest before anything is used; it runs
/// no code from the artifact and needs no MPI.
public struct ModelArtifact: Sendable {
    public var manifest: ArtifactManifest
    public var tensors: [NamedTensor]

    public init(manifest: ArtifactManifest, tensors: [NamedTensor]) {
        self.manifest = manifest
        self.tensors = tensors
    }

    /// Writes the artifact into `directory` (created if needed), each file atomically; `model.json`
    /// gets the `onnx` interface of the `model.onnx` written next to it (also for older manifests).
    public func write(to directory: String) throws {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        var manifest = self.manifest
        manifest.onnx = ONNXInterface(manifest: manifest)
        let onnx = try ONNXModel(artifact: self).encoded()
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try SafeTensors.encode(tensors, metadata: ["format": "pt", "params_sha256": manifest.lineage.paramsSHA256])
                .write(to: url.appendingPathComponent("model.safetensors"), options: .atomic)
            try onnx.write(to: url.appendingPathComponent(ONNXModel.fileName), options: .atomic)
            try encoder.encode(manifest).write(to: url.appendingPathComponent("model.json"), options: .atomic)
        } catch let e as ArtifactError {
            throw e
        } catch {
            throw ArtifactError(.cannotWrite(directory: directory, detail: error.localizedDescription))
        }
    }

    /// Reads and validates the artifact in `directory` (`validate`, the preprocessing against
    /// `preprocessing_sha256`, then the weights against `params_sha256`); throws an
    /// `ArtifactError` naming the file and what is wrong. A model exported before
    /// `preprocessing_sha256` existed loads, and `warn` says its preprocessing is not verified.
    public static func load(_ directory: String, warn: (String) -> Void = ModelArtifact.printWarning) throws -> ModelArtifact {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        func read(_ name: String) throws -> Data {
            guard let d = FileManager.default.contents(atPath: url.appendingPathComponent(name).path) else {
                throw ArtifactError(.missingFile(directory: directory, file: name))
            }
            return d
        }
        let manifest: ArtifactManifest
        do { manifest = try JSONDecoder().decode(ArtifactManifest.self, from: try read("model.json")) } catch let e as ArtifactError {
            throw e
        } catch {
            throw ArtifactError(.invalidManifest(path: "\(directory)/model.json", detail: "\(error)"))
        }
        guard manifest.formatVersion == ArtifactManifest.currentFormat else {
            throw ArtifactError(.unsupportedFormat(path: "\(directory)/model.json", version: manifest.formatVersion, supported: ArtifactManifest.currentFormat))
        }
        // First: an edited preprocessing is named as such, not by what the edit broke.
        try checkPreprocessing(manifest, directory: directory, warn: warn)
        let tensors: [NamedTensor]
        let weights = try read("model.safetensors")
        do { tensors = try SafeTensors.decode(weights).tensors } catch let e as SafeTensorsError {
            throw ArtifactError(.invalidWeights(path: "\(directory)/model.safetensors", e))
        }
        if let onnx = manifest.onnx, onnx.inputColumns != manifest.encodedInputs {
            throw ArtifactError(.invalidField(file: "\(directory)/model.json", field: "onnx.input_columns", problem: "onnx.input_columns (\(onnx.inputColumns.count) columns) differ from encoded_inputs (\(manifest.encodedInputs.count))"))
        }
        try validate(manifest, tensors, directory: directory)
        let artifact = ModelArtifact(manifest: manifest, tensors: tensors)
        try checkParameters(try artifact.network(), manifest, directory: directory)
        return artifact
    }

    /// The network spec the manifest describes; throws an `ArtifactError` naming the field that does not describe one.
    public func spec() throws -> NetworkSpec {
        let a = manifest.architecture
        do {
            return try NetworkSpec.recorded(kind: a.kind, widths: a.widths, activation: Activation(rawValue: a.activation) ?? .relu,
                                            norm: a.norm, blocks: a.blocks, blockHidden: a.blockHidden, embedding: a.embedding)
        } catch {
            throw ArtifactError(.invalidField(file: "model.json", field: "architecture", problem: "architecture: \(error)"))
        }
    }

    /// Builds the network with these weights; throws when shapes do not match the manifest.
    public func network() throws -> Network {
        let m = manifest
        guard m.architecture.widths.count >= 2 else { throw ArtifactError(.invalidField(file: "model.json", field: "architecture.widths", problem: "architecture.widths needs at least inputs and outputs")) }
        guard Activation(rawValue: m.architecture.activation) != nil else {
            throw ArtifactError(.invalidField(file: "model.json", field: "architecture.activation", problem: "unknown activation '\(m.architecture.activation)'"))
        }
        let inputs = m.architecture.embedding?.inputs ?? m.architecture.widths.first
        guard inputs == m.preprocessing.outputWidth else {
            throw ArtifactError(.invalidField(file: "model.json", field: "architecture.widths", problem: "the preprocessing yields \(m.preprocessing.outputWidth) inputs but the network takes \(inputs ?? 0)"))
        }
        let expectedOutputs = m.task == .regression ? 1 : ((m.classes?.count ?? 0) == 2 ? 1 : (m.classes?.count ?? 0))
        guard m.architecture.widths.last == expectedOutputs else {
            throw ArtifactError(.invalidField(file: "model.json", field: "architecture.widths", problem: "\(m.architecture.widths.last ?? 0) outputs do not fit a \(m.task.rawValue) model with \(m.classes?.count ?? 0) classes"))
        }
        let net: Network
        let spec = try spec()
        do { net = try Network(spec: spec) } catch { throw ArtifactError(.invalidField(file: "model.json", field: "architecture", problem: "\(error)")) }
        do { try net.arena.load(tensors) } catch { throw ArtifactError(.weightsDoNotFit(detail: "\(error)")) }
        return net
    }
}
