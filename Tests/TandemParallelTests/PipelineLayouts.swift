@testable import TandemParallel

/// A pipeline layout the schedule tests sweep: a schedule kind, `stages` stages, `microBatches`
/// micro-batches and `virtualStages` chunks per stage.
struct PipelineLayout: CustomStringConvertible {
    var kind: PipelineScheduleKind
    var stages: Int
    var microBatches: Int
    var virtualStages: Int

    var description: String { "\(kind) p \(stages) v \(virtualStages) m \(microBatches)" }

    /// Every kind over `stages`: with one chunk per stage, each count in `microBatches`; with
    /// `v` in `virtualStages` above 1 (only for more than one stage), the whole groups
    /// p, 2p, 3p and 4p micro-batches that interleaving requires.
    static func sweep(stages: ClosedRange<Int>, microBatches: ClosedRange<Int>, virtualStages: ClosedRange<Int> = 1...1) -> [PipelineLayout] {
        var layouts: [PipelineLayout] = []
        for kind in PipelineScheduleKind.allCases {
            for p in stages {
                for v in virtualStages where v == 1 || p > 1 {
                    let counts = v == 1 ? Array(microBatches) : Array(stride(from: p, through: 4 * p, by: p))
                    layouts += counts.map { PipelineLayout(kind: kind, stages: p, microBatches: $0, virtualStages: v) }
                }
            }
        }
        return layouts
    }
}
