import Foundation
import Testing
import TandemMetrics

/// Reading JSON of an open shape: Booleans stay Booleans and numbers numbers, with no
/// Foundation boxing type inspected.
@Suite struct JSONValueDecodingTests {
    @Test func booleansAndNumbersAreToldApart() throws {
        let v = try JSONValue.parse(Data(#"{"t": true, "f": false, "one": 1, "zero": 0, "half": 0.5, "big": 1e300, "n": null}"#.utf8))
        #expect(v[member: "t"] == .bool(true) && v[member: "f"] == .bool(false))
        #expect(v[member: "one"] == .int(1) && v[member: "zero"] == .int(0))
        #expect(v[member: "t"]?.doubleValue == nil && v[member: "t"]?.intValue == nil)
        #expect(v[member: "one"]?.boolValue == nil && v[member: "zero"]?.boolValue == nil)
        #expect(v[member: "half"]?.doubleValue == 0.5 && v[member: "half"]?.intValue == nil)
        #expect(v[member: "big"]?.doubleValue == 1e300 && v[member: "big"]?.intValue == nil)
        #expect(v[member: "n"] == .null)
    }

    @Test func nestedValuesAndSortedMembers() throws {
        let v = try JSONValue.parse(Data(#"{"b": [1, "x", [true]], "a": {"c": -2.25}}"#.utf8))
        #expect(v.members?.map(\.0) == ["a", "b"])
        #expect(v[member: "b"] == [1, "x", [true]])
        #expect(v[member: "a"]?[member: "c"]?.doubleValue == -2.25)
        #expect(v[member: "b"]?.elements?.count == 3 && v[member: "b"]?[member: "c"] == nil)
    }

    @Test func textThatIsNotJSONThrows() {
        #expect(throws: (any Error).self) { try JSONValue.parse(Data("{\"a\": ".utf8)) }
        #expect(throws: (any Error).self) { try JSONValue.parse(Data("tru".utf8)) }
    }
}
