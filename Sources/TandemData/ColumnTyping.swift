/// The rule that types one CSV column, cell by cell, shared by `Table(csv:)` and the streaming
/// `Table.load` path so both type every column the same way.
///
/// A column is numeric if every cell is a number or a missing token (`CellText.number`), or if
/// all of its cells are missing; otherwise it is categorical and keeps its trimmed text. A column
/// forced `.numeric` makes a cell that is not a number an error; forced `.categorical` keeps
/// numbers as their text.
struct ColumnTyping {
    let name: String
    let forced: ColumnKind?
    let file: String
    /// True while every cell seen so far is a number or missing.
    private(set) var numeric: Bool
    /// The first cell whose number overflowed a double (`1e400` reads as inf): an error once
    /// the column turns out numeric (`requireNoOverflow`), plain text in a categorical one.
    private var overflow: (line: Int, text: String)?

    init(name: String, forced: ColumnKind?, file: String) {
        self.name = name
        self.forced = forced
        self.file = file
        numeric = forced != .categorical
    }

    /// Takes one cell's value as a number (nil: not a number, with `text` for the message).
    /// Throws `DataError` (line, column) for a non-number in a column forced numeric.
    mutating func observe(_ number: Double?, text: @autoclosure () -> String, line: Int) throws {
        if let x = number, x.isInfinite, overflow == nil, numeric {
            let t = trimmedCell(text())
            if Self.overflows(t) { overflow = (line, t) }
        }
        guard numeric, number == nil else { return }
        if forced == .numeric {
            throw DataError(file: file, line: line, column: name, message: "expected a number, found \(DataError.quoted(text()))")
        }
        numeric = false
    }

    /// Throws `DataError` (line, column) when the column is numeric and a cell's number is too
    /// large for a double (`1e400`), which would otherwise be reported as a cell holding inf.
    func requireNoOverflow() throws {
        guard numeric, let o = overflow else { return }
        throw DataError(file: file, line: o.line, column: name, message: Self.overflowMessage(o.text))
    }

    /// Whether `text`, which reads as an infinite number, is a number too large for a double
    /// (`1e400`) rather than infinity spelled out (`inf`, `-Infinity`).
    static func overflows(_ text: String) -> Bool {
        let t = trimmedCell(text)
        let unsigned = t.hasPrefix("-") || t.hasPrefix("+") ? String(t.dropFirst()) : t
        return !["inf", "infinity"].contains(unsigned.lowercased())
    }

    /// The error message for a cell `text` that `overflows`.
    static func overflowMessage(_ text: String) -> String {
        "\(DataError.quoted(trimmedCell(text))) overflows a 64-bit float (found inf); numbers must lie within ±1.8e308"
    }

    /// Whether a number too large for a double was read while the column was numeric.
    var hasOverflow: Bool { overflow != nil }

    /// The kind once every cell has been observed.
    var kind: ColumnKind { numeric ? .numeric : .categorical }

    /// The stored text of a categorical cell: trimmed, nil for a missing token.
    static func category(_ cell: String) -> String? {
        let t = trimmedCell(cell)
        return CellText.missingTokens.contains(t) ? nil : t
    }
}
