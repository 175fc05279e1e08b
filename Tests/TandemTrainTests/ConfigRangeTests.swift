import Testing
@testable import TandemTrain

/// Every numeric key has a valid range (issue 18, finding 5): values that trapped on overflow or
/// allocation, or trained on garbage with exit 0, are errors naming the key and the range.
@Suite struct ConfigRangeTests {
    static let cases: [(section: String, key: String, shown: String)] = [
        ("train: {epochs: 9223372036854775807}", "train.epochs", "9223372036854775807 is outside the valid range 1...1000000"),
        ("train: {batch_size: 9223372036854775807}", "train.batch_size", "outside the valid range 1...16777216"),
        ("train: {batch_size: 1000000000000}", "train.batch_size", "1000000000000 is outside"),
        ("train: {max_steps: 9223372036854775807}", "train.max_steps", "outside the valid range 0...1000000000000"),
        ("parallel: {bucket_mib: 1e19}", "parallel.bucket_mib", "is outside the valid range (0.0, 4096.0]"),
        ("parallel: {first_bucket_mib: .inf}", "parallel.first_bucket_mib", "inf is outside"),
        ("model: {hidden: [9223372036854775807]}", "model.hidden[0]", "outside the valid range 1...1048576"),
        ("model: {hidden: [2147483648]}", "model.hidden[0]", "2147483648 is outside"),
        ("train: {schedule: {name: cosine, min_lr: -1}}", "train.schedule.min_lr", "-1.0 is outside the valid range: a finite number >= 0"),
        ("train: {schedule: {name: step, gamma: -1}}", "train.schedule.gamma", "-1.0 is outside the valid range (0.0, 1.0]"),
        ("train: {optimizer: {eps: -.inf}}", "train.optimizer.eps", "-inf is outside the valid range (0.0, 1.0]"),
        ("train: {optimizer: {eps: -1e-3}}", "train.optimizer.eps", "-0.001 is outside"),
        ("train: {clip_grad_norm: .nan}", "train.clip_grad_norm", "nan is outside the valid range: a finite number >= 0"),
        ("train: {optimizer: {lr: 0.01}, schedule: {name: cosine, min_lr: 0.1}}", "train.schedule.min_lr", "0.1 is above train.optimizer.lr 0.01"),
        ("train: {optimizer: {lr: .inf}}", "train.optimizer.lr", "must be a positive number"),
        ("train: {optimizer: {weight_decay: .inf}}", "train.optimizer.weight_decay", "inf is outside"),
        ("train: {collective_timeout: .inf}", "train.collective_timeout", "inf is outside"),
        ("checkpoint: {every_steps: 9223372036854775807}", "checkpoint.every_steps", "outside the valid range 0...1000000000000"),
        ("train: {early_stopping: {min_delta: .nan}}", "train.early_stopping.min_delta", "nan is outside"),
        ("model: {ridge: .nan}", "model.ridge", "nan is outside"),
        ("parallel: {micro_batches: 9223372036854775807}", "parallel.micro_batches", "outside the valid range 1...16777216"),
        ("parallel: {virtual_stages: 0}", "parallel.virtual_stages", "0 is outside the valid range 1...65536"),
    ]

    @Test(arguments: 0..<cases.count)
    func outOfRangeValueNamesKeyAndRange(index: Int) {
        let c = Self.cases[index]
        #expect {
            _ = try ConfigLoader.parse(minimalYAML + "\n" + c.section, source: "job.yaml")
        } throws: { error in
            let text = "\(error)"
            return text.contains("job.yaml: \(c.key): ") && text.contains(c.shown)
        }
    }

    @Test func fillValueNaNIsAConfigError() {
        #expect(throws: ConfigError.self) {
            _ = try ConfigLoader.parse(minimalYAML + "\n  preprocess: {impute: constant, fill_value: .nan}", source: "job.yaml")
        }
    }

    @Test func boundsThemselvesAreAccepted() throws {
        let c = try ConfigLoader.parse(minimalYAML + "\ntrain: {epochs: 1000000, batch_size: 16777216, clip_grad_norm: 0, schedule: {name: step, gamma: 1}}\nmodel: {hidden: [1048576]}", source: "job.yaml")
        #expect(c.train.epochs == 1_000_000 && c.model.hidden == [1_048_576])
    }
}
