/// `prepared.json`: what a prepared dataset directory holds (README: "Prepared datasets").
///
/// Every other file of the directory is listed in `files` with its size and SHA-256 (and, as
/// `SHA256SUMS`, in `sha256sum -c` format), so damage and half-written files are detected.
public struct PreparedManifest: Codable, Sendable, Equatable {
    /// The format this code writes and reads.
    public static let currentFormat = 1

    /// One stored column.
    public struct Column: Codable, Sendable, Equatable {
        /// Column name in the source.
        public var name: String
        /// How the column is typed.
        public var kind: ColumnKind
        /// Element type of `file`: `f4` / `f8` (numeric, NaN = missing; `f4` only when every value
        /// is exactly a float32), `i4` (categorical codes into `dictionary`, -1 = missing).
        public var dtype: String
        /// File holding `rows` elements, little-endian.
        public var file: String
        /// Categorical: the JSON file holding the sorted distinct values the codes index.
        public var dictionary: String?
        /// Numeric: smallest and largest non-missing value (nil when all are missing), and the
        /// number of missing cells; used to check the scaled range without reading the column.
        public var min: Double?
        public var max: Double?
        public var missing: Int

        public init(name: String, kind: ColumnKind, dtype: String, file: String, dictionary: String? = nil,
                    min: Double? = nil, max: Double? = nil, missing: Int = 0) {
            self.name = name
            self.kind = kind
            self.dtype = dtype
            self.file = file
            self.dictionary = dictionary
            self.min = min
            self.max = max
            self.missing = missing
        }
    }

    /// A file of the dataset with its size and checksum.
    public struct FileRecord: Codable, Sendable, Equatable {
        public var bytes: Int
        public var sha256: String
        public init(bytes: Int, sha256: String) {
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// Always "tandem-prepared-dataset".
    public var format: String
    public var formatVersion: Int
    /// The tandem version that wrote it.
    public var writer: String
    /// Number of rows.
    public var rows: Int
    /// Rows in train, validation and test.
    public var splitRows: [Int]
    /// The source file(s) as they were when prepared.
    public var sources: [SourceStamp]
    /// The data config that produced the dataset (JSON, without `cache`), and its SHA-256.
    public var config: String
    public var configSHA256: String
    /// The feature columns, in `data.features` order.
    public var columns: [Column]
    /// The target: `i4` class indices (classification) or `f4` values (regression).
    public var target: Column
    /// Every other file: name -> size and SHA-256.
    public var files: [String: FileRecord]

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", writer, rows, splitRows = "split_rows", sources, config
        case configSHA256 = "config_sha256", columns, target, files
    }

    public init(writer: String, rows: Int, splitRows: [Int], sources: [SourceStamp], config: String, configSHA256: String,
                columns: [Column], target: Column, files: [String: FileRecord] = [:]) {
        format = "tandem-prepared-dataset"
        formatVersion = Self.currentFormat
        self.writer = writer
        self.rows = rows
        self.splitRows = splitRows
        self.sources = sources
        self.config = config
        self.configSHA256 = configSHA256
        self.columns = columns
        self.target = target
        self.files = files
    }
}
