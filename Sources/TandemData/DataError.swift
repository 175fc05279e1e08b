/// An error reading or preparing data, saying which file, where in it, and what was expected.
///
/// `description` reads like a compiler diagnostic, omitting the parts that are nil:
/// `examples/data/x.csv:17: column 'age': expected a number, found "abc"`.
/// Errors that concern no file (for example bad split ratios) have an empty `file`, and the
/// description then starts with the column or the message.
public struct DataError: Error, CustomStringConvertible, Equatable {
    /// The file the error is about, as the user named it (empty when no file is involved).
    public var file: String
    /// 1-based physical line in `file` (the header is line 1; for `.npy` files, row index + 1).
    public var line: Int?
    /// The column the error is about, by name.
    public var column: String?
    /// What went wrong and what was expected.
    public var message: String

    /// An error about `file`, optionally at `line` and `column`.
    public init(file: String, line: Int? = nil, column: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line: column 'name': message`, leaving out the parts that are nil or empty.
    public var description: String {
        var location = file
        if let line { location += location.isEmpty ? "line \(line)" : ":\(line)" }
        var parts: [String] = []
        if !location.isEmpty { parts.append(location) }
        if let column { parts.append("column '\(column)'") }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}

extension DataError {
    /// `value` in double quotes for a message, cut to 40 characters so a stray huge cell stays readable.
    public static func quoted(_ value: String) -> String {
        let cut = value.count > 40 ? String(value.prefix(37)) + "..." : value
        return "\"\(cut)\""
    }

    /// `a, b, c` for listing available column names in messages (at most 30, then "and N more").
    public static func list(_ names: [String]) -> String {
        if names.count <= 30 { return names.joined(separator: ", ") }
        return names.prefix(30).joined(separator: ", ") + ", and \(names.count - 30) more"
    }
}
