import Testing
@testable import TandemTrain

/// `ConfigLoader.yaml` emits the resolved config; parsing it gives the same `JobConfig`.
@Suite struct ConfigRoundTripTests {
    static let configs: [(String, String)] = [
        ("minimal", minimalYAML),
        ("regression linear exact", """
         name: houses
         data: {path: h.csv, target: price, task: regression, features: [a, b], columns: {a: categorical}}
         model: {kind: linear, solver: exact, ridge: 0.25}
         train: {epochs: 1}
         output: {dir: /tmp/out}
         """),
        ("sgd step", minimalYAML + """

         model: {hidden: [32, 16, 8], activation: tanh, dropout: 0.25, init: orthogonal}
         train:
           max_steps: 100
           optimizer: {name: sgd, lr: 0.3, momentum: 0.5, nesterov: true, weight_decay: 0.001}
           schedule: {name: step, step_size: 7, gamma: 0.5, warmup_steps: 3, min_lr: 0.00001}
           early_stopping: {metric: train_accuracy, patience: 2, min_delta: 0.001, restore_best: false}
           seed: 123456789012
           eval_every: 2
           collective_timeout: 12.5
         checkpoint: {every_steps: 0, every_seconds: 60, keep: 2, keep_best: false}
         """),
        ("resnet", minimalYAML + "\nmodel: {kind: resnet, blocks: 3, width: 48, norm: batch}"),
        ("mlp layer norm", minimalYAML + "\nmodel: {hidden: [16, 8], norm: layer}"),
        ("constant impute", minimalYAML + "\n  preprocess: {impute: constant, fill_value: -1.5, scale: minmax}"),
        ("npy", "data: {path: x.npy, target_path: y.npy, task: regression, split: {method: sequential, validation: 0, test: 0.3}}"),
        ("strings that look like other types", """
         name: '123'
         data: {path: 'true', target: 'null', task: classification, features: ['yes', '1.5', '~']}
         """),
    ]

    @Test(arguments: configs)
    func emittedYAMLParsesToTheSameConfig(_ label: String, _ text: String) throws {
        let config = try parse(text)
        let yaml = try ConfigLoader.yaml(config)
        let again = try ConfigLoader.parse(yaml, source: "emitted.yaml")
        #expect(again == config, "\(label): emitted\n\(yaml)")
    }

    @Test func digitsExampleRoundTrips() throws {
        let config = try ConfigLoader.parse(Examples.digitsText(), source: Examples.digitsConfig)
        let yaml = try ConfigLoader.yaml(config)
        #expect(try ConfigLoader.parse(yaml, source: "emitted.yaml") == config)
        // The emitted file is resolved: defaults are written out.
        #expect(yaml.contains("eval_every"))
        #expect(yaml.contains("restore_best"))
    }

    @Test func unusedFillValueSurvivesTheRoundTrip() throws {
        let config = try parse(minimalYAML + "\n  preprocess: {impute: mean, fill_value: 5}")
        #expect(config.data.preprocess.fillValue == 5)
        let again = try ConfigLoader.parse(ConfigLoader.yaml(config), source: "emitted.yaml")
        // Regression: fill_value used to be emitted only for impute: constant.
        #expect(again == config)
    }
}
