import Testing
@testable import TandemTrain

/// `--set key.path=value` overrides, applied before decoding.
@Suite struct ConfigOverrideTests {
    func digits(_ overrides: [String]) throws -> JobConfig {
        try ConfigLoader.parse(Examples.digitsText(), source: "digits.yaml", overrides: overrides)
    }

    @Test func numberOverrideKeepsSiblings() throws {
        let c = try digits(["train.optimizer.lr=0.01"])
        #expect(c.train.optimizer.lr == 0.01)
        #expect(c.train.optimizer.name == .adamw)
        #expect(c.train.optimizer.weightDecay == 0.0001)
        #expect(c.train.epochs == 40)
    }

    @Test func listOverride() throws {
        let c = try digits(["model.hidden=[32,16]"])
        #expect(c.model.hidden == [32, 16])
        #expect(c.model.dropout == 0.1)
    }

    @Test func overrideCreatesAbsentSections() throws {
        let c = try parse(minimalYAML, overrides: ["train.early_stopping.patience=3"])
        let es = try #require(c.train.earlyStopping)
        #expect(es.patience == 3)
        #expect(es.metric == "val_loss")
        #expect(c.train.epochs == 100)
    }

    @Test func overrideInsideAnExistingSectionKeepsItsKeys() throws {
        let c = try digits(["train.early_stopping.patience=3"])
        let es = try #require(c.train.earlyStopping)
        #expect(es.patience == 3)
        #expect(es.metric == "val_loss")
    }

    @Test func nameOverride() throws {
        let c = try digits(["name=foo"])
        #expect(c.name == "foo")
        #expect(c.output.dir == "runs/digits", "an explicit output.dir is kept")
        let m = try parse(minimalYAML, overrides: ["name=foo"])
        #expect(m.output.dir == "runs/foo")
    }

    @Test func enumOverrideAppliesNameDependentDefaults() throws {
        let c = try digits(["train.optimizer.name=sgd"])
        #expect(c.train.optimizer.name == .sgd)
        #expect(c.train.optimizer.momentum == 0.9)
    }

    @Test func laterOverrideWins() throws {
        let c = try digits(["train.epochs=5", "train.epochs=7"])
        #expect(c.train.epochs == 7)
    }

    @Test func mappingOverrideReplacesTheSection() throws {
        let c = try digits(["train.schedule={name: linear, min_lr: 0.0001}"])
        #expect(c.train.schedule.name == .linear)
        #expect(c.train.schedule.minLR == 0.0001)
        #expect(c.train.schedule.warmupSteps == 10, "the whole mapping is replaced (digits.yaml has 20)")
    }

    @Test func numericLookingStringOverride() throws {
        let c = try digits(["data.target=7"])
        #expect(c.data.target == "7")
    }

    @Test(arguments: [
        ("train.lrr=1", "unknown key 'train.lrr'"),
        ("train.optimizer.lrr=1", "did you mean 'lr'?"),
        ("train.epochs=abc", "train.epochs: expected an integer"),
        ("train.epochs=0", "train.epochs: 0 must be at least 1"),
        ("model.activation=swish", "model.activation: 'swish'"),
    ])
    func badOverrideValuesAreReportedLikeFileErrors(_ override: String, _ fragment: String) throws {
        let error = try #require(configError(minimalYAML, overrides: [override]))
        #expect(error.description.contains(fragment), "\(error)")
    }

    @Test(arguments: [
        ("train.epochs", "--set 'train.epochs': expected key.path=value"),
        ("=3", "--set '=3': expected key.path=value"),
        ("model.hidden=[32,", "the value is not valid YAML"),
    ])
    func malformedOverride(_ override: String, _ fragment: String) throws {
        let error = try #require(configError(minimalYAML, overrides: [override]))
        #expect(error.description.contains(fragment), "\(error)")
    }

    @Test(arguments: ["train..epochs=3", ".train.epochs=3", "train.epochs.=3"])
    func emptyKeyInThePathIsAnError(_ override: String) throws {
        // Regression: `split(separator: ".")` dropped empty pieces, so `train..epochs=3` was
        // silently read as `train.epochs=3`.
        let error = try #require(configError(minimalYAML, overrides: [override]))
        #expect(error.description.contains("empty key"), "\(error)")
    }

    @Test func valueMayContainEqualsSigns() throws {
        let c = try parse(minimalYAML, overrides: ["data.path=runs/a=b.csv"])
        #expect(c.data.path == "runs/a=b.csv")
    }

    @Test func overrideIntoAScalarIsAnError() throws {
        let error = try #require(configError(try Examples.digitsText(), overrides: ["train.epochs.x=1"]))
        #expect(error.description.contains("train.epochs.x"), "\(error)")
        #expect(error.description.contains("not a mapping"), "\(error)")
    }

    @Test func overrideIntoAnAbsentScalarFailsAtDecoding() throws {
        // `train.epochs` is absent, so the override creates a mapping where a number belongs.
        let error = try #require(configError(minimalYAML, overrides: ["train.epochs.x=1"]))
        #expect(error.description.contains("train.epochs"), "\(error)")
    }
}
