import Testing
import TandemMetrics

@Suite struct SplitMetricTests {
    @Test func parsesQualifiedNames() throws {
        let v = try #require(SplitMetric(qualified: "val_accuracy"))
        #expect(v.split == .validation && v.name == "accuracy" && v.direction == .maximize)
        let t = try #require(SplitMetric(qualified: "train_log_loss"))
        #expect(t.split == .train && t.name == "log_loss" && t.direction == .minimize)
        #expect(v.qualified == "val_accuracy" && t.qualified == "train_log_loss")
    }

    /// Only `val_` and `train_` name a split: the old cut at a fixed width took `test__loss` for
    /// the train loss.
    @Test(arguments: ["test__loss", "loss", "val_", "train_", "", "validation_loss"])
    func rejectsOtherText(_ text: String) {
        #expect(SplitMetric(qualified: text) == nil)
    }

    @Test func unknownNameHasNoDirection() throws {
        #expect(try #require(SplitMetric(qualified: "val_bogus")).direction == nil)
    }
}
