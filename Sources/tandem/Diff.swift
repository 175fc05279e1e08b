import ArgumentParser
import Foundation
import TandemFormats
import TandemTensor

/// `tandem diff A B`: how far apart are the parameters of two runs?
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the final parameters of two runs (run directories or .safetensors files).",
        discussion: "Prints max |a - b|, max |b|, their ratio (relative difference) and whether the SHA-256 digests match; exits 1 when the relative difference exceeds --tolerance."
    )

    @Argument(help: "First run directory or .safetensors file.") var first: String
    @Argument(help: "Second run directory or .safetensors file (the reference).") var second: String
    @Option(help: "Largest allowed relative difference.") var tolerance: Double = 1e-4

    func run() throws {
        let a = try load(first), b = try load(second)
        guard a.map(\.name) == b.map(\.name), a.map(\.shape) == b.map(\.shape) else {
            throw ValidationError("the two models have different parameter names or shapes: \(a.map { "\($0.name)\($0.shape)" }) vs \(b.map { "\($0.name)\($0.shape)" })")
        }
        var maxDiff: Float = 0, maxRef: Float = 0
        for (x, y) in zip(a, b) {
            for i in x.values.indices { maxDiff = max(maxDiff, abs(x.values[i] - y.values[i])); maxRef = max(maxRef, abs(y.values[i])) }
        }
        let relative = maxRef == 0 ? Double(maxDiff) : Double(maxDiff / maxRef)
        let same = digest(a) == digest(b)
        print("max_abs_diff \(maxDiff)  max_abs_value \(maxRef)  relative \(relative)  identical \(same)")
        if relative > tolerance {
            print("relative difference \(relative) exceeds tolerance \(tolerance)")
            throw ExitCode(1)
        }
    }

    private func digest(_ tensors: [NamedTensor]) -> String {
        tensors.flatMap(\.values).withUnsafeBufferPointer { SHA256.hex($0) }
    }

    private func load(_ path: String) throws -> [NamedTensor] {
        var isDir: ObjCBool = false
        let file = FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
            ? URL(fileURLWithPath: path).appendingPathComponent("params.safetensors").path : path
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("\(file): no such file (a finished run has params.safetensors)") }
        do {
            return try SafeTensors.decode(data).tensors
        } catch {
            throw ValidationError("\(file): \(error)")
        }
    }
}
