import Foundation
import TandemComm
import TandemData
import TandemTensor

/// Preparation of a CSV file by every rank of a communicator together: each rank parses its own
/// byte range (`CSVRangeSplit` decides where its records start and their line numbers;
/// `CSVPieceReader` reads them), the ranks agree on the column kinds (a column is numeric only if
/// it is numeric in every range), then the ranks trade column pieces so each holds every row of
/// its own columns, fit and store those exactly as `DataPreparation.build` does, and send them to
/// rank 0, which assembles the dataset (see `ParallelPreparation+Columns.swift`), so the dataset
/// is the one a single process prepares.
///
/// Each step ends in an exchange where every rank reports success or its error; the first error
/// in rank order, which is the first in file order, is thrown on every rank, so a malformed
/// record anywhere ends the job everywhere with the file's real line.
enum ParallelPreparation {
    /// Message tag of the source's stamp (the last rank to rank 0).
    static let stampTag = 7311
    /// Largest message of rows (MPI counts are 32-bit).
    static let chunkBytes = 1 << 30

    /// Whether `config` is prepared in parallel: a CSV file (not `.npy`, no separate target file).
    static func eligible(_ config: DataConfig) -> Bool {
        config.targetPath == nil && !config.path.lowercased().hasSuffix(".npy")
    }

    /// Every rank of `comm` calls this together. Rank 0 gets the prepared (in-memory) dataset,
    /// the others nil. Throws on every rank the first error of any rank (a `DataError` with
    /// file and line for bad input).
    ///
    /// With `directory` (given on rank 0: where the dataset will be written), rank 0 first makes
    /// the temporary directory `PreparedTable.write` will write into, with a token file; a rank
    /// that sees that directory with that token writes its stored columns into it itself (and
    /// fsyncs them), and sends rank 0 only their records and checksums; a rank that does not
    /// (no shared file system) sends their bytes. The directory is removed if preparing fails.
    static func run(_ config: DataConfig, comm: Communicator, directory: String? = nil) throws -> PreparedTable? {
        let begin = ContinuousClock.now
        let phases = PreparationPhases(rank: comm.rank)
        defer { phases.report() }
        var data: ColumnBuffer?
        var staging: String?
        do {
            let token = comm.rank == 0 && directory != nil ? (0..<4).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined() : ""
            let mapped = Result<[UInt8], any Error> {
                try Ingestion.checkFileSize(config.path)
                data = try Table.mapFile(config.path)
                guard comm.rank == 0, let directory else { return [] }
                let made = try PreparedTable.makeStaging(for: directory, token: token)
                staging = made
                return Array("\(made)\n\(token)".utf8)
            }
            phases.mark("map")
            let first = try exchange(comm, mapped)
            phases.mark("map wait")
            if comm.rank != 0 {
                // Rank 0's staging directory and token, if it made one.
                let told = String(decoding: first.first ?? [], as: UTF8.self).split(separator: "\n").map(String.init)
                if told.count == 2, PreparedTable.seesStaging(told[0], token: told[1]) { staging = told[0] }
            }
            guard let data else { throw PreparedDataError(.damagedMessage(what: "the ranks' preparation results", path: config.path, detail: nil)) }
            let table = try withExtendedLifetime(data) {
                try run(config, file: data.typed(UInt8.self), comm: comm, begin: begin, staging: staging, phases: phases)
            }
            table?.staging = staging
            return table
        } catch {
            if comm.rank == 0, let staging { try? FileManager.default.removeItem(atPath: staging) }
            throw error
        }
    }

