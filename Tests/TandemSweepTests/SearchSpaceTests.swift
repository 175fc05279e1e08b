import Testing
import TandemMetrics
import TandemTensor
@testable import TandemSweep

@Suite struct SearchSpaceTests {
    @Test func gridCoversTheCrossProductOnce() throws {
        let c = try parseSweep(sweepYAML("""
        strategy: grid
        params:
          train.optimizer.lr: {grid: [0.01, 0.1]}
          train.batch_size: {choice: [8, 16, 32]}
          train.epochs: {int: [1, 2]}
        """))
        let points = try c.space.gridPoints()
        #expect(points.count == 12)
        let rendered = points.map { p in p.map { "\($0.0)=\($0.1.rendered)" }.joined(separator: " ") }
        #expect(Set(rendered).count == 12)
        #expect(rendered.first == "train.optimizer.lr=0.01 train.batch_size=8 train.epochs=1")
        #expect(rendered.last == "train.optimizer.lr=0.1 train.batch_size=32 train.epochs=2")
        for lr in ["0.01", "0.1"] { for b in [8, 16, 32] { for e in [1, 2] {
            #expect(rendered.contains("train.optimizer.lr=\(lr) train.batch_size=\(b) train.epochs=\(e)"))
        } } }
        let trials = try GridSearch(space: c.space, seed: 0).trials()
        #expect(trials.map(\.id) == Array(0..<12))
        #expect(Set(trials.map(\.seed)).count == 12)
    }

