/// A safetensors file that cannot be read: what is wrong (`reason`) and, for a tensor entry,
/// which tensor and which offsets or sizes.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong with the file. Callers switch on this, never on the message text.
    public enum Reason: Equatable, Sendable {
        /// The file is shorter than the 8-byte header length.
        case shorterThanHeaderLength(fileBytes: Int)
        /// The header length is over `SafeTensors.maxHeaderBytes`.
        case headerTooLong(length: UInt64, limit: Int)
        /// The header length runs past the end of the file.
        case headerPastEnd(length: UInt64, fileBytes: Int)
        /// The header is not a JSON object.
        case headerNotJSONObject
        /// `__metadata__` does not map strings to strings.
        case badMetadata
        /// A tensor's header entry is not an object.
        case entryNotObject(tensor: String)
        /// A tensor's entry has no `dtype`.
        case missingDType(tensor: String)
        /// A tensor's dtype is not F32.
        case unsupportedDType(tensor: String, dtype: String)
        /// A tensor's shape is not a list.
        case shapeNotList(tensor: String)
        /// A tensor's shape holds an entry that is not an integer in 0...maxCount (as written).
        case badShapeEntry(tensor: String, entry: String)
        /// A tensor's shape has more than `SafeTensors.maxCount` elements.
        case tooManyElements(tensor: String, shape: [Int])
        /// A tensor's `data_offsets` is not a list of two values.
        case offsetsNotPair(tensor: String)
        /// A tensor's `data_offsets` (as written) are not integers within the data buffer.
        case offsetsOutsideBuffer(tensor: String, begin: String, end: String, bufferBytes: Int)
        /// A tensor's shape needs `expectedBytes`, but its offsets cover `foundBytes`.
        case sizeMismatch(tensor: String, shape: [Int], expectedBytes: Int, foundBytes: Int)
        /// A tensor's offsets leave a gap or overlap the tensor before it at `byte`.
        case gapOrOverlap(tensor: String, byte: Int)
        /// The tensors do not cover the whole data buffer.
        case bufferNotCovered(bufferBytes: Int, coveredBytes: Int)
    }

    /// What is wrong.
    public let reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    /// The tensor the error is about, if it is about one.
    public var tensor: String? {
        switch reason {
        case .entryNotObject(let t), .missingDType(let t), .unsupportedDType(let t, _), .shapeNotList(let t),
             .badShapeEntry(let t, _), .tooManyElements(let t, _), .offsetsNotPair(let t),
             .offsetsOutsideBuffer(let t, _, _, _), .sizeMismatch(let t, _, _, _), .gapOrOverlap(let t, _):
            t
        case .shorterThanHeaderLength, .headerTooLong, .headerPastEnd, .headerNotJSONObject, .badMetadata, .bufferNotCovered:
            nil
        }
    }

    public var description: String {
        switch reason {
        case .shorterThanHeaderLength(let bytes):
            "file is \(bytes) bytes, shorter than the 8-byte header length"
        case .headerTooLong(let n, let limit):
            "header length \(n) exceeds the limit of \(limit) bytes"
        case .headerPastEnd(let n, let bytes):
            "header length \(n) runs past the end of the \(bytes)-byte file"
        case .headerNotJSONObject:
            "header is not a JSON object"
        case .badMetadata:
            "__metadata__ must map strings to strings"
        case .entryNotObject(let t):
            "tensor '\(t)': entry is not an object"
        case .missingDType(let t):
            "tensor '\(t)': missing dtype"
        case .unsupportedDType(let t, let dtype):
            "tensor '\(t)': dtype \(dtype) is not supported (only F32)"
        case .shapeNotList(let t):
            "tensor '\(t)': shape must be a list of non-negative integers"
        case .badShapeEntry(let t, let entry):
            "tensor '\(t)': shape entry \(entry) is not an integer in 0...\(SafeTensors.maxCount)"
        case .tooManyElements(let t, let shape):
            "tensor '\(t)': shape \(shape) has more than \(SafeTensors.maxCount) elements"
        case .offsetsNotPair(let t):
            "tensor '\(t)': data_offsets must be two integers"
        case .offsetsOutsideBuffer(let t, let begin, let end, let size):
            "tensor '\(t)': data_offsets [\(begin), \(end)] outside the \(size)-byte data buffer"
        case .sizeMismatch(let t, let shape, let expected, let found):
            "tensor '\(t)': shape \(shape) needs \(expected) bytes but data_offsets cover \(found)"
        case .gapOrOverlap(let t, let byte):
            "tensor '\(t)': data_offsets leave a gap or overlap at byte \(byte)"
        case .bufferNotCovered(let size, let covered):
            "data buffer is \(size) bytes but tensors cover \(covered)"
        }
    }
}
