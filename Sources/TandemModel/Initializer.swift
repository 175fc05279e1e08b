import CBLAS
import Foundation
import TandemTensor

/// Fills the parameters of a `ParameterArena` laid out by `NetworkSpec.parameterSpecs`.
public enum Initializer {
    /// Initializes every `layers.i.weight` with `scheme` from a stream derived from `seed` and the
    /// layer index (embedding tables from N(0, 1)); biases are zero; normalization scales and running variances one. The result depends only on (spec, seed).
    public static func initialize(_ arena: ParameterArena, scheme: InitScheme, seed: UInt64) throws {
        let root = RandomGenerator(seed: seed)
        for (index, slot) in arena.slots.enumerated() where slot.shape.count == 2 && slot.name != "numeric.bias" {
            var rng = root.split(UInt64(index))
            let out = slot.shape[0], inp = slot.shape[1]
            let p = arena.params.base + slot.offset
            if slot.name.hasPrefix("embeddings.") {  // an embedding table [levels, dim]: N(0, 1), as torch.nn.Embedding
                for i in 0..<slot.count { p[i] = Float(rng.nextNormal()) }
                continue
            }
            if slot.name == "numeric.frequencies" {  // periodic embeddings: N(0, sigma)
                for i in 0..<slot.count { p[i] = Float(rng.nextNormal() * PeriodicShape.frequencyScale) }
                continue
            }
            switch scheme {
            case .he:
                let std = (2.0 / Double(inp)).squareRoot()
                for i in 0..<slot.count { p[i] = Float(rng.nextNormal() * std) }
            case .xavier:
                let a = (6.0 / Double(inp + out)).squareRoot()
                for i in 0..<slot.count { p[i] = Float((rng.nextDouble() * 2 - 1) * a) }
            case .orthogonal:
                let q = try orthogonal(rows: out, cols: inp, rng: &rng)
                for i in 0..<slot.count { p[i] = q[i] }
            }
        }
        // Periodic embeddings' per-feature Linear W [F, d, 2k] and b [F, d]: U(-a, a), a = 1 / sqrt(2k),
        // as torch.nn.Linear (and the reference implementation).
        if let w = arena.slot(named: "numeric.weight"), let b = arena.slot(named: "numeric.bias"), w.shape.count == 3 {
            var rng = root.split(UInt64(arena.slots.count))
            let a = 1 / Double(w.shape[2]).squareRoot()
            for slot in [w, b] {
                for i in 0..<slot.count { arena.params.base[slot.offset + i] = Float((rng.nextDouble() * 2 - 1) * a) }
            }
        }
        for slot in arena.slots where slot.shape.count == 1 {
            // Normalization scales and running variances start at one, shifts and means at zero.
            let one = slot.name.hasSuffix(".norm.weight") || slot.name.hasSuffix(".norm.running_var")
            (arena.params.base + slot.offset).update(repeating: one ? 1 : 0, count: slot.count)
        }
    }

    /// A `[rows, cols]` row-major matrix with orthonormal rows (rows <= cols) or columns (rows > cols).
    static func orthogonal(rows: Int, cols: Int, rng: inout RandomGenerator) throws -> [Float] {
        // QR of a tall n x k Gaussian matrix (n = max, k = min) gives Q with orthonormal columns.
        let n = max(rows, cols), k = min(rows, cols)
        var a = [Float](repeating: 0, count: n * k)
        for i in a.indices { a[i] = Float(rng.nextNormal()) }
        var tau = [Float](repeating: 0, count: k)
        var info = LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, Int32(n), Int32(k), &a, Int32(k), &tau)
        guard info == 0 else { throw ModelError(.lapackFailed(task: "orthogonal init", routine: "LAPACKE_sgeqrf", info: Int(info))) }
        let signs = (0..<k).map { a[$0 * k + $0] < 0 ? Float(-1) : Float(1) }
        info = LAPACKE_sorgqr(LAPACK_ROW_MAJOR, Int32(n), Int32(k), Int32(k), &a, Int32(k), &tau)
        guard info == 0 else { throw ModelError(.lapackFailed(task: "orthogonal init", routine: "LAPACKE_sorgqr", info: Int(info))) }
        for r in 0..<n { for c in 0..<k { a[r * k + c] *= signs[c] } }
        if rows >= cols { return a }
        var t = [Float](repeating: 0, count: rows * cols)   // transpose n x k -> k x n
        for r in 0..<n { for c in 0..<k { t[c * n + r] = a[r * k + c] } }
        return t
    }
}
