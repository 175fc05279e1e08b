import TandemFormats
import TandemTensor

/// One named parameter tensor's place in the arena.
public struct ParameterSlot: Equatable, Sendable {
    /// Name in exported files, e.g. `layers.0.weight`.
    public let name: String
    /// Shape, row-major; weights are `[out, in]`, biases `[out]`.
    public let shape: [Int]
    /// First element in the arena.
    public let offset: Int
    /// Whether weight decay applies (weights yes, biases no).
    public let decays: Bool
    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
}

/// All parameters of a model in one contiguous buffer, with a gradient buffer of the same layout
/// (DESIGN.md decision 1). Layers keep offsets into it; the optimizer, allreduce, broadcast and
/// checkpoints each work on the whole buffer at once.
public final class ParameterArena: @unchecked Sendable {
    /// The slots in layer order.
    public let slots: [ParameterSlot]
    /// Parameter values.
    public let params: FloatBuffer
    /// Gradients, same layout as `params`.
    public let grads: FloatBuffer
    /// Total element count.
    public var count: Int { params.count }

    /// Lays out `specs` (name, shape, decays) contiguously in order.
    public init(_ specs: [(name: String, shape: [Int], decays: Bool)]) {
        slots = ParameterArena.layout(specs)
        let count = slots.last.map { $0.offset + $0.count } ?? 0
        params = FloatBuffer(count: count)
        grads = FloatBuffer(count: count)
    }

    /// The slots an arena of `specs` has, without allocating one.
    public static func layout(_ specs: [(name: String, shape: [Int], decays: Bool)]) -> [ParameterSlot] {
        var slots: [ParameterSlot] = []
        var offset = 0
        for s in specs {
            let slot = ParameterSlot(name: s.name, shape: s.shape, offset: offset, decays: s.decays)
            slots.append(slot)
            offset += slot.count
        }
        return slots
    }

    /// Sets every gradient to zero.
    public func zeroGrads() { grads.fill(0) }

    /// Sets every gradient to zero except those in `kept` (sorted, non-overlapping ranges of the
    /// arena), which the caller overwrites before reading them (`Dense.overwritesWeightGradient`).
    public func zeroGrads(except kept: [Range<Int>]) {
        var start = 0
        for r in kept {
            if r.lowerBound > start { (grads.base + start).update(repeating: 0, count: r.lowerBound - start) }
            start = max(start, r.upperBound)
        }
        if count > start { (grads.base + start).update(repeating: 0, count: count - start) }
    }

    /// The slot named `name`, if any.
    public func slot(named name: String) -> ParameterSlot? { slots.first { $0.name == name } }

    /// The parameters as named tensors, in layer order.
    public func tensors() -> [NamedTensor] {
        slots.map { s in
            NamedTensor(name: s.name, shape: s.shape, values: Array(UnsafeBufferPointer(start: params.base + s.offset, count: s.count)))
        }
    }

    /// Replaces the parameters with `tensors`, which must name every slot with its exact shape.
    /// Throws a `ModelError` naming the first missing, unexpected or mis-shaped tensor; nothing
    /// is changed unless every tensor fits.
    public func load(_ tensors: [NamedTensor]) throws {
        var byName: [String: NamedTensor] = [:]
        for t in tensors { byName[t.name] = t }
        var matched: [(ParameterSlot, NamedTensor)] = []
        for s in slots {
            guard let t = byName.removeValue(forKey: s.name) else { throw ModelError(.missingParameter(name: s.name, shape: nil)) }
            guard t.shape == s.shape else { throw ModelError(.wrongShape(name: s.name, shape: t.shape, expected: s.shape)) }
            guard t.values.count == s.count else {
                throw ModelError(.wrongValueCount(name: s.name, count: t.values.count, shape: s.shape))
            }
            matched.append((s, t))
        }
        if let extra = byName.keys.sorted().first { throw ModelError(.unexpectedParameter(name: extra)) }
        for (s, t) in matched {
            t.values.withUnsafeBufferPointer { src in
                if let p = src.baseAddress { (params.base + s.offset).update(from: p, count: s.count) }
            }
        }
    }

    /// SHA-256 of the parameters as little-endian float32 in layer order (`params_sha256`).
    public var sha256: String { SHA256.hex(UnsafeBufferPointer(params.buffer)) }
}
