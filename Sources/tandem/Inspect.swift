import ArgumentParser
import Foundation
import TandemData
import TandemTrain

/// `tandem inspect CHECKPOINT|RUN|PREPARED`: what a checkpoint or prepared dataset holds, and whether it is intact.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a checkpoint or prepared dataset holds and whether every checksum verifies.",
        discussion: "PATH is a checkpoint directory (runs/NAME/checkpoints/step-N), a run directory (lists its checkpoints), or a prepared dataset (tandem prepare; runs/.prepared/NAME). Exits 1 when it does not verify."
    )

    @Argument(help: "Checkpoint, run or prepared dataset directory.") var path: String

    func run() throws {
        let url = URL(fileURLWithPath: path, isDirectory: true)
        if PreparedTable.isPrepared(path) { return try InspectPrepared.show(path) }
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("checkpoints").path) {
            let store = CheckpointStore(runDirectory: path)
            var bad = 0
            for (_, dir) in store.list() {
                do {
                    let c = try CheckpointStore.load(dir)
                    print("\(dir.lastPathComponent)  ok  step \(c.manifest.state.step)  epoch \(c.manifest.state.epoch + 1)  \(c.manifest.state.metric?.qualified ?? "metric") \(c.manifest.state.metricValue.map { String(format: "%.4f", $0) } ?? "-")")
                } catch {
                    bad += 1
                    print("\(dir.lastPathComponent)  BAD  \(error)")
                }
            }
            if bad > 0 { throw ExitCode(1) }
            return
        }
        let c: Checkpoint
        do { c = try CheckpointStore.load(url) } catch {
            print("\(url.lastPathComponent): does not verify: \(error)")
            throw ExitCode(1)
        }
        let m = c.manifest
        print("checkpoint   \(c.directory.path)")
        print("format       \(m.formatVersion) (tandem \(m.tandemVersion)), written \(m.createdAt)")
        print("position     step \(m.state.step), epoch \(m.state.epoch + 1), batch \(m.state.batch) of the epoch\(m.state.finished ? " (training had finished)" : "")")
        print("layout       world \(m.layout.world) (dp \(m.layout.dp), tp \(m.layout.tp), pp \(m.layout.pp))")
        print("model        \(m.model.kind) \(m.model.widths.map(String.init).joined(separator: "-")) \(m.model.activation), \(m.model.parameters) parameters")
        print("optimizer    \(m.optimizer.name), \(m.optimizer.stepCount) updates")
        print("task         \(m.task)\(m.classes.map { ", classes \($0.joined(separator: ", "))" } ?? "")")
        if let n = m.state.metric?.qualified, let v = m.state.metricValue { print("metric       \(n) \(v)") }
        print("seeds        train \(m.trainSeed), split \(m.splitSeed)")
        print("tensors:")
        for t in c.tensors { print("  \(t.name.padding(toLength: 36, withPad: " ", startingAt: 0)) \(t.shape)") }
        print("checksums    ok (SHA256SUMS, manifest.json, tensors.safetensors)")
    }
}
