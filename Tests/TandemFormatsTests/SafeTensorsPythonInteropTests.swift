import Foundation
import TandemFormats
import TandemTensor
import Testing
import TestSupport

/// Runs `python3 -c script args...`; returns stdout, or nil if python3 cannot be run or fails.
func runPython(_ script: String, _ args: [String] = []) -> String? {
    guard let result = python3(["-c", script] + args), result.status == 0 else { return nil }
    return result.output
}

/// True when `python3` can import `numpy` and `safetensors.numpy` (`pip install safetensors numpy`).
let pythonSafetensorsAvailable: Bool = runPython("import numpy, safetensors.numpy; print('ok')")?.hasPrefix("ok") == true

/// Interoperability with the reference implementation (Hugging Face `safetensors` for Python).
/// Skipped when python3 with numpy and safetensors is not installed.
@Suite(.enabled(if: pythonSafetensorsAvailable, "needs python3 with numpy and safetensors (pip install safetensors numpy)"))
struct SafeTensorsPythonInteropTests {
    static func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("tandem-\(UUID().uuidString)-\(name)")
    }

    /// Tandem writes, Python's `safetensors.numpy.load_file` reads: names, dtypes, shapes, values
    /// (printed with repr of float32 -> exact), and metadata through `safe_open`.
    @Test func pythonLoadsWhatTandemWrites() throws {
        let tensors = [
            NamedTensor(name: "layers.0.weight", shape: [2, 3], values: [1, -2.5, 0.1, 3e-8, -0, 65504]),
            NamedTensor(name: "layers.0.bias", shape: [2], values: [0.125, -7]),
        ]
        let url = Self.temporaryFile("out.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensors.encode(tensors, metadata: ["format": "pt", "step": "12"]).write(to: url)
        let script = """
        import json, sys
        from safetensors import safe_open
        from safetensors.numpy import load_file
        d = load_file(sys.argv[1])
        with safe_open(sys.argv[1], framework="numpy") as f:
            meta = f.metadata()
        print(json.dumps({"tensors": {k: {"dtype": str(v.dtype), "shape": list(v.shape),
                                          "values": [float(x) for x in v.reshape(-1)]} for k, v in d.items()},
                          "metadata": meta}))
        """
        let out = try #require(runPython(script, [url.path]), "python failed to load the file")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let loaded = try #require(json["tensors"] as? [String: [String: Any]])
        #expect(Set(loaded.keys) == Set(tensors.map(\.name)))
        for t in tensors {
            let entry = try #require(loaded[t.name])
            #expect(entry["dtype"] as? String == "float32")
            #expect((entry["shape"] as? [Int]) == t.shape)
            let values = try #require(entry["values"] as? [Double])
            #expect(values.map(Float.init) == t.values, "\(t.name)")   // float32 -> double -> float32 is exact
        }
        #expect((json["metadata"] as? [String: String]) == ["format": "pt", "step": "12"])
    }

    /// Python writes (including a scalar), Tandem decodes.
    @Test func tandemLoadsWhatPythonWrites() throws {
        let url = Self.temporaryFile("in.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let script = """
        import sys, numpy as np
        from safetensors.numpy import save_file
        save_file({"w": np.arange(12, dtype=np.float32).reshape(3, 4) / 8 - 0.5,
                   "b": np.array([1.5, -2.0, 3.25], dtype=np.float32),
                   "s": np.array(7.0, dtype=np.float32)}, sys.argv[1], metadata={"k": "v"})
        """
        _ = try #require(runPython(script, [url.path]), "python failed to write the file")
        let (tensors, metadata) = try SafeTensors.decode(try Data(contentsOf: url))
        let byName = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0) })
        #expect(byName["w"] == NamedTensor(name: "w", shape: [3, 4], values: (0..<12).map { Float($0) / 8 - 0.5 }))
        #expect(byName["b"] == NamedTensor(name: "b", shape: [3], values: [1.5, -2, 3.25]))
        #expect(byName["s"] == NamedTensor(name: "s", shape: [], values: [7]))
        #expect(metadata == ["k": "v"])
    }

    /// Python's writer gives a zero-element tensor the same begin offset as the next tensor.
    /// See SafeTensorsTests.zeroSizedTensorsSharingAnOffsetDecode.
    @Test func tandemLoadsPythonFileWithEmptyTensors() throws {
        let url = Self.temporaryFile("empty.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let script = """
        import sys, numpy as np
        from safetensors.numpy import save_file
        t = {}
        for i in range(12):
            t["a%02d" % i] = np.zeros((0, 3), dtype=np.float32)
            t["b%02d" % i] = np.array([i], dtype=np.float32)
        save_file(t, sys.argv[1])
        """
        _ = try #require(runPython(script, [url.path]), "python failed to write the file")
        let data = try Data(contentsOf: url)
        let tensors = try SafeTensors.decode(data).tensors
        #expect(tensors.count == 24)
    }
}
