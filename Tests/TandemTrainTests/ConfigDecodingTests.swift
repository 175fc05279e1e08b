import Foundation
import Testing
import TandemData
import TandemModel
import TandemOptim
import TandemTensor
@testable import TandemTrain

/// Decoding of valid configs: every field as written, and the defaults.
@Suite struct ConfigDecodingTests {
    @Test func digitsExampleDecodesAsWritten() throws {
        let c = try ConfigLoader.parse(Examples.digitsText(), source: Examples.digitsConfig)
        #expect(c.name == "digits")

        #expect(c.data.path == "examples/data/digits.csv")
        #expect(c.data.target == "digit")
        #expect(c.data.targetPath == nil)
        #expect(c.data.features == nil)
        #expect(c.data.columns.isEmpty)
        #expect(c.data.task == .classification)
        #expect(c.data.split.validation == 0.1)
        #expect(c.data.split.test == 0.2)
        #expect(c.data.split.method == .stratified)
        #expect(c.data.split.seed == 7)
        #expect(c.data.preprocess == PreprocessOptions(impute: .mean, scale: .standard, categorical: .onehot))

        #expect(c.model.kind == .mlp)
        #expect(c.model.hidden == [128])
        #expect(c.model.activation == .relu)
        #expect(c.model.dropout == 0.1)
        #expect(c.model.initScheme == .he)
        #expect(c.model.solver == .gradient)
        #expect(c.model.ridge == 0)

        let t = c.train
        #expect(t.epochs == 40)
        #expect(t.batchSize == 64)
        #expect(t.maxSteps == 0)
        #expect(t.optimizer.name == .adamw)
        #expect(t.optimizer.lr == 0.002)
        #expect(t.optimizer.weightDecay == 0.0001)
        #expect(t.optimizer.momentum == 0)
        #expect(t.optimizer.nesterov == false)
        #expect(t.optimizer.beta1 == 0.9 && t.optimizer.beta2 == 0.999 && t.optimizer.eps == 1e-8)
        #expect(t.schedule.name == .cosine)
        #expect(t.schedule.warmupSteps == 20)
        #expect(t.schedule.minLR == 0)
        #expect(t.clipGradNorm == 5.0)
        let es = try #require(t.earlyStopping)
        #expect(es.metric == "val_loss")
        #expect(es.patience == 8)
        #expect(es.minDelta == 0)
        #expect(es.restoreBest == true)
        #expect(t.seed == 42)
        #expect(t.evalEvery == 1)

        #expect(c.output.dir == "runs/digits")
    }

    @Test func loadReadsTheFile() throws {
        let viaLoad = try ConfigLoader.load(path: Examples.digitsConfig)
        let viaParse = try ConfigLoader.parse(Examples.digitsText(), source: "x")
        #expect(viaLoad == viaParse)
    }

