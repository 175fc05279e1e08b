import Testing
import TandemData
@testable import TandemServe

/// The request parser refuses a bad row with a `RequestProblem` that names the row and feature as
/// data; the client's message is derived from it and keeps its text.
@Suite struct RequestProblemTests {
    static let schema = RowsRequest.Schema(features: [(name: "size", kind: .numeric), (name: "color", kind: .categorical)])

    /// The problem `body` is refused with (nil when it parses).
    static func problem(_ body: String) -> RequestProblem? {
        var rows = RequestRows()
        var failure: ServeError?
        Array(body.utf8).withUnsafeBytes { b in
            do throws(ServeError) { try RowsRequest.parse(b, schema: schema, maxRows: 100, into: &rows) } catch { failure = error }
        }
        guard let error = failure else { return nil }
        guard case .invalidRequest(let p) = error.reason else { Issue.record("\(error)"); return nil }
        #expect(error.status == 400 && error.message == p.message)
        return p
    }

    @Test func eachRefusalNamesItsRowAndFeature() {
        #expect(Self.problem(#"{"rows": [[1, "red"]]}"#) == nil)
        #expect(Self.problem("") == .emptyBody)
        #expect(Self.problem(#"{"rows": []}"#) == .emptyRows)
        #expect(Self.problem(#"{"cols": []}"#) == .unknownKey("cols"))
        #expect(Self.problem(#"{"rows": [[1, "red"], {"size": 1, "colour": "red"}]}"#) == .unknownFeature(row: 1, name: "colour", features: "size, color"))
        #expect(Self.problem(#"{"rows": [{"size": 1, "size": 2, "color": "red"}]}"#) == .featureTwice(row: 0, name: "size"))
        #expect(Self.problem(#"{"rows": [[1, "red"], [1, "red"], {"size": 1}]}"#) == .missingFeature(row: 2, name: "color", given: 1, width: 2))
        #expect(Self.problem(#"{"rows": [[1, "red", 3]]}"#) == .wrongValueCount(row: 0, count: 3, width: 2, features: "size, color"))
        #expect(Self.problem(#"{"rows": [[1, "red"], ["big", "red"]]}"#)
                == .expectedNumber(place: .init(row: 1, feature: 0, name: "size", byPosition: true), found: "a string", string: "\"big\""))
        #expect(Self.problem(#"{"rows": [{"size": 1, "color": 7}]}"#)
                == .expectedString(place: .init(row: 0, feature: 1, name: "color", byPosition: false), found: "a number"))
    }

    @Test func messagesKeepTheirTexts() {
        #expect(RequestProblem.unknownFeature(row: 1, name: "colour", features: "size, color").message
                == "rows[1]: unknown feature \"colour\"; the model's features are: size, color")
        #expect(RequestProblem.missingFeature(row: 2, name: "color", given: 1, width: 2).message
                == "rows[2]: feature \"color\" is missing (1 of 2 features given; send null for an unknown value, which takes the training imputation)")
        #expect(RequestProblem.wrongValueCount(row: 0, count: 3, width: 2, features: "size, color").message
                == "rows[0]: more than 2 values, but the model takes 2 features in this order: size, color")
        #expect(RequestProblem.expectedNumber(place: .init(row: 1, feature: 0, name: "size", byPosition: true), found: "a string", string: "\"big\"").message
                == "rows[1][0] (size): expected a number or null (numeric feature), found a string \"big\"")
        #expect(RequestProblem.valueOutOfRange(row: 0, name: "size", value: .infinity).message == "rows[0].size: expected a finite number, found inf")
    }
}
