import Foundation

/// Runs `python3 arguments...` (through /usr/bin/env); returns its exit status and standard
/// output, or nil when python3 cannot be started. For the optional cross-checks against
/// reference implementations (safetensors, TensorBoard) that skip when Python is missing.
public func python3(_ arguments: [String]) -> (status: Int32, output: String)? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
