#if canImport(Glibc)
import Glibc
#endif

/// Where the records of a CSV file start when the file is cut into byte ranges, one per rank,
/// without any rank reading the bytes before its range.
///
/// Each rank runs the quoting state machine of `CSVRecordScanner` over its range once from every
/// state the range could begin in (`summarize`), noting for each where the first record starts,
/// how many line breaks precede it within the range, and the state at the range's end. The
/// summaries, in rank order, then decide (`plan`) the true state at every range start (the file
/// begins at a line start), hence each rank's first record and its global line number: an
/// exclusive scan of states and line counts. A quoted field holding line breaks across a range
/// boundary, CRLF cut in two, a stray `"` inside an unquoted field and blank lines all come out
/// as `CSVRecordScanner` reads them.
///
/// Lines are counted as the scanner counts them: LF, CRLF and a lone CR each end one line,
/// inside quotes too.
public enum CSVRangeSplit {
    /// A state of the quoting machine at a byte position.
    public enum State: UInt8, CaseIterable, Sendable {
        /// After a line break outside quotes (or at the file start): a record starts at the next
        /// byte that is not a line break.
        case lineStart = 0
        /// After a comma outside quotes.
        case fieldStart
        /// Inside an unquoted field (a `"` here is text).
        case unquoted
        /// Inside a quoted field.
        case quoted
        /// After a `"` inside a quoted field: `""` (a literal quote) or the closing quote.
        case quoteInQuoted
    }

    /// What one range tells, for each state it may begin in.
    public struct Summary: Sendable, Equatable {
        /// Per starting state (`State.rawValue`): the state after the range's last byte.
        public var end: [State]
        /// Per starting state: the offset in the file of the first record starting in the range, or nil.
        public var firstRecord: [Int?]
        /// Per starting state: line breaks in the range before that record.
        public var breaksBefore: [Int]
        /// Line breaks in the whole range (a CR at its end counts unless the file's next byte is LF).
        public var breaks: Int

        /// 17 integers for an exchange between ranks (nil record = -1).
        public var integers: [Int64] {
            end.map { Int64($0.rawValue) } + firstRecord.map { Int64($0 ?? -1) } + breaksBefore.map(Int64.init) + [Int64(breaks)]
        }

        /// The summary of `integers`; nil when they are not one.
        public init?(integers v: [Int64]) {
            let k = State.allCases.count
            guard v.count == 3 * k + 1 else { return nil }
            var end: [State] = []
            for x in v[0..<k] {
                guard let s = UInt8(exactly: x).flatMap(State.init(rawValue:)) else { return nil }
                end.append(s)
            }
            self.end = end
            firstRecord = v[k..<(2 * k)].map { $0 < 0 ? nil : Int($0) }
            breaksBefore = v[(2 * k)..<(3 * k)].map { Int($0) }
            breaks = Int(v[3 * k])
        }

        init(end: [State], firstRecord: [Int?], breaksBefore: [Int], breaks: Int) {
            self.end = end
            self.firstRecord = firstRecord
            self.breaksBefore = breaksBefore
            self.breaks = breaks
        }
    }

    /// One rank's share: the records starting in `bytes` (offsets into the file), and how many
    /// line breaks precede `bytes.lowerBound`, so a record's line is its line within the piece
    /// plus `lineOffset`.
    public struct Piece: Sendable, Equatable {
        public var bytes: Range<Int>
        public var lineOffset: Int
    }

    /// Where the file's first record (the header) starts: after a byte-order mark and blank lines.
    public static func headerStart(of file: UnsafeBufferPointer<UInt8>) -> Int {
        var i = file.count >= 3 && file[0] == 0xEF && file[1] == 0xBB && file[2] == 0xBF ? 3 : 0
        while i < file.count, file[i] == 0x0A || file[i] == 0x0D { i += 1 }
        return i
    }

    /// `count` bytes cut into `parts` ranges of nearly equal size, in order.
    public static func ranges(count: Int, parts: Int) -> [Range<Int>] {
        (0..<parts).map { (count * $0 / parts)..<(count * ($0 + 1) / parts) }
    }

    private static let classes: [UInt8] = (0..<256).map { b in
        switch b {
        case 0x22: 1
        case 0x2C: 2
        case 0x0A: 3
        case 0x0D: 4
        default: 0
        }
    }

    /// Next state from `s` on a byte of class `c` (0 other, 1 quote, 2 comma, 3 LF, 4 CR).
    private static let next: [State] = {
        var t = [State](repeating: .unquoted, count: 25)
        for s in State.allCases {
            for c in 0..<5 {
                let n: State
                switch (s, c) {
                case (.quoted, 1): n = .quoteInQuoted
                case (.quoted, _): n = .quoted
                case (.quoteInQuoted, 1): n = .quoted
                case (_, 3), (_, 4): n = .lineStart
                case (_, 2): n = .fieldStart
                case (.lineStart, 1), (.fieldStart, 1): n = .quoted
                default: n = .unquoted  // text, a stray quote in an unquoted field, text after a closing quote (the scanner's error)
                }
                t[Int(s.rawValue) * 5 + c] = n
            }
        }
        return t
    }()