    @Test func loadOfAMissingFileNamesIt() {
        #expect(throws: ConfigError("/nonexistent/tandem.yaml: no such config file")) {
            try ConfigLoader.load(path: "/nonexistent/tandem.yaml")
        }
    }

    @Test func minimalConfigGetsDefaults() throws {
        let c = try parse(minimalYAML)
        #expect(c.name == "run")
        #expect(c.output.dir == "runs/run")
        #expect(c.data.split.validation == 0.1 && c.data.split.test == 0.2 && c.data.split.seed == 7)
        #expect(c.data.split.method == .stratified, "classification defaults to a stratified split")
        #expect(c.data.preprocess == PreprocessOptions())
        #expect(c.model.kind == .mlp)
        #expect(c.model.hidden == [64])
        #expect(c.model.activation == .relu)
        #expect(c.model.dropout == 0)
        #expect(c.model.initScheme == .he)
        #expect(c.model.solver == .gradient)
        #expect(c.train.epochs == 100)
        #expect(c.train.batchSize == 32)
        #expect(c.train.maxSteps == 0)
        #expect(c.train.optimizer.name == .adamw)
        #expect(c.train.optimizer.lr == 0.003)
        #expect(c.train.optimizer.momentum == 0)
        #expect(c.train.optimizer.weightDecay == 0.01)
        #expect(c.train.schedule.name == .cosine && c.train.schedule.warmupSteps == 10)
        #expect(c.train.schedule.stepSize == 1000 && c.train.schedule.gamma == 0.1)
        #expect(c.train.clipGradNorm == 0)
        #expect(c.train.earlyStopping == EarlyStoppingConfig.standard)
        #expect(c.train.earlyStopping?.metric == "val_loss" && c.train.earlyStopping?.patience == 10 && c.train.earlyStopping?.restoreBest == true)
        #expect(c.train.seed == 42)
        #expect(c.train.evalEvery == 1)
    }

    @Test func parallelSectionDecodes() throws {
        let plain = try parse(minimalYAML)
        #expect(plain.parallel.tensor == 1 && plain.parallel.pipeline == 1 && plain.parallel.microBatches == 1)
        #expect(plain.parallel.schedule == .oneFOneB && plain.parallel.stages == nil && !plain.parallel.splitsModel)
        let c = try parse(minimalYAML + "\nparallel: {tensor: 2, pipeline: 2, micro_batches: 8, schedule: gpipe, stages: [[0], [1]]}")
        #expect(c.parallel.tensor == 2 && c.parallel.pipeline == 2 && c.parallel.microBatches == 8)
        #expect(c.parallel.schedule == .gpipe && c.parallel.stages == [[0], [1]] && c.parallel.splitsModel)
        #expect(plain.parallel.virtualStages == 1)
        #expect(try parse(minimalYAML + "\nparallel: {pipeline: 2, micro_batches: 4, virtual_stages: 2}").parallel.virtualStages == 2)
    }

    @Test func outputDirDefaultsFromName() throws {
        let c = try parse("name: iris-small\n" + minimalYAML)
        #expect(c.output.dir == "runs/iris-small")
    }

    @Test func regressionDefaultsToRandomSplit() throws {
        let c = try parse(minimalYAML.replacingOccurrences(of: "classification", with: "regression"))
        #expect(c.data.split.method == .random)
    }

    @Test func explicitSplitWithoutMethodKeepsTheTaskDefault() throws {
        // Absent `split:` gives a stratified split for classification; giving only a seed must
        // not silently switch the method to random (regression).
        let c = try parse(minimalYAML + "\n  split: {seed: 3}")
        #expect(c.data.split.seed == 3)
        #expect(c.data.split.method == .stratified)
        let r = try parse(minimalYAML.replacingOccurrences(of: "classification", with: "regression") + "\n  split: {seed: 3}")
        #expect(r.data.split.method == .random)
        let explicit = try parse(minimalYAML + "\n  split: {method: sequential}")
        #expect(explicit.data.split.method == .sequential)
    }

    @Test func optimizerDefaultsDependOnTheName() throws {
        let sgd = try parse(minimalYAML + "\ntrain: {optimizer: {name: sgd}}")
        #expect(sgd.train.optimizer.momentum == 0.9)
        #expect(sgd.train.optimizer.weightDecay == 0)
        let adamw = try parse(minimalYAML + "\ntrain: {optimizer: {name: adamw}}")
        #expect(adamw.train.optimizer.weightDecay == 0.01)
        #expect(adamw.train.optimizer.momentum == 0)
    }

    @Test func optimizerOptionsCarryTheSettings() throws {
        let c = try parse(minimalYAML + "\ntrain: {optimizer: {name: sgd, lr: 0.5, momentum: 0.8, nesterov: true, weight_decay: 0.01}}")
        let o = c.train.optimizer.options
        #expect(o == OptimizerOptions(kind: .sgd, momentum: 0.8, nesterov: true, weightDecay: 0.01))
    }

    @Test func initSchemeDefaultFollowsActivation() throws {
        let tanh = try parse(minimalYAML + "\nmodel: {activation: tanh}")
        #expect(tanh.model.initScheme == .xavier)
        let gelu = try parse(minimalYAML + "\nmodel: {activation: gelu}")
        #expect(gelu.model.initScheme == .he)
    }

    @Test func linearAndLogisticModelsHaveNoHiddenLayers() throws {
        let logistic = try parse(minimalYAML + "\nmodel: {kind: logistic}")
        #expect(logistic.model.hidden.isEmpty)
        let linear = try parse(minimalYAML.replacingOccurrences(of: "classification", with: "regression")
                               + "\nmodel: {kind: linear, solver: exact, ridge: 0.5}")
        #expect(linear.model.hidden.isEmpty)
        #expect(linear.model.solver == .exact)
        #expect(linear.model.ridge == 0.5)
    }

    @Test func npyTargetPathDefaultsTargetName() throws {
        let c = try parse("data: {path: x.npy, target_path: y.npy, task: regression}")
        #expect(c.data.targetPath == "y.npy")
        #expect(c.data.target == "target")
    }

    @Test func jsonParsesLikeTheEquivalentYAML() throws {
        let json = """
        {
          "name": "digits",
          "data": {
            "path": "examples/data/digits.csv", "target": "digit", "task": "classification",
            "split": {"validation": 0.1, "test": 0.2, "method": "stratified", "seed": 7},
            "preprocess": {"impute": "mean", "scale": "standard", "categorical": "onehot"}
          },
          "model": {"kind": "mlp", "hidden": [128], "activation": "relu", "dropout": 0.1, "init": "he"},
          "train": {
            "epochs": 40, "batch_size": 64,
            "optimizer": {"name": "adamw", "lr": 0.002, "weight_decay": 0.0001},
            "schedule": {"name": "cosine", "warmup_steps": 20},
            "clip_grad_norm": 5.0,
            "early_stopping": {"metric": "val_loss", "patience": 8},
            "seed": 42
          },
          "output": {"dir": "runs/digits"}
        }
        """
        let fromJSON = try ConfigLoader.parse(json, source: "digits.json")
        let fromYAML = try ConfigLoader.parse(Examples.digitsText(), source: Examples.digitsConfig)
        #expect(fromJSON == fromYAML)
    }
}

/// `model.norm` and the resnet keys: defaults and what they resolve to.
@Suite struct ModelShapeConfigTests {
    @Test func normDefaultsToNone() throws {
        #expect(try parse(minimalYAML).model.norm == .none)
        #expect(try parse(minimalYAML).model.residualShape == nil)
    }

    @Test func resnetDefaults() throws {
        let m = try parse(minimalYAML + "\nmodel: {kind: resnet, width: 48}").model
        #expect(m.residualShape == ResidualShape(blocks: 2, width: 48, hidden: 96))
        #expect(m.hidden.isEmpty)
        let yaml = try ConfigLoader.yaml(try parse(minimalYAML))
        #expect(!yaml.contains("blocks") && !yaml.contains("block_hidden"), "an mlp's resolved config names no resnet key")
    }
}
