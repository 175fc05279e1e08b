import Foundation
import Testing
@testable import TandemData
#if canImport(Glibc)
import Glibc
#endif

/// `CellText.number(bytes:)` (the fast decimal path the CSV loader uses) against the text path
/// `CellText.number(_:)` (`Double(String)`) and against C `strtod`: the same value bit for bit,
/// the same nil, for edge cases and many random decimals.
@Suite struct CellTextNumberTests {
    static func viaBytes(_ s: String) -> Double? {
        var bytes = Array(s.utf8)
        return bytes.withUnsafeMutableBufferPointer { CellText.number(bytes: UnsafeBufferPointer($0)) }
    }

    /// Same bits (any NaN equals any NaN), or both nil.
    static func same(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let x?, let y?): x.isNaN ? y.isNaN : x.bitPattern == y.bitPattern
        default: false
        }
    }

    /// `strtod` of the whole of `s`, or nil if it stops early.
    static func strtodWhole(_ s: String) -> Double? {
        s.withCString { p in
            var end: UnsafeMutablePointer<CChar>?
            let x = strtod(p, &end)
            guard let end, end - UnsafeMutablePointer(mutating: p) == s.utf8.count, !s.isEmpty else { return nil }
            return x
        }
    }

    static let edges: [String] = [
        "0", "-0", "+0", "1", "-1", "+1", "0.0", "-0.0", "00012", "1.5", "-12.25", "3e-4", "3E4", "1e+05", "1e-05",
        "9007199254740991", "9007199254740992", "9007199254740993", "18446744073709551615", "9999999999999999999",
        "12345678901234567890", "0.30000000000000004", "0.1234567890123456789", "1.00000000000000011102230246251565404",
        "1e22", "1e23", "1e-22", "1e-23", "123456789e22", "1.7976931348623157e308", "1.8e308", "1e309", "-1e309",
        "4.9e-324", "5e-324", "2e-324", "2.2250738585072011e-308", "2.2250738585072014e-308", "1e-400", "1e0000",
        "1e99999", "0e5", "1.e5", ".5", "5.", "-.5", "e5", "1e", "1e+", "--1", "1-", "1.2.3", "0x1p3", "0x10",
        "inf", "-inf", "Infinity", "INF", "nan", "NaN", "-nan", "NA", "?", "", " ", "\t", " 1.5", "1.5 ", "\t-2e3\t",
        "  7  ", "1 2", "1,5", "١", "1e1000000000000000000000",
    ]

    @Test(arguments: edges)
    func edgeCase(_ s: String) {
        let fast = Self.viaBytes(s)
        #expect(Self.same(fast, CellText.number(s)), "\(s): \(String(describing: fast)) vs \(String(describing: CellText.number(s)))")
        if let reference = Self.strtodWhole(s), s.allSatisfy({ "0123456789+-.eE".contains($0) }) {
            #expect(Self.same(fast, reference), "\(s) vs strtod")
        }
    }

    /// Random decimals: 1-25 digits with the point anywhere, optional sign and exponent
    /// (-340...340), so fast path, fallback, subnormals and overflow all occur.
    @Test func randomDecimalsMatchStrtod() {
        var rng = SplitMix(seed: 12)
        for _ in 0..<200_000 {
            let count = Int(rng.next() % 25) + 1
            var digits = (0..<count).map { _ in Character(String(rng.next() % 10)) }
            if rng.next() % 4 == 0 { digits[0] = "0" }
            var s = String(digits)
            let point = Int(rng.next() % UInt64(count + 1))
            if point < count, rng.next() % 3 != 0 { s.insert(".", at: s.index(s.startIndex, offsetBy: point == 0 ? 1 : point)) }
            if rng.next() % 2 == 0 { s = "-" + s }
            if rng.next() % 2 == 0 {
                let e = Int(rng.next() % 681) - 340
                s += (rng.next() % 2 == 0 ? "e" : "E") + (e >= 0 && rng.next() % 2 == 0 ? "+" : "") + String(e)
            }
            if s.hasSuffix(".") { s += "5" }
            let fast = Self.viaBytes(s)
            guard Self.same(fast, Self.strtodWhole(s)), Self.same(fast, CellText.number(s)) else {
                Issue.record("\(s): \(String(describing: fast)) vs strtod \(String(describing: Self.strtodWhole(s)))")
                return
            }
        }
    }

    /// Short decimals like the ones CSV files hold (`-1.2345`), every one through the fast path.
    @Test func typicalCellsMatchStrtod() {
        var rng = SplitMix(seed: 3)
        for _ in 0..<200_000 {
            let whole = Int(rng.next() % 100_000)
            let places = Int(rng.next() % 8)
            let fraction = places == 0 ? "" : "." + String(String(rng.next() % 100_000_000).suffix(places)).padding(toLength: places, withPad: "0", startingAt: 0)
            let s = (rng.next() % 2 == 0 ? "-" : "") + String(whole) + fraction
            guard Self.same(Self.viaBytes(s), Self.strtodWhole(s)) else {
                Issue.record("\(s): \(String(describing: Self.viaBytes(s))) vs strtod \(String(describing: Self.strtodWhole(s)))")
                return
            }
        }
    }
}

/// A small seeded generator (SplitMix64), so failures reproduce.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
