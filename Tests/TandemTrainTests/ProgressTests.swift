import Foundation
import Testing
@testable import TandemTrain

@Suite struct ProgressTests {
    @Test(arguments: [(0.0, "0:00:00"), (0.4, "0:00:00"), (59.4, "0:00:59"), (59.6, "0:01:00"), (61, "0:01:01"),
                      (3_599, "0:59:59"), (3_661, "1:01:01"), (36_000, "10:00:00"), (360_000, "100:00:00")])
    func duration(_ seconds: Double, _ expected: String) {
        #expect(Progress.duration(seconds) == expected)
    }

    @Test(arguments: [-1.0, .nan, .infinity, -.infinity])
    func durationOfANonsenseValueIsAQuestionMark(_ seconds: Double) {
        #expect(Progress.duration(seconds) == "?")
    }

    @Test func durationBeyondIntRangeDoesNotCrash() async {
        // Regression test: `Int(seconds.rounded())` trapped for finite seconds >= 2^63.
        await #expect(processExitsWith: .success) { _ = Progress.duration(1e19) }
    }

    @Test(arguments: [(0.0, "0.0000"), (0.5, "0.5000"), (0.123456, "0.1235"), (-2.5, "-2.5000"), (999.5, "999.5000"),
                      (1_000, "1,000"), (1_234.5, "1,235"), (-12_345.4, "-12,345"), (2.5e9, "2,500,000,000"),
                      (2.5e15, "2.5e+15")])
    func number(_ value: Double, _ expected: String) {
        #expect(Progress.number(value) == expected)
    }

    @Test func numberOfNaN() {
        #expect(Progress.number(.nan).lowercased() == "nan")
    }

    // Regression: `Int(value.rounded())` trapped on infinity and on values beyond Int's range.
    // Run in a child process so a trap fails this test instead of killing the test run.
    @Test func numberOfInfinityDoesNotCrash() async {
        await #expect(processExitsWith: .success) {
            guard Progress.number(.infinity) == "inf", Progress.number(-.infinity) == "-inf" else { exit(1) }
        }
    }

    @Test func numberBeyondIntRangeDoesNotCrash() async {
        await #expect(processExitsWith: .success) {
            guard Progress.number(1e19) == "1e+19", Progress.number(-1e300) == "-1e+300" else { exit(1) }
        }
    }

    @Test(arguments: [(0, "0"), (7, "7"), (999, "999"), (1_000, "1,000"), (12_345, "12,345"), (123_456, "123,456"),
                      (12_345_678, "12,345,678"), (-1_234_567, "-1,234,567"), (-999, "-999")])
    func grouped(_ n: Int, _ expected: String) {
        #expect(Progress.grouped(n) == expected)
    }

    @Test(arguments: [(5_768, "5,768 bytes"), (10_240, "10.0 KiB"), (15_258, "14.9 KiB"), (16_441_344, "15.7 MiB")])
    func bytes(_ n: Int, _ expected: String) {
        #expect(Progress.bytes(n) == expected)
    }
}