    private static func run(_ config: DataConfig, file: UnsafeBufferPointer<UInt8>, comm: Communicator, begin: ContinuousClock.Instant,
                            staging: String?, phases: PreparationPhases) throws -> PreparedTable? {
        let path = config.path
        var header: [String] = []
        let ranges = CSVRangeSplit.ranges(count: file.count, parts: comm.size)
        let summary = Result<[UInt8], any Error> {
            header = try CSVPieceReader.header(of: file, path: path, kinds: config.columns)
            return integerBytes(CSVRangeSplit.summarize(file, range: ranges[comm.rank]).integers)
        }
        phases.mark("record starts")
        let summaries = try exchange(comm, summary).map { CSVRangeSplit.Summary(integers: integers(of: $0)) }
        let known = summaries.compactMap { $0 }
        guard known.count == comm.size else {
            throw PreparedDataError(.damagedMessage(what: "the ranks' byte-range summaries", path: path, detail: nil))
        }
        phases.mark("record starts wait")
        var marks = [ContinuousClock.now]
        let pieces = CSVRangeSplit.plan(known, fileSize: file.count, headerStart: CSVRangeSplit.headerStart(of: file))
        let reader = CSVPieceReader(file: file, path: path, piece: pieces[comm.rank], header: header, kinds: config.columns)
        var parsed = CSVPieceReader.Parsed()
        let parse = Result<[UInt8], any Error> {
            parsed = try reader.parse()
            return integerBytes([Int64(parsed.rows)] + parsed.numeric.map { $0 ? 1 : 0 })
        }
        phases.mark("parse")
        let typed = try exchange(comm, parse).map(integers(of:))
        phases.mark("parse wait")
        guard typed.allSatisfy({ $0.count == header.count + 1 }) else {
            throw PreparedDataError(.damagedMessage(what: "the ranks' column kinds", path: path, detail: nil))
        }
        marks.append(ContinuousClock.now)
        let numeric = header.indices.map { c in typed.allSatisfy { $0[c + 1] == 1 } }
        var shard = TableShard(coded: [], lines: [])
        let agreed = Result<[UInt8], any Error> {
            shard = try reader.shard(&parsed, numeric: numeric)
            return []
        }
        phases.mark("rows")
        _ = try exchange(comm, agreed)
        phases.mark("rows wait")
        marks.append(ContinuousClock.now)
        let owners = owners(header: header, numeric: numeric, target: config.target, ranks: comm.size)
        let table = try redistribute(&shard, header: header, owners: owners, rows: typed.map { Int($0[0]) }, path: path, comm: comm,
                                     phases: phases)
        marks.append(ContinuousClock.now)
        let steps = zip(["record starts", "parse", "rows with the agreed kinds", "columns to their ranks"], zip([begin] + marks, marks))
            .map { "\($0) \(String(format: "%.2f", ($1.1 - $1.0).seconds))" }.joined(separator: ", ")
        let built = try build(config, table: table, header: header, owners: owners, comm: comm, staging: staging, phases: phases)
        if comm.rank == 0 {
            Progress.say("data: \(comm.size) ranks parsed \(path) by byte ranges and fitted \(header.count - 1) columns in \(String(format: "%.2f", begin.secondsElapsed)) s (\(steps), fit and store \(String(format: "%.2f", marks[marks.count - 1].secondsElapsed)) s; rows per rank: \(typed.map { String($0[0]) }.joined(separator: ", ")); columns per rank: \((0..<comm.size).map { r in String(owners.filter { $0 == r }.count) }.joined(separator: ", ")); column files written by the ranks that fitted them: \(built?.columns.filter(\.staged).count ?? 0))")
        }
        return built
    }

    /// Message tags of the exchange (to rank 0, and back).
    static let exchangeTag = 7314

    /// Gathers every rank's `local` result to every rank, in rank order; throws the first
    /// failure (in rank order) on every rank, else returns every rank's bytes. Point-to-point
    /// and polled: a rank that finished its step first sleeps while it waits instead of spinning
    /// in a collective on a core the slower rank needs.
    static func exchange(_ comm: Communicator, _ local: Result<[UInt8], any Error>) throws -> [[UInt8]] {
        let mine: [UInt8]
        switch local {
        case .success(let b): mine = [0] + b
        case .failure(let e): mine = [1] + PreparationOutcome(e, rank: comm.rank).bytes
        }
        let all: [UInt8]
        if comm.rank == 0 {
            var gathered = [mine]
            for r in 1..<comm.size { gathered.append(try receiveChunked(from: r, tag: exchangeTag, comm: comm)) }
            all = pack(gathered)
            for r in 1..<comm.size { try sendChunked(all, to: r, tag: exchangeTag + 1, comm: comm) }
        } else {
            try sendChunked(mine, to: 0, tag: exchangeTag, comm: comm)
            all = try receiveChunked(from: 0, tag: exchangeTag + 1, comm: comm)
        }
        guard let out = unpack(all), out.count == comm.size, out.allSatisfy({ !$0.isEmpty }) else {
            throw PreparedDataError(.damagedMessage(what: "the ranks' preparation results", path: nil, detail: nil))
        }
        for m in out where m[0] == 1 { try PreparationOutcome(bytes: Array(m.dropFirst())).rethrow() }
        return out.map { Array($0.dropFirst()) }
    }

    /// Sends `bytes` to rank `destination`: its length, then pieces of at most `chunkBytes`.
    static func sendChunked(_ bytes: [UInt8], to destination: Int, tag: Int, comm: Communicator) throws {
        try comm.send(bytes: integerBytes([Int64(bytes.count)]), to: destination, tag: tag)
        // One piece is sent as it is (no copy of a slice).
        if bytes.count <= chunkBytes {
            if !bytes.isEmpty { try comm.send(bytes: bytes, to: destination, tag: tag) }
            return
        }
        var at = 0
        while at < bytes.count {
            let end = min(bytes.count, at + chunkBytes)
            try comm.send(bytes: Array(bytes[at..<end]), to: destination, tag: tag)
            at = end
        }
    }

    /// What `sendChunked` sent from rank `source` with `tag` (polled: a waiting rank sleeps
    /// instead of spinning a core another rank needs).
    static func receiveChunked(from source: Int, tag: Int, comm: Communicator) throws -> [UInt8] {
        let total = Int(integers(of: try comm.receive(from: source, tag: tag, pollInterval: 0.001).bytes).first ?? 0)
        guard total > 0 else { return [] }
        var out = try comm.receive(from: source, tag: tag, pollInterval: 0.001).bytes
        if out.count < total { out.reserveCapacity(total) }
        while out.count < total { out += try comm.receive(from: source, tag: tag, pollInterval: 0.001).bytes }
        return out
    }

    static func integerBytes(_ values: [Int64]) -> [UInt8] {
        values.withUnsafeBytes { Array($0) }
    }

    static func integers(of bytes: [UInt8]) -> [Int64] {
        let n = bytes.count / 8
        return (0..<n).map { i in bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i * 8, as: Int64.self) } }
    }
}