    @Test func gridRejectsContinuousRanges() throws {
        let c = try parseSweep(sweepYAML("strategy: grid\nparams:\n  train.optimizer.lr: {uniform: [0.01, 0.1]}"))
        #expect(throws: SweepError.self) { try c.space.gridPoints() }
        do { _ = try c.space.gridPoints() } catch { #expect("\(error)".contains("search.params.train.optimizer.lr: strategy grid cannot enumerate")) }
    }

    /// A wide int range is sampled, never built: random works, grid says why it cannot.
    @Test func wideIntRangesAreSampledNotEnumerated() throws {
        let random = try parseSweep(sweepYAML("strategy: random\ntrials: 3\nparams:\n  train.seed: {int: [0, 2147483647]}"))
        #expect(try random.makeStrategy().trials().count == 3)
        let grid = try parseSweep(sweepYAML("strategy: grid\nparams:\n  train.seed: {int: [0, 2147483647]}"))
        do {
            _ = try grid.space.gridPoints()
            Issue.record("a 2^31-value grid was accepted")
        } catch {
            #expect("\(error)".contains("too many for strategy grid"), "\(error)")
        }
    }

    @Test func randomIsReproducibleFromTheSeed() throws {
        let text = sweepYAML("""
        strategy: random
        trials: 6
        seed: 3
        params:
          train.optimizer.lr: {loguniform: [0.0001, 0.1]}
          model.dropout: {uniform: [0.0, 0.5]}
          train.batch_size: {choice: [8, 16]}
          train.epochs: {int: [2, 4]}
          train.clip_grad_norm: {quniform: [1, 3, 0.5]}
          train.optimizer.weight_decay: {grid: [0.0, 0.001]}
        """)
        let a = try parseSweep(text).makeStrategy().trials()
        let b = try parseSweep(text).makeStrategy().trials()
        #expect(a.count == 12)
        #expect(a.map(\.paramOverrides) == b.map(\.paramOverrides))
        #expect(a.map(\.seed) == b.map(\.seed))
        let other = try parseSweep(text.replacingOccurrences(of: "seed: 3", with: "seed: 4")).makeStrategy().trials()
        #expect(other.map(\.paramOverrides) != a.map(\.paramOverrides))
        // Each draw is run at both grid values, with the same sampled values.
        for i in stride(from: 0, to: 12, by: 2) {
            #expect(a[i].paramOverrides.dropLast() == a[i + 1].paramOverrides.dropLast())
            #expect(a[i].paramOverrides.last == "train.optimizer.weight_decay=0.0")
            #expect(a[i + 1].paramOverrides.last == "train.optimizer.weight_decay=0.001")
        }
        for t in a {
            let v = Dictionary(uniqueKeysWithValues: t.params.map { ($0.key, $0.value) })
            let lr = v["train.optimizer.lr"]?.doubleValue ?? -1
            #expect(lr >= 0.0001 && lr <= 0.1)
            let d = v["model.dropout"]?.doubleValue ?? -1
            #expect(d >= 0 && d <= 0.5)
            #expect([8.0, 16.0].contains(v["train.batch_size"]?.doubleValue ?? 0))
            #expect([2.0, 3.0, 4.0].contains(v["train.epochs"]?.doubleValue ?? 0))
            let q = v["train.clip_grad_norm"]?.doubleValue ?? 0
            #expect([1.0, 1.5, 2.0, 2.5, 3.0].contains(q))
        }
    }

    @Test func samplesCoverTheirRanges() throws {
        var rng = RandomGenerator(seed: 1)
        let ints = (0..<300).compactMap { _ in ParamSpec.int(1, 3).sample(&rng).doubleValue }
        #expect(Set(ints) == [1, 2, 3])
        let logs = (0..<2000).compactMap { _ in ParamSpec.loguniform(1e-4, 1).sample(&rng).doubleValue }
        // Uniform in the logarithm: about a quarter of the draws in each decade.
        let low = logs.filter { $0 < 1e-3 }.count
        #expect(low > 400 && low < 600)
        #expect(logs.allSatisfy { $0 >= 1e-4 && $0 <= 1 })
    }

    @Test func badSpecsAreRejectedWithMessages() throws {
        func message(_ spec: String) -> String { sweepError(sweepYAML("params:\n  train.optimizer.lr: \(spec)")) }
        #expect(message("{loguniform: [0, 0.1]}").contains("sweep.yaml:4: search.params.train.optimizer.lr: loguniform needs 0 < low <= high"))
        #expect(message("{uniform: [1]}").contains("uniform needs [low, high] with low <= high (numbers)"))
        #expect(message("{uniform: [2, 1]}").contains("uniform needs low <= high; got [2.0, 1.0]"))
        #expect(message("{int: [1.5, 3]}").contains("int needs [low, high] (integers"))
        #expect(message("{quniform: [0, 1, 0]}").contains("quniform needs low <= high and step > 0"))
        #expect(message("{grid: []}").contains("grid needs at least one value"))
        #expect(message("{normal: [0, 1]}").contains("unknown spec 'normal'; use one of grid, choice, uniform, loguniform, int, quniform"))
        #expect(message("0.1").contains("expected one of {grid, choice, uniform, loguniform, int, quniform}: ARGUMENTS}"))
        #expect(message("{choice: 3}").contains("choice needs a list"))
    }

    @Test func keysAreValidatedAgainstTheTrainingConfig() throws {
        let typo = sweepError(sweepYAML("params:\n  train.optimizer.lrr: {choice: [0.1]}"))
        #expect(typo.contains("sweep.yaml:4: search.params.train.optimizer.lrr is not a key of the training config"))
        #expect(typo.contains("did you mean 'lr'?"))
        let inside = sweepError(sweepYAML("params:\n  train.epochs.x: {choice: [1]}"))
        #expect(inside.contains("search.params.train.epochs.x is not a key of the training config"))
        #expect(sweepError(sweepYAML("params:\n  output.dir: {choice: [a]}")).contains("the sweep sets output.dir itself"))
        // A bad value is not a key error: only the trials that draw it fail.
        #expect(throws: Never.self) { try parseSweep(sweepYAML("params:\n  model.dropout: {choice: [1.5]}")) }
    }

    @Test func sweepConfigErrorsNameTheKey() throws {
        #expect(sweepError(sweepYAML("strategy: bayes\nparams:\n  train.epochs: {int: [1, 2]}")).contains("sweep.yaml:3: search.strategy: 'bayes' is not one of grid, random, asha"))
        #expect(sweepError(sweepYAML("metric: accuracy\nparams:\n  train.epochs: {int: [1, 2]}")).contains("search.metric: 'accuracy' is not a validation metric of a classification task; use one of val_loss, val_accuracy"))
        #expect(sweepError(sweepYAML("trails: 3\nparams:\n  train.epochs: {int: [1, 2]}")).contains("unknown key 'search.trails'"))
        #expect(sweepError(sweepYAML("group_size: 0\nparams:\n  train.epochs: {int: [1, 2]}")).contains("search.group_size: 0 must be at least 1"))
        #expect(sweepError(sweepYAML("params: {}")).contains("search.params must map config keys to specs"))
        #expect(sweepError("search: {params: {train.epochs: {int: [1, 2]}}}").contains("'base' (the training config every trial starts from) is required"))
        #expect(sweepError("base: nowhere.yaml\nsearch: {params: {train.epochs: {int: [1, 2]}}}").contains("nowhere.yaml: no such config file"))
        #expect(sweepError(sweepYAML("strategy: asha\nasha: {min_epochs: 4, max_epochs: 2}\nparams:\n  train.batch_size: {int: [8, 9]}")).contains("needs 1 <= min_epochs <= max_epochs and reduction >= 2"))
        #expect(sweepError(sweepYAML("strategy: asha\nparams:\n  train.epochs: {int: [1, 2]}")).contains("ASHA sets the epochs itself"))
        let ok = try parseSweep(sweepYAML("strategy: asha\nmetric: val_accuracy\nparams:\n  train.batch_size: {int: [8, 9]}"))
        #expect(ok.mode == .maximize)
        #expect(ok.asha == ASHAConfig(minEpochs: 1, maxEpochs: 200, reduction: 3))
        #expect(ok.outputDir == "runs/sweep")
    }
}
