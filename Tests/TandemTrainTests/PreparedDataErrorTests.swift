import Foundation
import Testing
import TandemData
@testable import TandemTrain

/// A damaged prepared dataset is refused with a reason naming the directory and file as data,
/// and the reason crosses ranks unchanged.
@Suite struct PreparedDataErrorTests {
    /// Prepares iris in a temporary cache, applies `damage` to its column file, and returns the
    /// reason `PreparedTable.open` gives, with the dataset directory and the damaged file.
    func reason(_ damage: (inout Data?) -> Void) throws -> (PreparedDataError.Reason?, dir: String, file: String) {
        let t = PreparedDatasetTests()
        let (root, csv) = try t.irisCopy()
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = root.appendingPathComponent("cache").path
        let table = try t.obtain(try t.config(csv, cache: cache), root: cache).0
        let dir = try #require(table.directory)
        let name = table.manifest.columns[1].file
        let url = URL(fileURLWithPath: dir + "/" + name)
        var bytes: Data? = try Data(contentsOf: url)
        damage(&bytes)
        if let bytes { try bytes.write(to: url) } else { try FileManager.default.removeItem(at: url) }
        do {
            _ = try PreparedTable.open(dir, verification: .full)
            return (nil, dir, name)
        } catch {
            return ((error as? PreparedDataError)?.reason, dir, name)
        }
    }

    @Test func truncatedFileGivesBothSizes() throws {
        var size = 0
        let (reason, dir, file) = try reason { size = $0?.count ?? 0; $0?.removeLast(3) }
        #expect(reason == .wrongSize(directory: dir, file: file, bytes: size - 3, expected: size))
    }

    @Test func editedFileIsAChecksumMismatch() throws {
        let (reason, dir, file) = try reason { $0?[5] ^= 0x40 }
        #expect(reason == .checksumMismatch(directory: dir, file: file))
    }

    @Test func removedFileIsMissing() throws {
        let (reason, dir, file) = try reason { $0 = nil }
        #expect(reason == .missing(directory: dir, file: file))
        #expect(PreparedDataError(reason ?? .noDataset(rank: 0)).directory == dir)
    }

    /// Rank 0's reason reaches the other ranks as the same reason (not only the same text).
    @Test func reasonCrossesRanks() throws {
        let original = PreparedDataError(.wrongSize(directory: "/d", file: "columns/a.f4", bytes: 5, expected: 8))
        let outcome = try PreparationOutcome(bytes: PreparationOutcome(original).bytes)
        #expect(throws: original) { try outcome.rethrow() }
        let other = try PreparationOutcome(bytes: PreparationOutcome(CocoaError(.fileNoSuchFile), rank: 3).bytes)
        do { try other.rethrow() } catch let e as PreparedDataError {
            guard case .failedOnRank(let rank, _) = e.reason else { Issue.record("\(e.reason)"); return }
            #expect(rank == 3)
        }
    }
}
