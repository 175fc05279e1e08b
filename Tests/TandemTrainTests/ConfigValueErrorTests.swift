import Testing
@testable import TandemTrain

/// Bad values and missing or inconsistent settings, each named by its key path.
@Suite struct ConfigValueErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let label: String
        /// The whole config text.
        let yaml: String
        /// Fragments the message must contain.
        let expected: [String]
        var testDescription: String { label }
    }

    static let regressionYAML = minimalYAML.replacingOccurrences(of: "classification", with: "regression")

    static let cases: [Case] = [
        Case(label: "optimizer name", yaml: minimalYAML + "\ntrain: {optimizer: {name: adamx}}",
             expected: ["train.optimizer.name", "'adamx'", "sgd, adam, adamw"]),
        Case(label: "activation", yaml: minimalYAML + "\nmodel: {activation: swish}",
             expected: ["model.activation", "'swish'", "relu, tanh, sigmoid, gelu, identity"]),
        Case(label: "task", yaml: "data: {path: d.csv, target: y, task: clustering}",
             expected: ["data.task", "'clustering'", "classification", "regression"]),
        Case(label: "model kind", yaml: minimalYAML + "\nmodel: {kind: cnn}", expected: ["model.kind", "'cnn'", "mlp, logistic, linear, resnet"]),
        Case(label: "norm", yaml: minimalYAML + "\nmodel: {norm: group}", expected: ["model.norm", "'group'", "none, batch, layer"]),
        Case(label: "norm without hidden layers", yaml: minimalYAML + "\nmodel: {kind: logistic, norm: layer}", expected: ["model.norm", "logistic"]),
        Case(label: "resnet key on an mlp", yaml: minimalYAML + "\nmodel: {hidden: [8], block_hidden: 16}",
             expected: ["model.block_hidden", "kind: resnet only", "kind: mlp"]),
        Case(label: "hidden on a resnet", yaml: minimalYAML + "\nmodel: {kind: resnet, hidden: [8]}", expected: ["model.hidden", "model.blocks"]),
        Case(label: "resnet blocks 0", yaml: minimalYAML + "\nmodel: {kind: resnet, blocks: 0}", expected: ["model.blocks"]),
        Case(label: "target scaling", yaml: regressionYAML + "\n  preprocess: {target_scale: log}",
             expected: ["data.preprocess.target_scale", "'log'", "auto, standard, none"]),
        Case(label: "categorical encoding", yaml: minimalYAML + "\n  preprocess: {categorical: hashing}",
             expected: ["data.preprocess.categorical", "'hashing'", "onehot, embedding"]),
        Case(label: "embedding_dim 0", yaml: minimalYAML + "\n  preprocess: {categorical: embedding}\nmodel: {embedding_dim: 0}",
             expected: ["model.embedding_dim", "1...1048576"]),
        Case(label: "embedding_dim text", yaml: minimalYAML + "\n  preprocess: {categorical: embedding}\nmodel: {embedding_dim: wide}",
             expected: ["model.embedding_dim", "auto or a whole number"]),
        Case(label: "embedding_dim without embeddings", yaml: minimalYAML + "\nmodel: {embedding_dim: 8}",
             expected: ["model.embedding_dim", "categorical: embedding only", "onehot"]),
        Case(label: "numeric embedding kind", yaml: minimalYAML + "\nmodel: {numeric_embedding: fourier}",
             expected: ["model.numeric_embedding", "'fourier'", "none, periodic"]),
        Case(label: "numeric embedding on logistic", yaml: minimalYAML + "\nmodel: {kind: logistic, numeric_embedding: periodic}",
             expected: ["model.numeric_embedding", "kind: mlp or resnet"]),
        Case(label: "embedding on logistic", yaml: minimalYAML + "\n  preprocess: {categorical: embedding}\nmodel: {kind: logistic}",
             expected: ["data.preprocess.categorical", "kind: mlp or resnet", "onehot"]),
        Case(label: "schedule name", yaml: minimalYAML + "\ntrain: {schedule: {name: exp}}", expected: ["train.schedule.name", "'exp'"]),
        Case(label: "split method", yaml: minimalYAML + "\n  split: {method: kfold}", expected: ["data.split.method", "'kfold'"]),
        Case(label: "impute", yaml: minimalYAML + "\n  preprocess: {impute: zero}", expected: ["data.preprocess.impute", "'zero'"]),
        Case(label: "micro_batches 0", yaml: minimalYAML + "\nparallel: {micro_batches: 0}", expected: ["parallel.micro_batches", "at least 1"]),
        Case(label: "tensor 0", yaml: minimalYAML + "\nparallel: {tensor: 0}", expected: ["parallel.tensor", "at least 1"]),
        Case(label: "pipeline schedule", yaml: minimalYAML + "\nparallel: {schedule: zigzag}", expected: ["parallel.schedule", "'zigzag'", "gpipe, 1f1b"]),
        Case(label: "stages without pipeline", yaml: minimalYAML + "\nparallel: {stages: [[0], [1]]}", expected: ["parallel.stages", "parallel.pipeline is 1"]),
        Case(label: "epochs 0", yaml: minimalYAML + "\ntrain: {epochs: 0}", expected: ["train.epochs", "at least 1"]),
        Case(label: "batch_size -1", yaml: minimalYAML + "\ntrain: {batch_size: -1}", expected: ["train.batch_size", "-1"]),
        Case(label: "epochs abc", yaml: minimalYAML + "\ntrain: {epochs: abc}", expected: ["train.epochs", "expected an integer"]),
        Case(label: "epochs 2.5", yaml: minimalYAML + "\ntrain: {epochs: 2.5}", expected: ["train.epochs", "expected an integer"]),
        Case(label: "lr text", yaml: minimalYAML + "\ntrain: {optimizer: {lr: fast}}", expected: ["train.optimizer.lr", "expected a number"]),
        Case(label: "hidden not a list", yaml: minimalYAML + "\nmodel: {hidden: 64}", expected: ["model.hidden"]),
        Case(label: "hidden entry", yaml: minimalYAML + "\nmodel: {hidden: [64, x]}", expected: ["model.hidden[1]", "expected an integer"]),
        Case(label: "lr 0", yaml: minimalYAML + "\ntrain: {optimizer: {lr: 0}}", expected: ["train.optimizer.lr", "positive"]),
        Case(label: "momentum 1", yaml: minimalYAML + "\ntrain: {optimizer: {name: sgd, momentum: 1}}", expected: ["train.optimizer.momentum"]),
        Case(label: "beta2 1", yaml: minimalYAML + "\ntrain: {optimizer: {beta2: 1}}", expected: ["beta1 and beta2"]),
        Case(label: "weight decay", yaml: minimalYAML + "\ntrain: {optimizer: {weight_decay: -0.1}}", expected: ["train.optimizer.weight_decay"]),
        Case(label: "clip", yaml: minimalYAML + "\ntrain: {clip_grad_norm: -1}", expected: ["train.clip_grad_norm"]),
        Case(label: "max_steps", yaml: minimalYAML + "\ntrain: {max_steps: -1}", expected: ["train.max_steps"]),
        Case(label: "eval_every", yaml: minimalYAML + "\ntrain: {eval_every: 0}", expected: ["train.eval_every"]),
        Case(label: "warmup", yaml: minimalYAML + "\ntrain: {schedule: {warmup_steps: -2}}", expected: ["train.schedule.warmup_steps"]),
        Case(label: "step_size", yaml: minimalYAML + "\ntrain: {schedule: {step_size: 0}}", expected: ["train.schedule.step_size"]),
        Case(label: "patience", yaml: minimalYAML + "\ntrain: {early_stopping: {patience: 0}}", expected: ["train.early_stopping.patience"]),
        Case(label: "ridge", yaml: regressionYAML + "\nmodel: {kind: linear, ridge: -1}", expected: ["model.ridge"]),
        Case(label: "missing data", yaml: "name: x\ntrain: {epochs: 3}", expected: ["'data' section is required"]),
        Case(label: "missing data.path", yaml: "data: {target: y, task: regression}", expected: ["data.path is required"]),
        Case(label: "missing data.target", yaml: "data: {path: d.csv, task: regression}", expected: ["data.target is required"]),
        Case(label: "missing data.task", yaml: "data: {path: d.csv, target: y}", expected: ["data.task is required"]),
        Case(label: "output without dir", yaml: minimalYAML + "\noutput: {}", expected: ["output.dir is required"]),
        Case(label: "logistic regression", yaml: regressionYAML + "\nmodel: {kind: logistic}",
             expected: ["model.kind: logistic needs data.task: classification"]),
        Case(label: "linear classification", yaml: minimalYAML + "\nmodel: {kind: linear}",
             expected: ["model.kind: linear needs data.task: regression"]),
        Case(label: "hidden on logistic", yaml: minimalYAML + "\nmodel: {kind: logistic, hidden: [16]}",
             expected: ["model.hidden", "logistic model has no hidden layers"]),
        Case(label: "exact on mlp", yaml: regressionYAML + "\nmodel: {kind: mlp, solver: exact}",
             expected: ["model.solver", "exact applies to kind: linear only"]),
        Case(label: "nesterov without momentum", yaml: minimalYAML + "\ntrain: {optimizer: {name: sgd, momentum: 0, nesterov: true}}",
             expected: ["train.optimizer.nesterov"]),
        Case(label: "nesterov with adam", yaml: minimalYAML + "\ntrain: {optimizer: {name: adam, nesterov: true}}",
             expected: ["train.optimizer.nesterov"]),
        Case(label: "metric without prefix", yaml: minimalYAML + "\ntrain: {early_stopping: {metric: accuracy}}",
             expected: ["train.early_stopping.metric", "'accuracy'", "val_ or train_"]),
        Case(label: "name with slash", yaml: "name: a/b\n" + minimalYAML, expected: ["name", "'a/b'"]),
        Case(label: "empty name", yaml: "name: ''\n" + minimalYAML, expected: ["name", "non-empty"]),
        Case(label: "empty file", yaml: "", expected: ["the config file is empty"]),
        Case(label: "comments only", yaml: "# nothing here\n", expected: ["the config file is empty"]),
        Case(label: "a list", yaml: "- data\n- model\n", expected: ["must be a mapping"]),
        Case(label: "a scalar", yaml: "hello", expected: ["must be a mapping"]),
        Case(label: "invalid YAML", yaml: "data: [unclosed\nmodel: {", expected: ["not valid YAML or JSON"]),
        Case(label: "invalid JSON", yaml: "{\"data\": {\"path\": \"d.csv\",}", expected: ["not valid YAML or JSON"]),
        Case(label: "section not a mapping", yaml: minimalYAML + "\ntrain: 5", expected: ["train"]),
    ]

    @Test(arguments: cases)
    func badConfigIsReportedByKeyPath(_ c: Case) throws {
        let error = try #require(configError(c.yaml))
        #expect(error.description.hasPrefix("test.yaml:"), "the source is named first: \(error)")
        for fragment in c.expected {
            #expect(error.description.contains(fragment), "missing \"\(fragment)\" in: \(error)")
        }
    }

    @Test func sgdWithDefaultMomentumAcceptsNesterov() throws {
        let c = try parse(minimalYAML + "\ntrain: {optimizer: {name: sgd, nesterov: true}}")
        #expect(c.train.optimizer.nesterov && c.train.optimizer.momentum == 0.9)
    }

    @Test(arguments: ["1.5", "-0.1", "1"])
    func dropoutOutsideUnitIntervalIsRejected(value: String) throws {
        // Regression: the config accepted it and only NetworkSpec.validate() rejected it when the
        // model was built, after the data had been loaded on every rank.
        let error = try #require(configError(minimalYAML + "\nmodel: {dropout: \(value)}"))
        #expect(error.description.contains("model.dropout"), "\(error)")
    }

    @Test(arguments: ["0", "-8"])
    func nonPositiveHiddenWidthIsRejected(value: String) throws {
        let error = try #require(configError(minimalYAML + "\nmodel: {hidden: [16, \(value)]}"))
        #expect(error.description.contains("model.hidden"), "\(error)")
        #expect(error.description.contains(value), "\(error)")
    }

    @Test(arguments: ["validation: 1.5", "test: -0.1", "{validation: 0.5, test: 0.5}"])
    func splitFractionsOutOfRangeAreRejected(value: String) throws {
        let split = value.hasPrefix("{") ? value : "{\(value)}"
        // Regression: only SplitIndices.make checked these, with no key path in the message.
        let error = try #require(configError(minimalYAML + "\n  split: \(split)"))
        #expect(error.description.contains("data.split"), "\(error)")
    }

    @Test func duplicateKeysAreAnError() throws {
        // YAML forbids duplicate keys; a silent "last one wins" would hide mistakes in long configs.
        let error = try #require(configError(minimalYAML + "\ntrain:\n  epochs: 3\n  epochs: 30"))
        #expect(error.description.contains("epochs"), "\(error)")
    }

    @Test(arguments: ["lr: 1e-3", "lr: 1.0e-3", "lr: 5E-4"])
    func scientificNotationIsANumber(_ entry: String) throws {
        let c = try parse(minimalYAML + "\ntrain: {optimizer: {\(entry)}}")
        #expect(c.train.optimizer.lr < 0.0011 && c.train.optimizer.lr > 0.0004)
    }

    @Test func jsonIndentedWithTabsParses() throws {
        let json = "{\n\t\"data\": {\n\t\t\"path\": \"d.csv\",\n\t\t\"target\": \"y\",\n\t\t\"task\": \"regression\"\n\t},\n\t\"train\": {\"epochs\": 3}\n}\n"
        let c = try parse(json)
        #expect(c.train.epochs == 3 && c.data.task == .regression)
    }
}
