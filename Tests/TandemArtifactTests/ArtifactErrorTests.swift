import Foundation
import Testing
import TandemTensor
@testable import TandemArtifact

/// A model directory that cannot be loaded is refused with a reason naming the file, field or
/// tensor as data.
@Suite struct ArtifactErrorTests {
    /// Writes the fixture artifact, applies `damage`, and returns the load error's reason.
    static func reason(_ damage: (String) throws -> Void) throws -> (ArtifactError.Reason?, dir: String) {
        let (artifact, _, _) = try ModelArtifactTests.artifact()
        let dir = ModelArtifactTests.directory()
        try artifact.write(to: dir)
        try damage(dir)
        do {
            _ = try ModelArtifact.load(dir)
            return (nil, dir)
        } catch {
            return ((error as? ArtifactError)?.reason, dir)
        }
    }

    @Test(arguments: ["model.json", "model.safetensors"])
    func aMissingFileIsNamed(file: String) throws {
        let (reason, dir) = try Self.reason { try FileManager.default.removeItem(atPath: $0 + "/" + file) }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(reason == .missingFile(directory: dir, file: file))
    }

    @Test func damagedWeightsCarryTheSafeTensorsReason() throws {
        let (reason, dir) = try Self.reason { dir in
            let url = URL(fileURLWithPath: dir + "/model.safetensors")
            try Data(try Data(contentsOf: url).dropLast(4)).write(to: url)
        }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard case .invalidWeights(let path, let inner) = reason else {
            Issue.record("expected invalidWeights, got \(String(describing: reason))")
            return
        }
        #expect(path == dir + "/model.safetensors")
        #expect(inner.tensor != nil)
    }

    @Test func aNaNWeightNamesTheTensorAndIndex() throws {
        let (reason, dir) = try Self.reason { dir in try ModelArtifactTamperTests.editWeights(dir) { $0[0].values[1] = .nan } }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard case .nonFiniteWeight(_, let tensor, let index, let value) = reason else {
            Issue.record("expected nonFiniteWeight, got \(String(describing: reason))")
            return
        }
        #expect(!tensor.isEmpty && index == 1 && value.isNaN)
    }

    @Test func aDuplicateClassNamesTheField() throws {
        let (reason, dir) = try Self.reason { dir in
            try ModelArtifactTamperTests.editManifest(dir) { $0["classes"] = ["p", "p", "r"] }
        }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard case .invalidField(_, let field, _) = reason else {
            Issue.record("expected invalidField, got \(String(describing: reason))")
            return
        }
        #expect(field == "classes")
    }
}
