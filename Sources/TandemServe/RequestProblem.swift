import TandemData

/// What is wrong with a request's rows (a 400), as data: the row, the feature and what was
/// expected or found. `message` is the text the client gets.
public enum RequestProblem: Equatable, Sendable {
    /// Where in the request a value is: row `row`, feature `feature` (its index) called `name`,
    /// given `byPosition` in an array row (`rows[r][k] (name)`) or by name (`rows[r].name`).
    public struct Place: Equatable, Sendable, CustomStringConvertible {
        public let row: Int
        public let feature: Int
        public let name: String
        public let byPosition: Bool

        public var description: String { byPosition ? "rows[\(row)][\(feature)] (\(name))" : "rows[\(row)].\(name)" }
    }

    /// The body is empty.
    case emptyBody
    /// The body is JSON but not an object; `found` is its kind.
    case notAnObject(found: String)
    /// The request object has a key other than `rows`.
    case unknownKey(String)
    /// `rows` is given twice.
    case rowsTwice
    /// The request object has no `rows`; `firstFeature` names the model's first feature for the example.
    case noRows(firstFeature: String)
    /// `rows` is not an array; `found` is its kind.
    case rowsNotArray(found: String)
    /// `rows` is an empty array.
    case emptyRows
    /// Row `row` is neither an object nor an array but `found`; the model takes `width` features.
    case rowNotObjectOrArray(row: Int, width: Int, found: String)
    /// Row `row` names a feature the model does not have; `features` lists the model's.
    case unknownFeature(row: Int, name: String, features: String)
    /// Row `row` gives feature `name` twice.
    case featureTwice(row: Int, name: String)
    /// Row `row` lacks feature `name`: `given` of `width` features were given.
    case missingFeature(row: Int, name: String, given: Int, width: Int)
    /// Array row `row` has `count` values (the parser stops counting at `width + 1`: "more than
    /// `width`"); the model takes `width` features, listed in `features`.
    case wrongValueCount(row: Int, count: Int, width: Int, features: String)
    /// A number at `place` is beyond Double (`text` as written).
    case numberOutOfRange(place: Place, text: String)
    /// A numeric feature at `place` got a JSON `found` (with the string, quoted, when it is one).
    case expectedNumber(place: Place, found: String, string: String?)
    /// A categorical feature at `place` got a JSON `found`.
    case expectedString(place: Place, found: String)
    /// Row `row`'s feature `name` is outside what the model's float32 inputs can take (`value`),
    /// or not finite after imputation.
    case valueOutOfRange(row: Int, name: String, value: Double)

    /// The message for the client.
    public var message: String {
        switch self {
        case .emptyBody:
            "the request body is empty; expected a JSON object {\"rows\": [...]}"
        case .notAnObject(let found):
            "expected a JSON object {\"rows\": [...]}, found \(found)"
        case .unknownKey(let key):
            "unknown key \"\(key)\" in the request object; expected only \"rows\""
        case .rowsTwice:
            "\"rows\" is given twice"
        case .noRows(let first):
            "the request has no \"rows\"; expected {\"rows\": [{\"\(first)\": ...}, ...]}"
        case .rowsNotArray(let found):
            "\"rows\" must be an array of rows, found \(found)"
        case .emptyRows:
            "\"rows\" is empty; send at least one row"
        case .rowNotObjectOrArray(let row, let width, let found):
            "rows[\(row)]: expected an object keyed by feature name or an array of \(width) values in the model's feature order, found \(found)"
        case .unknownFeature(let row, let name, let features):
            "rows[\(row)]: unknown feature \"\(name)\"; the model's features are: \(features)"
        case .featureTwice(let row, let name):
            "rows[\(row)]: feature \"\(name)\" is given twice"
        case .missingFeature(let row, let name, let given, let width):
            "rows[\(row)]: feature \"\(name)\" is missing (\(given) of \(width) features given; send null for an unknown value, which takes the training imputation)"
        case .wrongValueCount(let row, let count, let width, let features):
            "rows[\(row)]: \(count > width ? "more than \(width)" : "\(count)") values, but the model takes \(width) features in this order: \(features)"
        case .numberOutOfRange(let place, let text):
            "\(place): \(text) is out of range for a number"
        case .expectedNumber(let place, let found, let string):
            "\(place): expected a number or null (numeric feature), found \(found)\(string.map { " \($0)" } ?? "")"
        case .expectedString(let place, let found):
            "\(place): expected a string or null (categorical feature), found \(found)"
        case .valueOutOfRange(let row, let name, let value):
            "rows[\(row)].\(name): \(value.isFinite ? FeatureTransform.outOfRange(value) : "expected a finite number, found \(CellText.format(value))")"
        }
    }
}
