/// A safetensors file laid out in one page-aligned buffer: the 8-byte header length, the padded
/// JSON header and the data buffer, byte for byte what `SafeTensors.encode` returns for the same
/// tensors. Tensor `i`'s storage is `values(i)`, `[shape.product]` floats, which the owner fills;
/// the header is written once, so an image made for one set of names and shapes is refilled for
/// every checkpoint of a run.
///
/// Why an image rather than `encode`: a checkpoint is copied once, from the training buffers into
/// the image, and the file is written from it with direct I/O (`DirectWrite`), which needs the
/// buffer and the length aligned to the device's blocks. `encode` copies the tensors into a
/// `Data`, and a buffered write copies them again into the page cache: on the wide model that
/// second copy was most of the checkpoint writer's CPU (22 MB, `copy_folio_from_iter_atomic`).
public final class SafeTensorsImage: @unchecked Sendable {
    /// One tensor of the file: its name and row-major shape.
    public struct Tensor: Equatable, Sendable {
        public var name: String
        public var shape: [Int]

        public init(name: String, shape: [Int]) {
            self.name = name
            self.shape = shape
        }

        /// Floats in the tensor.
        public var count: Int { shape.reduce(1, *) }
    }

    /// Alignment of the buffer's start and of `alignedCount`: 4096 bytes, a multiple of the
    /// logical block size of the disks direct I/O is used with (512 or 4096 bytes).
    public static let alignment = 4096

    /// The tensors, in file order.
    public let tensors: [Tensor]
    /// The header's `__metadata__` strings.
    public let metadata: [String: String]
    /// Bytes in the file.
    public let byteCount: Int
    /// `byteCount` rounded up to `alignment`; the bytes past `byteCount` are zero.
    public let alignedCount: Int
    private let base: UnsafeMutableRawPointer
    /// Byte offset of each tensor's data in the file.
    private let offsets: [Int]

    /// An image of a file holding `tensors` (in this order) with `metadata`. The values are
    /// undefined until filled (the data is not zeroed first: the first fill touches every page
    /// anyway, and the first snapshot of a run is the one that pays for them).
    public init(tensors: [Tensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
        let (header, dataBytes) = SafeTensors.header(tensors.map { ($0.name, $0.shape, $0.count) }, metadata: metadata)
        byteCount = header.count + dataBytes
        alignedCount = max(Self.alignment, (byteCount + Self.alignment - 1) / Self.alignment * Self.alignment)
        let base = UnsafeMutableRawPointer.allocate(byteCount: alignedCount, alignment: Self.alignment)
        header.withUnsafeBytes { if let h = $0.baseAddress { base.copyMemory(from: h, byteCount: header.count) } }
        (base + header.count).bindMemory(to: Float.self, capacity: dataBytes / 4)
        (base + byteCount).initializeMemory(as: UInt8.self, repeating: 0, count: alignedCount - byteCount)
        self.base = base
        var offsets: [Int] = []
        var offset = header.count
        for t in tensors {
            offsets.append(offset)
            offset += t.count * 4
        }
        self.offsets = offsets
    }

    deinit { base.deallocate() }

    /// Whether this image holds exactly these tensors and metadata (so it can be refilled).
    public func holds(_ tensors: [Tensor], metadata: [String: String]) -> Bool {
        self.tensors == tensors && self.metadata == metadata
    }

    /// Storage of tensor `index`, `[tensors[index].count]` floats (the data buffer starts 8-byte
    /// aligned: the header's length is a multiple of 8).
    public func values(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: (base + offsets[index]).assumingMemoryBound(to: Float.self), count: tensors[index].count)
    }

    /// The file's bytes, `[byteCount]`.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: byteCount) }

    /// The file's bytes followed by zeros up to `alignedCount`, for a direct write (the file is
    /// truncated to `byteCount` after it).
    public var alignedBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: alignedCount) }
}

extension SafeTensorsImage {
    /// An image holding `tensors`' values (for callers that already have them as arrays).
    public convenience init(_ tensors: [NamedTensor], metadata: [String: String] = [:]) {
        self.init(tensors: tensors.map { Tensor(name: $0.name, shape: $0.shape) }, metadata: metadata)
        for (i, t) in tensors.enumerated() {
            let storage = values(i)
            t.values.withUnsafeBufferPointer { v in
                if let source = v.baseAddress, let target = storage.baseAddress { target.update(from: source, count: min(v.count, storage.count)) }
            }
        }
    }
}
