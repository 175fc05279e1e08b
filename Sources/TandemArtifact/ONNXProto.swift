import Foundation
import TandemFormats
import TandemTensor

/// The ONNX protobuf messages tandem writes (onnx.proto, IR version 8), encoded by hand with
/// `ProtobufWriter`. Field numbers are those of onnx/onnx.proto; only the fields used are modelled.
enum ONNXProto {
    /// `TensorProto.DataType` values used here.
    enum DataType: Int64 {
        case float = 1
        case bool = 9
    }

    /// A float32 initializer (`TensorProto`): `dims` row-major, data in `raw_data` (little-endian).
    struct Tensor {
        var name: String
        var dims: [Int]
        var values: [Float]

        func encoded() -> ProtobufWriter {
            var w = ProtobufWriter()
            w.packedInt64s(1, dims.map(Int64.init))  // dims
            w.int64(2, DataType.float.rawValue)       // data_type
            w.string(8, name)                         // name
            var raw = ProtobufWriter()
            for v in values { raw.appendLittleEndian(v.bitPattern) }
            w.bytes(9, raw.encoded)                   // raw_data
            return w
        }
    }

    /// A node attribute (`AttributeProto`): an int, a float or a list of ints.
    struct Attribute {
        enum Value {
            case int(Int64)
            case float(Float)
            case ints([Int64])
        }

        var name: String
        var value: Value

        func encoded() -> ProtobufWriter {
            var w = ProtobufWriter()
            w.string(1, name)
            switch value {
            case .float(let f):
                w.float(2, f)       // f
                w.int64(20, 1)      // type = FLOAT
            case .int(let i):
                w.int64(3, i)       // i
                w.int64(20, 2)      // type = INT
            case .ints(let list):
                for i in list { w.int64(8, i) }   // ints
                w.int64(20, 7)      // type = INTS
            }
            return w
        }
    }

    /// One operator (`NodeProto`) of the default domain.
    struct Node {
        var opType: String
        var inputs: [String]
        var outputs: [String]
        var name: String
        var attributes: [Attribute] = []

        func encoded() -> ProtobufWriter {
            var w = ProtobufWriter()
            for i in inputs { w.string(1, i) }
            for o in outputs { w.string(2, o) }
            w.string(3, name)
            w.string(4, opType)
            for a in attributes { w.message(5, a.encoded()) }
            return w
        }
    }

    /// One dimension of a tensor shape: a fixed size or a named (dynamic) one.
    enum Dimension: Equatable {
        case value(Int)
        case param(String)
    }

    /// A typed graph input or output (`ValueInfoProto` with a `TypeProto.Tensor`).
    struct ValueInfo {
        var name: String
        var elementType: DataType
        var shape: [Dimension]
        var doc: String

        func encoded() -> ProtobufWriter {
            var shapeProto = ProtobufWriter()
            for d in shape {
                var dim = ProtobufWriter()
                switch d {
                case .value(let v): dim.int64(1, Int64(v))   // dim_value
                case .param(let p): dim.string(2, p)         // dim_param
                }
                shapeProto.message(1, dim)
            }
            var tensorType = ProtobufWriter()
            tensorType.int64(1, elementType.rawValue)        // elem_type
            tensorType.message(2, shapeProto)                // shape
            var type = ProtobufWriter()
            type.message(1, tensorType)                      // tensor_type
            var w = ProtobufWriter()
            w.string(1, name)
            w.message(2, type)
            w.string(3, doc)
            return w
        }
    }

    /// A `GraphProto`: nodes in topological order, initializers, typed inputs and outputs.
    struct Graph {
        var name: String
        var nodes: [Node]
        var initializers: [Tensor]
        var inputs: [ValueInfo]
        var outputs: [ValueInfo]
        var doc: String

        func encoded() -> ProtobufWriter {
            var w = ProtobufWriter()
            for n in nodes { w.message(1, n.encoded()) }
            w.string(2, name)
            for t in initializers { w.message(5, t.encoded()) }
            w.string(10, doc)
            for i in inputs { w.message(11, i.encoded()) }
            for o in outputs { w.message(12, o.encoded()) }
            return w
        }
    }

    /// A `ModelProto` importing one opset of the default domain.
    struct Model {
        var irVersion: Int64
        var opset: Int64
        var producerName: String
        var producerVersion: String
        var doc: String
        var graph: Graph
        /// `metadata_props`, in order.
        var metadata: [(key: String, value: String)]

        func encoded() -> Data {
            var w = ProtobufWriter()
            w.int64(1, irVersion)
            w.string(2, producerName)
            w.string(3, producerVersion)
            w.string(6, doc)
            w.message(7, graph.encoded())
            var opsetID = ProtobufWriter()
            opsetID.string(1, "")        // the default domain (ai.onnx)
            opsetID.int64(2, opset)
            w.message(8, opsetID)
            for (k, v) in metadata {
                var entry = ProtobufWriter()
                entry.string(1, k)
                entry.string(2, v)
                w.message(14, entry)
            }
            return w.data
        }
    }
}
