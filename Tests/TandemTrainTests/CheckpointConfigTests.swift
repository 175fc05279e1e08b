import Testing
@testable import TandemTrain

/// The `checkpoint:` section.
@Suite struct CheckpointConfigTests {
    @Test func defaults() throws {
        let c = try parse(minimalYAML).checkpoint
        #expect(c.everySteps == 200)
        #expect(c.everySeconds == 0)
        #expect(c.keep == 3)
        #expect(c.keepBest)
    }

    @Test func decodesAsWritten() throws {
        let c = try parse(minimalYAML + "\ncheckpoint: {every_steps: 0, every_seconds: 30, keep: 1, keep_best: false}").checkpoint
        #expect(c.everySteps == 0 && c.everySeconds == 30 && c.keep == 1 && !c.keepBest)
    }

    @Test(arguments: [("every_steps: -1", "checkpoint.every_steps"), ("every_seconds: -5", "checkpoint.every_seconds"),
                      ("keep: 0", "checkpoint.keep"), ("keep_bset: true", "unknown key 'checkpoint.keep_bset'")])
    func badValuesAreNamed(_ entry: String, _ fragment: String) throws {
        let error = try #require(configError(minimalYAML + "\ncheckpoint: {\(entry)}"))
        #expect(error.description.contains(fragment), "\(error)")
    }

    @Test func collectiveTimeout() throws {
        #expect(try parse(minimalYAML).train.collectiveTimeout == 600)
        #expect(try parse(minimalYAML + "\ntrain: {collective_timeout: 0}").train.collectiveTimeout == 0)
        let error = try #require(configError(minimalYAML + "\ntrain: {collective_timeout: -1}"))
        #expect(error.description.contains("train.collective_timeout"), "\(error)")
    }
}
