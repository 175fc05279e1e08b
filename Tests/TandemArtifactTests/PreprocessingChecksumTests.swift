import Foundation
import Testing
@testable import TandemArtifact

/// model.json records the SHA-256 of its preprocessing; loading refuses an edited one and warns
/// about a model exported before the field existed.
@Suite struct PreprocessingChecksumTests {
    /// Writes the test artifact, rewrites model.json's text through `edit`, and loads it,
    /// collecting warnings.
    func load(editing edit: (String) -> String) throws -> (Result<ModelArtifact, any Error>, [String]) {
        let (artifact, _, _) = try ModelArtifactTests.artifact()
        let dir = ModelArtifactTests.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try artifact.write(to: dir)
        let path = dir + "/model.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try edit(text).write(toFile: path, atomically: true, encoding: .utf8)
        var warnings: [String] = []
        let result = Result { try ModelArtifact.load(dir) { warnings.append($0) } }
        return (result, warnings)
    }

    @Test func exportRecordsItAndLoadVerifiesIt() throws {
        let (artifact, _, _) = try ModelArtifactTests.artifact()
        let sha = try #require(artifact.manifest.lineage.preprocessingSHA256)
        #expect(sha == ArtifactManifest.preprocessingSHA256(artifact.manifest.preprocessing) && sha.count == 64)
        let (loaded, warnings) = try load { $0 }
        #expect(try loaded.get().manifest.lineage.preprocessingSHA256 == sha)
        #expect(warnings.isEmpty)
    }

    /// An edited imputation value, scale or category list would predict differently, silently.
    @Test(arguments: [("\"red\"", "\"rose\""), ("\"blue\"", "\"azure\"")])
    func editedPreprocessingIsRefused(_ from: String, _ to: String) throws {
        let (loaded, _) = try load { text in
            // Only inside "preprocessing", not the drift or feature lists.
            guard let start = text.range(of: "\"preprocessing\" : {"), let hit = text.range(of: from, range: start.upperBound..<text.endIndex) else { return text }
            return text.replacingCharacters(in: hit, with: to)
        }
        guard case .failure(let error) = loaded else { Issue.record("an edited model loaded"); return }
        #expect("\(error)".contains("model.json: the preprocessing's SHA-256 is"), "\(error)")
        #expect("\(error)".contains("lineage.preprocessing_sha256 records"), "\(error)")
    }

    @Test func editedNumberIsRefused() throws {
        let (artifact, _, _) = try ModelArtifactTests.artifact()
        let divisor = try #require(artifact.manifest.preprocessing.features.first { $0.name == "a" }?.divisor)
        var edited = artifact.manifest
        edited.preprocessing.features[0].divisor = divisor * 2
        #expect(ArtifactManifest.preprocessingSHA256(edited.preprocessing) != artifact.manifest.lineage.preprocessingSHA256)
    }

    @Test func olderModelWithoutTheFieldLoadsWithAWarning() throws {
        let (loaded, warnings) = try load { text in
            text.replacingOccurrences(of: #"\"preprocessing_sha256\" : \"[0-9a-f]{64}\",?"#, with: "", options: .regularExpression)
        }
        let artifact = try loaded.get()
        #expect(artifact.manifest.lineage.preprocessingSHA256 == nil)
        #expect(warnings.count == 1 && warnings[0].contains("records no lineage.preprocessing_sha256"), "\(warnings)")
    }
}
