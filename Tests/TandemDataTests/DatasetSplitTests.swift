import Testing
import TandemData
import TandemTensor

@Suite struct DatasetSplitTests {
    @Test(arguments: SplitMethod.allCases)
    func sizesDisjointAndCovering(method: SplitMethod) throws {
        let labels = (0..<103).map { Int32($0 % 3) }
        let s = try SplitIndices.make(count: 103, labels: labels, validation: 0.1, test: 0.2, method: method, seed: 42)
        let all = s.train + s.validation + s.test
        #expect(all.count == 103)
        #expect(Set(all) == Set(0..<103))
        for part in [s.train, s.validation, s.test] { #expect(part == part.sorted()) }
        if method != .stratified {
            #expect(s.validation.count == 10 && s.test.count == 21 && s.train.count == 72)
        }
    }

    /// The splits are sorted by marking each row's part (linear), and only the validation and
    /// test positions of the permutation are shuffled: they must be exactly what sorting the
    /// whole permutation's cut gave (the prepared datasets' bytes depend on it).
    @Test func randomSplitIsThePermutationsCutSorted() throws {
        let cases: [(Int, UInt64, Double, Double)] = [(1, 3, 0.1, 0.1), (2, 4, 0.5, 0), (3, 9, 0.3, 0.3), (997, 5, 0.1, 0.1),
                                                      (20_000, 7, 0.1, 0.1), (5_000, 11, 0, 0), (5_000, 12, 0.25, 0), (5_000, 13, 0, 0.7),
                                                      (4_001, 14, 0.49, 0.5)]
        for (n, seed, validation, test) in cases {
            let s = try SplitIndices.make(count: n, labels: nil, validation: validation, test: test, method: .random, seed: seed)
            var rng = RandomGenerator(seed: seed)
            let order = rng.permutation(n)
            let nVal = Int((Double(n) * validation).rounded()), nTest = Int((Double(n) * test).rounded()), nTrain = n - nVal - nTest
            #expect(s.train == order[0..<nTrain].sorted())
            #expect(s.validation == order[nTrain..<(nTrain + nVal)].sorted())
            #expect(s.test == order[(nTrain + nVal)...].sorted())
        }
    }

    @Test func sequentialKeepsOrder() throws {
        let s = try SplitIndices.make(count: 10, labels: nil, validation: 0.2, test: 0.3, method: .sequential, seed: 1)
        #expect(s.train == [0, 1, 2, 3, 4])
        #expect(s.validation == [5, 6])
        #expect(s.test == [7, 8, 9])
    }

    @Test func deterministicAndSeedDependent() throws {
        let labels = (0..<200).map { Int32($0 % 4) }
        for method in [SplitMethod.random, .stratified] {
            let a = try SplitIndices.make(count: 200, labels: labels, validation: 0.15, test: 0.15, method: method, seed: 7)
            let b = try SplitIndices.make(count: 200, labels: labels, validation: 0.15, test: 0.15, method: method, seed: 7)
            let c = try SplitIndices.make(count: 200, labels: labels, validation: 0.15, test: 0.15, method: method, seed: 8)
            #expect(a == b)
            #expect(a != c)
        }
    }

    @Test func stratifiedKeepsClassProportions() throws {
        // 60 of class 0, 30 of class 1, 10 of class 2, interleaved.
        var labels: [Int32] = []
        for i in 0..<100 { labels.append(i % 10 == 0 ? 2 : (i % 10 < 4 ? 1 : 0)) }
        #expect(labels.filter { $0 == 0 }.count == 60)
        let s = try SplitIndices.make(count: 100, labels: labels, validation: 0.1, test: 0.2, method: .stratified, seed: 3)
        func counts(_ rows: [Int]) -> [Int] { (0..<3).map { c in rows.filter { labels[$0] == Int32(c) }.count } }
        #expect(counts(s.test) == [12, 6, 2])
        #expect(counts(s.validation) == [6, 3, 1])
        #expect(counts(s.train) == [42, 21, 7])
    }

    @Test func stratifiedNeedsLabels() {
        #expect(dataError { _ = try SplitIndices.make(count: 10, labels: nil, validation: 0.1, test: 0.1, method: .stratified, seed: 0) } != nil)
        #expect(dataError { _ = try SplitIndices.make(count: 10, labels: [0, 1], validation: 0.1, test: 0.1, method: .stratified, seed: 0) } != nil)
    }

    @Test(arguments: [(-0.1, 0.2), (1.0, 0.0), (0.2, 1.5), (0.5, 0.5), (Double.nan, 0.1)])
    func badRatios(validation: Double, test: Double) throws {
        let e = try #require(dataError {
            _ = try SplitIndices.make(count: 10, labels: nil, validation: validation, test: test, method: .random, seed: 0)
        })
        let bad = (validation >= 0 && validation < 1) ? test : validation
        #expect(e.message.contains("\(bad)"))
    }

    @Test func emptyTrainSplitIsAnError() {
        #expect(dataError { _ = try SplitIndices.make(count: 0, labels: nil, validation: 0, test: 0, method: .random, seed: 0) } != nil)
        #expect(dataError { _ = try SplitIndices.make(count: 1, labels: nil, validation: 0.5, test: 0.2, method: .sequential, seed: 0) } != nil)
    }
}
