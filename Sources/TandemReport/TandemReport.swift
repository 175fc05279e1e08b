/// TandemReport: what a person looks at after (or during) a run — TensorBoard event files, a
/// self-contained HTML report with plots, a progress bar, and a listing of runs. It reads only
/// run directories and needs no MPI.
public enum TandemReport {}
