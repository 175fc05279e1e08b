import TandemTensor

/// The shape of a ResNet for tables (`model.kind: resnet`, Gorishniy et al. 2021): an input
/// dense layer to `width`, `blocks` residual blocks x + Dropout(Linear(Dropout(Act(Linear(Norm(x))))))
/// with inner width `hidden`, then Norm -> Act -> Linear head.
public struct ResidualShape: Equatable, Sendable {
    public var blocks: Int
    public var width: Int
    public var hidden: Int

    public init(blocks: Int, width: Int, hidden: Int) {
        self.blocks = blocks
        self.width = width
        self.hidden = hidden
    }
}

/// How tensor parallelism cuts a dense layer of a residual block (`NetworkSpec.residualLayers`).
public enum BlockSplit: Sendable {
    /// The block's first layer: output features split (`whole` of them in all).
    case column(whole: Int)
    /// The block's second layer: input features split, partial outputs summed.
    case row
}

extension NetworkSpec {
    /// Units a pipeline stage plan assigns: the dense layers of an MLP (each with its
    /// normalization), or a ResNet's input layer, each block, and the head.
    public var unitCount: Int { residual.map { $0.blocks + 2 } ?? widths.count - 1 }

    /// The parameter tensors of unit `u`, in arena order.
    public func unitParameterSpecs(_ u: Int) -> [(name: String, shape: [Int], decays: Bool)] {
        let norms = { (prefix: String, features: Int) in self.norm.tensorNames.map { ("\(prefix).norm.\($0)", [features], false) } }
        let tables = u == 0 ? embedding?.parameterSpecs ?? [] : []
        guard let r = residual else {
            let w = widths
            return tables + [("layers.\(u).weight", [w[u + 1], w[u]], true), ("layers.\(u).bias", [w[u + 1]], false)]
                + (normalizes(layer: u) ? norms("layers.\(u)", w[u + 1]) : [])
        }
        if u == 0 { return tables + [("input.weight", [r.width, denseInputs], true), ("input.bias", [r.width], false)] }
        if u == r.blocks + 1 { return norms("head", r.width) + [("head.weight", [outputs, r.width], true), ("head.bias", [outputs], false)] }
        let b = "blocks.\(u - 1)"
        return norms(b, r.width) + [("\(b).linear1.weight", [r.hidden, r.width], true), ("\(b).linear1.bias", [r.hidden], false),
                                    ("\(b).linear2.weight", [r.width, r.hidden], true), ("\(b).linear2.bias", [r.width], false)]
    }

    /// Elements of each unit's parameters (the pipeline's balancing cost).
    public var unitSizes: [Int] { (0..<unitCount).map { unitParameterSpecs($0).reduce(0) { $0 + $1.shape.reduce(1, *) } } }

