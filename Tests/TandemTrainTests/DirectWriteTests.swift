import Foundation
import TandemFormats
import Testing
@testable import TandemTrain

/// Checkpoint tensor files are written from the snapshot image with direct I/O where the file
/// system takes it, and through the page cache where it does not: the same bytes either way.
@Suite struct DirectWriteTests {
    static func image(floats: Int) -> SafeTensorsImage {
        SafeTensorsImage([NamedTensor(name: "w", shape: [floats], values: (0..<floats).map { Float($0 % 977) - 3.25 }),
                          NamedTensor(name: "b", shape: [3], values: [1, 2, 3])], metadata: ["format": "tandem-checkpoint"])
    }

    static func directory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-direct-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func writesExactlyTheImageDirectAndBuffered() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Sizes around the 4096-byte alignment: the file is truncated to the image's length.
        for floats in [1, 1000, 1017, 262_144, 300_001] {
            let image = Self.image(floats: floats)
            for direct in [true, false] {
                let path = dir.appendingPathComponent("t-\(floats)-\(direct).safetensors").path
                let used = try DirectWrite.write(image, to: path, direct: direct)
                if !direct { #expect(!used) }
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                #expect(data == Data(image.bytes), "\(floats) floats, direct \(direct) (used \(used))")
            }
        }
    }

    /// An existing longer file is replaced, not overwritten in part.
    @Test func replacesALongerFile() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.safetensors").path
        try DirectWrite.write(Self.image(floats: 50_000), to: path)
        let small = Self.image(floats: 10)
        try DirectWrite.write(small, to: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(small.bytes))
    }

    @Test func aMissingDirectoryNamesThePath() throws {
        let path = "/nonexistent-\(UUID().uuidString)/t.safetensors"
        let error = try #require(throws: CheckpointError.self) { try DirectWrite.write(Self.image(floats: 4), to: path) }
        #expect(error.description.contains("cannot create \(path)") && error.description.contains("No such file"))
    }
}