    /// The summary of `range` of `file` (the whole file, so a CR at the range's end can look at
    /// the next byte). A range without any `"` (usually the whole file) needs no state machine
    /// past its first line (`quoteFreeSummary`); a range with quotes runs the machine
    /// (`machineSummary`). Both give the same summary.
    ///
    /// The range is read once (`scan`: its line feeds, and whether it holds a `"` or a CR), not
    /// once for quotes, once for CRs and once for the line feeds.
    public static func summarize(_ file: UnsafeBufferPointer<UInt8>, range: Range<Int>) -> Summary {
        let bytes = scan(file, range)
        if bytes.quote { return machineSummary(file, range: range) }
        return quoteFreeSummary(file, range: range, breaks: bytes.carriageReturn ? breaks(file, range) : bytes.lineFeeds)
    }

    /// One pass over `range` of `file`, 16 bytes at a time: its line feeds (LF bytes), and
    /// whether it holds a `"` or a CR.
    static func scan(_ file: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> (lineFeeds: Int, quote: Bool, carriageReturn: Bool) {
        guard !range.isEmpty, let base = file.baseAddress else { return (0, false, false) }
        typealias Block = SIMD16<UInt8>
        let lf = Block(repeating: 0x0A), quote = Block(repeating: 0x22), cr = Block(repeating: 0x0D)
        let zero = Block(repeating: 0), one = Block(repeating: 1)
        var lineFeeds = 0
        var quotes = zero, crs = zero
        var i = range.lowerBound
        let end = range.upperBound
        // Per-lane counts in bytes, added up before any can pass 255.
        while end - i >= 16 {
            var counts = zero
            let blocks = min(255, (end - i) / 16)
            for _ in 0..<blocks {
                let v = UnsafeRawPointer(base + i).loadUnaligned(as: Block.self)
                counts &+= zero.replacing(with: one, where: v .== lf)
                quotes |= zero.replacing(with: one, where: v .== quote)
                crs |= zero.replacing(with: one, where: v .== cr)
                i += 16
            }
            lineFeeds += Int(SIMD16<UInt16>(truncatingIfNeeded: counts).wrappedSum())
        }
        var quoted = quotes != zero, returned = crs != zero
        while i < end {
            let b = base[i]
            lineFeeds += b == 0x0A ? 1 : 0
            quoted = quoted || b == 0x22
            returned = returned || b == 0x0D
            i += 1
        }
        return (lineFeeds, quoted, returned)
    }

    /// The summary of a `range` holding no `"`. Begun inside quotes, the machine stays there to
    /// the end and finds no record. Begun in any other state, the state after a byte depends on
    /// that byte only (a line break gives `lineStart`, a comma `fieldStart`, anything else
    /// `unquoted`), so the machine runs only until the first record starts (within the first
    /// line or two), and the end state is that of the range's last byte.
    /// `breaks` is `breaks(file, range)`, which the caller has counted.
    static func quoteFreeSummary(_ file: UnsafeBufferPointer<UInt8>, range: Range<Int>, breaks total: Int) -> Summary {
        let k = State.allCases.count
        var endState = State.allCases
        var first = [Int?](repeating: nil, count: k)
        var before = [Int](repeating: 0, count: k)
        let last: State? = range.isEmpty ? nil : next[Int(State.lineStart.rawValue) * 5 + Int(classes[Int(file[range.upperBound - 1])])]
        for h in 0..<k where State.allCases[h] != .quoted {
            var s = State.allCases[h]
            var i = range.lowerBound
            while i < range.upperBound {
                let c = classes[Int(file[i])]
                if s == .lineStart && c < 3 { first[h] = i; break }
                s = next[Int(s.rawValue) * 5 + Int(c)]
                i += 1
            }
            if let f = first[h], let last {
                before[h] = breaks(file, range.lowerBound..<f)
                endState[h] = last
            } else {
                endState[h] = s
            }
        }
        return Summary(end: endState, firstRecord: first, breaksBefore: before, breaks: total)
    }

    /// The summary of `range` of `file` by the state machine: one tight pass of the machine per
    /// distinct state, and one counting the line breaks.
    static func machineSummary(_ file: UnsafeBufferPointer<UInt8>, range: Range<Int>) -> Summary {
        let k = State.allCases.count
        var endState = [State](repeating: .lineStart, count: k)
        var first = [Int?](repeating: nil, count: k)
        var before = [Int](repeating: 0, count: k)
        classes.withUnsafeBufferPointer { cls in
            next.withUnsafeBufferPointer { tbl in
                @inline(__always) func step(_ s: State, _ i: Int) -> State { tbl[Int(s.rawValue) * 5 + Int(cls[Int(file[i])])] }
                var state = [State](repeating: .lineStart, count: k)
                var position = [Int](repeating: range.upperBound, count: k)
                for h in 0..<k {
                    var s = State.allCases[h]
                    var i = range.lowerBound
                    // Until the first record: a line start followed by a byte that is no line break.
                    while i < range.upperBound {
                        if s == .lineStart && cls[Int(file[i])] < 3 { first[h] = i; break }
                        s = step(s, i)
                        i += 1
                    }
                    state[h] = s
                    position[h] = i
                    if let f = first[h] { before[h] = breaks(file, range.lowerBound..<f) }
                }
                // A machine that found no first record has read its whole range already. From a
                // common position on, the others that are in the same state stay together: one
                // run per distinct state (usually one or two: inside quotes or not), merged again
                // after every block, instead of one full pass per start state.
                let live = (0..<k).filter { first[$0] != nil }
                let common = live.map { position[$0] }.max() ?? range.upperBound
                for h in live {
                    while position[h] < common {
                        state[h] = step(state[h], position[h])
                        position[h] += 1
                    }
                }
                var runs: [State] = []
                var runOf = [Int](repeating: -1, count: k)
                for h in live {
                    if let j = runs.firstIndex(of: state[h]) { runOf[h] = j } else { runOf[h] = runs.count; runs.append(state[h]) }
                }
                var at = runs.isEmpty ? range.upperBound : common
                while at < range.upperBound {
                    let stop = min(range.upperBound, at + 1 << 16)
                    if runs.count == 2 {
                        var a = runs[0], b = runs[1]
                        for i in at..<stop {
                            let c = Int(cls[Int(file[i])])
                            a = tbl[Int(a.rawValue) * 5 + c]
                            b = tbl[Int(b.rawValue) * 5 + c]
                        }
                        runs = [a, b]
                    } else {
                        for j in runs.indices {
                            var s = runs[j]
                            for i in at..<stop { s = step(s, i) }
                            runs[j] = s
                        }
                    }
                    at = stop
                    var merged: [State] = []
                    let remap = runs.map { s -> Int in
                        if let j = merged.firstIndex(of: s) { return j }
                        merged.append(s)
                        return merged.count - 1
                    }
                    if merged.count < runs.count {
                        runOf = runOf.map { $0 < 0 ? $0 : remap[$0] }
                        runs = merged
                    }
                }
                for h in 0..<k { endState[h] = runOf[h] < 0 ? state[h] : runs[runOf[h]] }
            }
        }
        return Summary(end: endState, firstRecord: first, breaksBefore: before, breaks: breaks(file, range))
    }

    /// Line breaks in `range` of `file` as the scanner counts them (LF, CRLF once, a lone CR;
    /// a CR at the range's end looks at the file's next byte).
    static func breaks(_ file: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var n = 0
        var i = range.lowerBound
        while i < range.upperBound {
            let b = file[i]
            if b == 0x0A || (b == 0x0D && (i + 1 == file.count || file[i + 1] != 0x0A)) { n += 1 }
            i += 1
        }
        return n
    }

    /// Each range's piece from the summaries of the ranges (in order, covering `0..<fileSize`).
    ///
    /// The first piece starts at 0 (the header and a byte-order mark are the first rank's); a
    /// later piece starts one byte before its first record, on the line break ending the
    /// previous record (so the scanner never takes a record's first bytes for a byte-order
    /// mark), with `lineOffset` one less to match. A range where no record starts after
    /// `headerStart` (`headerStart(of:)`) gets an empty piece: the header is always the first
    /// piece's. Pieces are contiguous and together cover the file.
    public static func plan(_ summaries: [Summary], fileSize: Int, headerStart: Int) -> [Piece] {
        var starts: [Int?] = []
        var offsets: [Int] = []
        var state = State.lineStart
        var lines = 0
        for (r, s) in summaries.enumerated() {
            let h = Int(state.rawValue)
            if r == 0 {
                starts.append(0)
                offsets.append(0)
            } else if let f = s.firstRecord[h], f > headerStart {
                starts.append(f - 1)
                offsets.append(lines + s.breaksBefore[h] - 1)
            } else {
                starts.append(nil)
                offsets.append(0)
            }
            state = s.end[h]
            lines += s.breaks
        }
        var pieces: [Piece] = []
        var upper = fileSize
        for r in summaries.indices.reversed() {
            if let s = starts[r] {
                pieces.append(Piece(bytes: s..<upper, lineOffset: offsets[r]))
                upper = s
            } else {
                pieces.append(Piece(bytes: upper..<upper, lineOffset: 0))
            }
        }
        return pieces.reversed()
    }
}
