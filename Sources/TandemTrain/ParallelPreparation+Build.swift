import Foundation
import TandemComm
import TandemData

extension ParallelPreparation {
    /// Message tag of the stored columns and fitted statistics sent to rank 0.
    static let storedTag = 7313

    /// The rest of `DataPreparation.build` on every rank of `comm` together, after
    /// `redistribute`: `table` holds every row of this rank's columns of `header` (`owners`) and
    /// of the target. Every rank runs the ingestion checks on the exchanged column facts and
    /// computes the target classes and the split (the same on every rank); each fits the
    /// preprocessing and drift histograms of its own features and stores their columns, and
    /// sends them to rank 0, which assembles the dataset. Rank 0 gets it, the others nil; an
    /// error on any rank is thrown on every rank.
    ///
    /// With `staging` (rank 0's temporary dataset directory, as this rank sees it), each rank
    /// (rank 0 too) writes its stored columns there itself and sends rank 0 only their records.
    static func build(_ config: DataConfig, table loaded: Table, header: [String], owners: [Int],
                      comm: Communicator, staging: String?, phases: PreparationPhases) throws -> PreparedTable? {
        let ingestion = try Ingestion(config, table: loaded, names: header, facts: {
            try exchangedFacts($0, header: header, owners: owners, comm: comm)
        })
        let table = ingestion.table
        let features = ingestion.features
        try DataPreparation.checkFeatures(features, config: config)
        phases.mark("ingestion")
        let owner = Dictionary(header.indices.map { (header[$0], owners[$0]) }, uniquingKeysWith: { a, _ in a })
        let mine = features.indices.filter { owner[features[$0]] == comm.rank }
        var payload: [UInt8] = []
        var encoder = TargetEncoder(task: config.task, classes: [])
        var target = PreparedTable.TargetValues.labels([])
        var split = SplitIndices(train: [], validation: [], test: [])
        // Errors come in the order one process meets them (target, split, features, fit), and
        // the exchange after the store throws the first of rank 0's, then of the next rank's.
        let storing = Result<[UInt8], any Error> {
            // The target is encoded by rank 0 alone (the dataset it assembles holds it), unless
            // the split needs it; the split, which every rank fits on, is made by every rank.
            if comm.rank == 0 || DataPreparation.splitNeedsTarget(config) {
                (encoder, target) = try DataPreparation.target(config, table: table)
                phases.mark("target")
            }
            split = try DataPreparation.split(config, rows: table.rowCount, target: DataPreparation.splitNeedsTarget(config) ? target : nil)
            phases.mark("split")
            // What `Preprocessor.fit` checks first for all features (one process), here on every rank.
            var seen = Set<String>()
            for name in features {
                guard seen.insert(name).inserted else { throw DataError(file: table.file, column: name, message: "feature is listed twice") }
                guard header.contains(name) else {
                    throw DataError(file: table.file, column: name, message: "feature column not found; columns are: \(DataError.list(header))")
                }
            }
            let names = mine.map { features[$0] }
            let fitted = names.isEmpty ? [] : try Preprocessor.fit(table: table, features: names, rows: split.train, options: config.preprocess).features
            phases.mark("fit")
            let histograms = try DriftReference.fit(table: table, features: names, rows: split.train).features
            phases.mark("drift")
            var parts: [[UInt8]] = []
            for (k, i) in mine.enumerated() {
                let column = try PreparedTable.column(features[i], position: i, of: table)
                // Hashed here, in parallel; written here too when rank 0's directory is visible
                // (by rank 0 as well: it then holds no stored copy of its columns until it writes).
                let staged = staging != nil
                if staged, let staging { try PreparedTable.writeStaged(column, into: staging) }
                parts += [integerBytes([Int64(i), staged ? 1 : 0, Int64(column.buffer.count)]), try json(fitted[k]), try json(histograms[k]),
                          try json(column.record), try json(column.dictionary), Array(PreparedTable.digest(column.buffer.bytes).utf8),
                          staged ? [] : Array(column.buffer.bytes)]
            }
            payload = pack(parts)
            return []
        }
        phases.mark("store")
        _ = try exchange(comm, storing)
        phases.mark("store wait")
        guard comm.rank == 0 else {
            try sendChunked(payload, to: 0, tag: storedTag, comm: comm)
            // The last rank hashes the source after its columns (it was given fewer of them).
            if comm.rank == comm.size - 1 {
                let stamp = PreparationOutcome.stampBytes(Result { try SourceStamp.make(config.path) })
                try comm.send(bytes: stamp, to: 0, tag: stampTag)
            }
            phases.mark("send and stamp")
            return nil
        }
        var transforms = [FeatureTransform?](repeating: nil, count: features.count)
        var histograms = [FeatureHistogram?](repeating: nil, count: features.count)
        var columns = [PreparedColumn?](repeating: nil, count: features.count)
        let decoder = JSONDecoder()
        // Everything is received before anything is decoded, so no rank is left blocked in a send.
        var received = [payload]
        payload = []
        for r in 1..<comm.size { received.append(try receiveChunked(from: r, tag: storedTag, comm: comm)) }
        phases.mark("receive")
        for r in 0..<comm.size {
            let bytes = received[r]
            received[r] = []
            guard let parts = unpack(bytes), parts.count % 7 == 0 else { throw PreparedDataError(.damagedMessage(what: "rank \(r)'s columns", path: config.path, detail: nil)) }
            for at in stride(from: 0, to: parts.count, by: 7) {
                let head = integers(of: parts[at])
                let i = Int(head.first ?? -1)
                guard head.count == 3, features.indices.contains(i) else { throw PreparedDataError(.damagedMessage(what: "rank \(r)'s columns", path: config.path, detail: nil)) }
                do {
                    transforms[i] = try decoder.decode(FeatureTransform.self, from: Data(parts[at + 1]))
                    histograms[i] = try decoder.decode(FeatureHistogram.self, from: Data(parts[at + 2]))
                    let record = try decoder.decode(PreparedManifest.Column.self, from: Data(parts[at + 3]))
                    let dictionary = try decoder.decode([String].self, from: Data(parts[at + 4]))
                    let sha256 = String(decoding: parts[at + 5], as: UTF8.self)
                    if head[1] == 1 {
                        // Written (and fsynced) by rank r into the staging directory.
                        guard let staging else { throw PreparedDataError(.damagedMessage(what: "rank \(r)'s columns", path: config.path, detail: "a column staged without a staging directory")) }
                        let buffer = try ColumnBuffer(mapping: staging + "/" + record.file)
                        guard buffer.count == Int(head[2]) else {
                            throw PreparedDataError(.damagedMessage(what: "rank \(r)'s column file \(record.file)", path: config.path,
                                                                    detail: "\(buffer.count) bytes, expected \(head[2])"))
                        }
                        columns[i] = PreparedColumn(record: record, buffer: buffer, dictionary: dictionary, sha256: sha256)
                        columns[i]?.staged = true
                    } else {
                        let raw = parts[at + 6]
                        let buffer = ColumnBuffer(count: raw.count) { dst in raw.withUnsafeBytes { dst.copyMemory(from: $0) } }
                        columns[i] = PreparedColumn(record: record, buffer: buffer, dictionary: dictionary, sha256: sha256)
                    }
                } catch {
                    throw PreparedDataError(.damagedMessage(what: "rank \(r)'s fitted column \(features[i])", path: config.path, detail: "\(error)"))
                }
            }
        }
        let fitted = transforms.compactMap { $0 }, drift = histograms.compactMap { $0 }, stored = columns.compactMap { $0 }
        guard fitted.count == features.count, drift.count == features.count, stored.count == features.count else {
            throw PreparedDataError(.damagedMessage(what: "the feature columns", path: config.path, detail: "the ranks sent \(stored.count) of \(features.count)"))
        }
        phases.mark("assemble")
        // The row files (target, lines, split) are written now, while the last rank hashes the
        // source (its stamp goes into the manifest), rather than after it with rank 0 alone.
        var stagedRows: [String: PreparedManifest.FileRecord] = [:]
        if let staging {
            let rows = PreparedTable.assemble(columns: [], lines: table.lineNumbers, target: target, split: split, sources: [], config: "",
                                              configSHA256: "", writer: "", extras: [:])
            stagedRows = try rows.writeRows(into: staging)
        }
        phases.mark("row files")
        let stamps = [try PreparationOutcome.stamp(comm.receive(from: comm.size - 1, tag: stampTag, pollInterval: 0.002).bytes)]
        phases.mark("stamp wait")
        var preprocessor = Preprocessor(options: config.preprocess, features: fitted)
        DataPreparation.fitTargetScaling(&preprocessor, config: config, target: target, split: split)
        let packaged = try DataPreparation.package(config, ingestion: ingestion, encoder: encoder, target: target, split: split,
                                                   preprocessor: preprocessor, drift: DriftReference(rows: split.train.count, features: drift),
                                                   stamps: stamps, columns: stored, lines: table.lineNumbers)
        packaged.stagedRows = stagedRows
        phases.mark("package")
        return packaged
    }

    /// `value` as JSON bytes.
    static func json<T: Encodable>(_ value: T) throws -> [UInt8] { Array(try JSONEncoder().encode(value)) }
}
