import Foundation
import TandemFormats
import Testing
import TandemTensor
@testable import TandemArtifact

/// Damaged or hand-edited model directories are refused with the reason on load, before any
/// prediction (issue 18, findings 3 and 8): before, huge shapes trapped, NaN and changed weights
/// predicted silently, and a feature list that disagreed with the preprocessing loaded.
@Suite struct ModelArtifactTamperTests {
    /// Writes the fixture artifact, applies `damage` to its directory, and returns the load error.
    static func loadError(_ damage: (String) throws -> Void) throws -> String? {
        let (artifact, _, _) = try ModelArtifactTests.artifact()
        let dir = ModelArtifactTests.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try artifact.write(to: dir)
        try damage(dir)
        do {
            _ = try ModelArtifact.load(dir)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Rewrites model.json through `edit` (the JSON object, as written).
    static func editManifest(_ dir: String, _ edit: (inout [String: Any]) -> Void) throws {
        let url = URL(fileURLWithPath: dir + "/model.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: url)
    }

    /// Rewrites model.safetensors with `edit` applied to its tensors.
    static func editWeights(_ dir: String, _ edit: (inout [NamedTensor]) -> Void) throws {
        let url = URL(fileURLWithPath: dir + "/model.safetensors")
        var tensors = try SafeTensors.decode(Data(contentsOf: url)).tensors
        edit(&tensors)
        try SafeTensors.encode(tensors).write(to: url)
    }

    /// Replaces `old` by `new` in model.safetensors' header text (same length keeps the layout).
    static func editHeader(_ dir: String, _ old: String, _ new: String) throws {
        let url = URL(fileURLWithPath: dir + "/model.safetensors")
        let data = try Data(contentsOf: url)
        let n = Int(data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = String(decoding: data[8..<(8 + n)], as: UTF8.self)
        #expect(header.contains(old))
        var h = Array(header.replacingOccurrences(of: old, with: new).utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { out.append(contentsOf: $0) }
        try (out + h + data[(8 + n)...]).write(to: url)
    }

    @Test func nanWeightIsRefused() throws {
        let msg = try Self.loadError { dir in try Self.editWeights(dir) { $0[0].values[1] = .nan } }
        #expect(msg?.contains("value 1 is nan (weights must be finite)") == true, "\(msg ?? "loaded")")
    }

    @Test func changedWeightIsRefusedByTheRecordedChecksum() throws {
        let msg = try Self.loadError { dir in try Self.editWeights(dir) { $0[0].values[0] += 0.25 } }
        #expect(msg?.contains("model.json records params_sha256") == true, "\(msg ?? "loaded")")
    }

    @Test func hugeWidthInModelJSONIsRefusedBeforeAllocating() throws {
        for widths in [[4, 4_611_686_018_427_387_904, 3], [4, 1_000_000, 1_000_000, 3], [4, 0, 3]] {
            let msg = try Self.loadError { dir in try Self.editManifest(dir) { json in
                var arch = json["architecture"] as? [String: Any] ?? [:]
                arch["widths"] = widths
                json["architecture"] = arch
            } }
            #expect(msg?.contains("architecture.widths") == true, "\(widths): \(msg ?? "loaded")")
        }
    }

    @Test(arguments: [("[5]", "[4611686018427387904]", "shape entry 4611686018427387904 is not an integer"),
                      ("[5]", "[5.9]", "shape entry 5.9 is not an integer")])
    func badShapeInSafetensorsIsRefused(old: String, new: String, expected: String) throws {
        let msg = try Self.loadError { dir in try Self.editHeader(dir, "\"shape\":\(old)", "\"shape\":\(new)") }
        #expect(msg?.contains(expected) == true, "\(msg ?? "loaded")")
    }

    @Test func featureListDisagreeingWithThePreprocessingIsRefused() throws {
        let msg = try Self.loadError { dir in try Self.editManifest(dir) { json in
            var features = json["features"] as? [[String: Any]] ?? []
            features[0]["name"] = "renamed"
            json["features"] = features
        } }
        #expect(msg?.contains("features [renamed, color] differ from the preprocessing's [a, color]") == true, "\(msg ?? "loaded")")
    }

    /// In a model without preprocessing_sha256 (exported by an older tandem); with it, the
    /// checksum refuses the edit first (PreprocessingChecksumTests).
    @Test func nonFiniteScalingIsRefused() throws {
        let msg = try Self.loadError { dir in try Self.editManifest(dir) { json in
            var lineage = json["lineage"] as? [String: Any] ?? [:]
            lineage["preprocessing_sha256"] = nil
            json["lineage"] = lineage
            var pre = json["preprocessing"] as? [String: Any] ?? [:]
            var features = pre["features"] as? [[String: Any]] ?? []
            features[0]["divisor"] = 0
            pre["features"] = features
            json["preprocessing"] = pre
        } }
        #expect(msg?.contains("preprocessing of 'a' has fill") == true, "\(msg ?? "loaded")")
    }

    /// Edited `quantiles` (unsorted, too few) and target scaling (std 0) are refused on load: by
    /// the checksum, and by the values' own checks in a model without preprocessing_sha256.
    @Test(arguments: ["unsorted", "single", "std0"])
    func badQuantilesOrTargetScalingAreRefused(_ damage: String) throws {
        for keepChecksum in [true, false] {
            let msg = try Self.loadError { dir in try Self.editManifest(dir) { json in
                if !keepChecksum {
                    var lineage = json["lineage"] as? [String: Any] ?? [:]
                    lineage["preprocessing_sha256"] = nil
                    json["lineage"] = lineage
                }
                var pre = json["preprocessing"] as? [String: Any] ?? [:]
                var features = pre["features"] as? [[String: Any]] ?? []
                switch damage {
                case "unsorted": features[0]["quantiles"] = [1.0, 3.0, 2.0]
                case "single": features[0]["quantiles"] = [1.0]
                default: pre["target"] = ["mean": 1.0, "std": 0.0]
                }
                pre["features"] = features
                json["preprocessing"] = pre
            } }
            let want = keepChecksum ? "the preprocessing values were changed or damaged"
                : damage == "std0" ? "the target scaling has mean 1.0, std 0.0" : "the quantiles of 'a' must be at least 2 finite non-decreasing values"
            #expect(msg?.contains(want) == true, "\(msg ?? "loaded")")
        }
    }
}
