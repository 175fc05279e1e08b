import Foundation

/// The runs under a directory, for `tandem runs`.
public struct RunListing: Sendable {
    /// The directory that was scanned.
    public let directory: String
    /// Runs sorted by directory name (then path).
    public let runs: [RunRecord]
    /// Runs that could not be read, as `ReportError` messages (each names its file).
    public let problems: [String]

    /// Reads every run directly under `directory` (or `directory` itself when it is a run);
    /// subdirectories that are not runs are skipped. Throws `ReportError` when `directory` does
    /// not exist or cannot be listed.
    public static func scan(directory: String) throws -> RunListing {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw ReportError(.noSuchDirectory(directory))
        }
        guard isDirectory.boolValue else { throw ReportError(.notADirectory(directory)) }
        var candidates: [String]
        if RunFiles.isRun(directory: directory) {
            candidates = [directory]
        } else {
            do {
                candidates = try FileManager.default.contentsOfDirectory(atPath: directory).sorted().map { RunFiles.file(directory, $0) }
            } catch {
                throw ReportError(.fileSystem(.listDirectory, path: directory, detail: error.localizedDescription))
            }
        }
        candidates = candidates.filter { RunFiles.isRun(directory: $0) }
        var runs: [RunRecord] = []
        var problems: [String] = []
        for path in candidates {
            do { runs.append(try RunRecord.load(directory: path)) } catch { problems.append("\(error)") }
        }
        runs.sort { ($0.directoryName, $0.path) < ($1.directoryName, $1.path) }
        return RunListing(directory: directory, runs: runs, problems: problems)
    }

    /// The aligned table (header plus one line per run; NAME is the directory name, with the
    /// configured run name in parentheses when it differs; a SLURM JOB column, `ID` or `ID+restarts`,
    /// when any run has one), or `no runs under DIR` when there are none.
    public func table() -> String {
        guard !runs.isEmpty else { return "no runs under \(directory)" }
        // The Slurm job column appears only when some run came from a Slurm job.
        let slurm = runs.contains { $0.slurmJob != nil }
        let header = ["NAME", "STATUS", "TASK", "BEST VALIDATION", "EPOCHS", "WALL", "LAYOUT"] + (slurm ? ["SLURM JOB"] : [])
        let rows = runs.map { r -> [String] in
            let row: [String] = [r.label, r.status.rawValue, r.task ?? "-",
                                 r.bestValidation.map { "\($0.name) \(RunListing.number($0.value))" } ?? "-",
                                 r.epochs.map(String.init) ?? "-",
                                 r.wallSeconds.map(ProgressBar.duration) ?? "-",
                                 r.layout ?? "-"]
            return slurm ? row + [r.slurmJob ?? "-"] : row
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        let rightAligned: Set<Int> = [4, 5]
        return ([header] + rows).map { row in
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return rightAligned.contains(c) ? pad + cell : (c == row.count - 1 ? cell : cell + pad)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Four decimals for metrics.
    static func number(_ v: Double) -> String { String(format: "%.4f", v) }
}
