import Foundation
import Testing
@testable import TandemTrain

/// `train.class_weight`: decoding, resolution against the classes and training counts, and the
/// errors that name the key.
@Suite struct ClassWeightTests {
    static let minimal = "data: {path: d.csv, target: y, task: classification}\n"

    @Test func decodesNoneBalancedAndAMapping() throws {
        #expect(try parse(Self.minimal).train.classWeight == .none)
        #expect(try parse(Self.minimal + "train: {class_weight: balanced}").train.classWeight == .balanced)
        #expect(try parse(Self.minimal + "train: {class_weight: none}").train.classWeight == .none)
        let c = try parse(Self.minimal + "train: {class_weight: {yes: 4, no: 0.5}}")
        #expect(c.train.classWeight == .explicit(["yes": 4, "no": 0.5]))
        // The resolved config.yaml reads back the same.
        #expect(try parse(ConfigLoader.yaml(c)) == c)
    }

    @Test(arguments: [
        ("often", "train.class_weight: 'often' is not one of none, balanced"),
        ("{a: 0}", "train.class_weight.a: weight 0.0 must be a finite number > 0"),
        ("{a: -1}", "train.class_weight.a: weight -1.0 must be a finite number > 0"),
        ("{a: heavy}", "train.class_weight: expected none, balanced, or a mapping"),
    ])
    func badValuesNameTheKey(value: String, message: String) throws {
        let error = try #require(configError(Self.minimal + "train: {class_weight: \(value)}"))
        #expect(error.description.contains(message), "\(error)")
    }

    @Test func balancedIsScikitLearnsFormula() throws {
        // n / (classes * count): 6 rows, counts 3, 2, 1.
        let w = try #require(try ClassWeightSetting.balanced.resolve(classes: ["a", "b", "c"], counts: [3, 2, 1]))
        #expect(w == [Float(6.0 / 9), Float(6.0 / 6), Float(6.0 / 3)])
        #expect(try ClassWeightSetting.none.resolve(classes: ["a", "b"], counts: [1, 1]) == nil)
        #expect(try ClassWeightSetting.explicit(["b": 3]).resolve(classes: ["a", "b"], counts: [1, 1]) == [1, 3])
    }

    @Test func regressionAndUnknownLabelsAreErrorsNamingTheKey() throws {
        do {
            _ = try ClassWeightSetting.balanced.resolve(classes: nil, counts: [])
            Issue.record("class weights on regression should be an error")
        } catch let e as ConfigError {
            #expect(e.description.contains("train.class_weight") && e.description.contains("regression"), "\(e)")
        }
        do {
            _ = try ClassWeightSetting.explicit(["virginica": 2, "setosa": 1]).resolve(classes: ["setosa", "versicolor"], counts: [1, 1])
            Issue.record("an unknown label should be an error")
        } catch let e as ConfigError {
            #expect(e.description.contains("train.class_weight: 'virginica' is not a class"), "\(e)")
        }
    }

    @Test func targetScaleStandardOnClassificationIsAnError() throws {
        let error = try #require(configError(Self.minimal.replacingOccurrences(of: "}", with: ", preprocess: {target_scale: standard}}")))
        #expect(error.description.contains("data.preprocess.target_scale"), "\(error)")
        let unknown = try #require(configError(Self.minimal.replacingOccurrences(of: "}", with: ", preprocess: {scale: rank}}")))
        #expect(unknown.description.contains("data.preprocess.scale: 'rank' is not one of standard, minmax, quantile, none"), "\(unknown)")
    }
}
