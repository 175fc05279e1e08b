import TandemMetrics
import Testing

@Suite struct MetricNameTests {
    @Test(arguments: ["accuracy", "precision", "recall", "f1", "roc_auc", "r2"])
    func maximized(name: String) {
        #expect(MetricName.direction(of: name) == .maximize)
    }

    @Test(arguments: ["loss", "log_loss", "mse", "mae"])
    func minimized(name: String) {
        #expect(MetricName.direction(of: name) == .minimize)
    }

    @Test(arguments: ["", "Accuracy", "auc", "rmse", "val_loss", "count"])
    func unknownNamesHaveNoDirection(name: String) {
        #expect(MetricName.direction(of: name) == nil)
    }

    @Test func everyListedNameHasADirection() {
        for name in MetricName.classification + MetricName.regression {
            #expect(MetricName.direction(of: name) != nil, "\(name)")
        }
    }

    @Test func isBetterFollowsDirection() {
        #expect(MetricDirection.maximize.isBetter(0.9, than: 0.8))
        #expect(!MetricDirection.maximize.isBetter(0.8, than: 0.8))
        #expect(MetricDirection.minimize.isBetter(0.1, than: 0.2))
        #expect(!MetricDirection.minimize.isBetter(0.3, than: 0.2))
    }

    @Test func classificationValueOfEachName() {
        let m = ClassificationMetrics(count: 5, loss: 0.1, accuracy: 0.2, precision: 0.3, recall: 0.4, f1: 0.5,
                                      logLoss: 0.1, rocAUC: 0.7, perClass: [], confusion: [])
        #expect(m.value(of: "loss") == 0.1)
        #expect(m.value(of: "accuracy") == 0.2)
        #expect(m.value(of: "precision") == 0.3)
        #expect(m.value(of: "recall") == 0.4)
        #expect(m.value(of: "f1") == 0.5)
        #expect(m.value(of: "log_loss") == 0.1)
        #expect(m.value(of: "roc_auc") == 0.7)
        #expect(m.value(of: "mse") == nil)
        #expect(m.value(of: "bogus") == nil)
        #expect(m.scalars.map(\.0) == MetricName.classification)
        for (name, value) in m.scalars { #expect(m.value(of: name) == value) }

        var multi = m
        multi.rocAUC = nil
        #expect(multi.value(of: "roc_auc") == nil)
        #expect(multi.scalars.map(\.0) == Array(MetricName.classification.dropLast()))
    }

    @Test func regressionValueOfEachName() {
        let m = RegressionMetrics(count: 3, loss: 0.25, mse: 0.25, mae: 0.5, r2: 0.75)
        #expect(m.value(of: "loss") == 0.25)
        #expect(m.value(of: "mse") == 0.25)
        #expect(m.value(of: "mae") == 0.5)
        #expect(m.value(of: "r2") == 0.75)
        #expect(m.value(of: "accuracy") == nil)
        #expect(m.value(of: "") == nil)
        #expect(m.scalars.map(\.0) == MetricName.regression)
        for (name, value) in m.scalars { #expect(m.value(of: name) == value) }
    }
}
