/// Facts about this build of Tandem.
public enum TandemInfo {
    /// The version printed by `tandem --version` and recorded in checkpoints and artifacts.
    public static let version = "0.1.0"
}