    /// The layers of ResNet units `range` over `arena` (tensors found by name); `replicas` sums
    /// batch statistics over the data-parallel replicas; `split` makes each block's dense layer
    /// as tensor parallelism cuts it (default: whole). Throws a `ModelError` when a tensor is missing.
    public func residualLayers(_ range: Range<Int>, arena: ParameterArena, replicas: SumReducer?,
                               split: (Dense, BlockSplit) throws -> any Layer = { d, _ in d }) throws -> [any Layer] {
        guard let r = residual else { throw ModelError(.notAResnet) }
        func dense(_ prefix: String) throws -> Dense {
            guard let w = arena.slot(named: "\(prefix).weight"), let b = arena.slot(named: "\(prefix).bias") else {
                throw ModelError(.missingWeightOrBias(prefix: prefix))
            }
            return Dense(arena: arena, weight: w, bias: b)
        }
        func normalization(_ prefix: String) throws -> [any Layer] {
            func slot(_ t: String) throws -> ParameterSlot {
                guard let s = arena.slot(named: "\(prefix).norm.\(t)") else { throw ModelError(.missingParameter(name: "\(prefix).norm.\(t)", shape: nil)) }
                return s
            }
            switch norm {
            case .none: return []
            case .batch: return [BatchNorm(arena: arena, weight: try slot("weight"), bias: try slot("bias"), runningMean: try slot("running_mean"),
                                           runningVar: try slot("running_var"), replicas: replicas)]
            case .layer: return [LayerNorm(arena: arena, weight: try slot("weight"), bias: try slot("bias"))]
            }
        }
        var out: [any Layer] = []
        for u in range {
            if u == 0 {
                out += try embeddingLayers(arena: arena)
                out.append(try dense("input"))
            } else if u == r.blocks + 1 {
                out += try normalization("head")
                out.append(ActivationLayer(activation, features: r.width))
                out.append(try dense("head"))
            } else {
                let b = "blocks.\(u - 1)"
                var branch = try normalization(b)
                let inner = try split(try dense("\(b).linear1"), .column(whole: r.hidden))
                branch.append(inner)
                branch.append(ActivationLayer(activation, features: inner.outFeatures, columns: inner.outputColumns))
                // Dropout keys 2u, 2u + 1 past the MLP's (layer index) keys, one per site.
                if dropout > 0 {
                    branch.append(Dropout(rate: Float(dropout), features: inner.outFeatures, columns: inner.outputColumns, layerIndex: 1_000 + 2 * u))
                }
                branch.append(try split(try dense("\(b).linear2"), .row))
                if dropout > 0 { branch.append(Dropout(rate: Float(dropout), features: r.width, layerIndex: 1_001 + 2 * u)) }
                out.append(ResidualBlock(branch: branch))
            }
        }
        return out
    }
}

extension NetworkSpec {
    /// The spec a manifest records (model.json's `architecture`, a checkpoint's `model`): `kind`,
    /// `widths` (for a resnet `[inputs, width, outputs]`), `norm`, and a resnet's `blocks` and
    /// `blockHidden`, and the `embedding` tables (then `widths[0]` is their output width).
    /// Throws a `ModelError` naming the field that does not describe a model.
    public static func recorded(kind: String, widths w: [Int], activation: Activation = .relu, norm: String?,
                                blocks: Int?, blockHidden: Int?, embedding: EmbeddingShape? = nil) throws -> NetworkSpec {
        var spec = try recordedDense(kind: kind, widths: w, activation: activation, norm: norm, blocks: blocks, blockHidden: blockHidden)
        if let e = embedding {
            try e.validate()
            guard e.outputWidth == w[0] else { throw ModelError(.invalidArchitecture(key: "embedding", problem: "its tables give \(e.outputWidth) dense inputs, widths[0] is \(w[0])")) }
            spec.inputs = e.inputs
            spec.embedding = e
        }
        return spec
    }

    /// `recorded` without embeddings.
    private static func recordedDense(kind: String, widths w: [Int], activation: Activation, norm: String?,
                                      blocks: Int?, blockHidden: Int?) throws -> NetworkSpec {
        guard w.count >= 2 else { throw ModelError(.invalidArchitecture(key: nil, problem: "widths \(w) must list at least inputs and outputs")) }
        guard let n = NormKind(rawValue: norm ?? NormKind.none.rawValue) else {
            throw ModelError(.invalidArchitecture(key: nil, problem: "norm '\(norm ?? "")' is not one of \(NormKind.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        guard kind == "resnet" else {
            guard blocks == nil, blockHidden == nil else { throw ModelError(.invalidArchitecture(key: nil, problem: "blocks and block_hidden belong to a resnet, not a \(kind)")) }
            return NetworkSpec(inputs: w[0], hidden: Array(w.dropFirst().dropLast()), outputs: w[w.count - 1], activation: activation, norm: n)
        }
        guard w.count == 3, let blocks, let blockHidden else { throw ModelError(.invalidArchitecture(key: nil, problem: "a resnet records widths [inputs, width, outputs], blocks and block_hidden")) }
        return NetworkSpec(inputs: w[0], hidden: [], outputs: w[2], activation: activation, norm: n,
                           residual: ResidualShape(blocks: blocks, width: w[1], hidden: blockHidden))
    }
}
