import Foundation
import Testing
import TandemComm
import TandemData
import TandemModel
import TandemTensor
@testable import TandemTrain

/// Exit codes follow from each error's kind (JobFailure.exitCode is `FailureKind.of(error).exitCode`):
/// 2 for what a restart cannot fix, 1 for the rest.
@Suite struct FailureKindTests {
    @Test func userInputErrorsExitWith2() {
        let errors: [any Error] = [ConfigError("x"), DataError(file: "a.csv", line: 3, message: "x"), TrainingError(.diverged(.loss, value: .nan, step: 3)),
                                   ModelError(.notAResnet), OutputDirectoryError("x"), CheckpointError(incompatible: "model.kind", "x")]
        for e in errors {
            #expect(FailureKind.of(e) == .userInput, "\(type(of: e))")
            #expect(FailureKind.of(e).exitCode == 2)
        }
    }

    @Test func environmentErrorsExitWith1() {
        let errors: [any Error] = [CheckpointError("step-4: checksum mismatch in manifest.json"),
                                   MPIError(call: "MPI_Allreduce", code: 5, message: "x", file: "f", line: 1, rank: 3),
                                   CocoaError(.fileWriteOutOfSpace)]
        for e in errors {
            #expect(FailureKind.of(e) == .environment, "\(type(of: e))")
            #expect(FailureKind.of(e).exitCode == 1)
        }
    }

    /// The kind comes from how the checkpoint failed, not from its message: a damaged
    /// checkpoint whose path happens to contain the incompatibility's words is still restartable.
    @Test func checkpointKindIgnoresTheText() {
        #expect(FailureKind.of(CheckpointError("runs/does not fit this config/step-4: checksum mismatch")) == .environment)
        #expect(CheckpointError(incompatible: "train.seed", "checkpoint step-4 ...").reason == .incompatible(field: "train.seed"))
    }

    @Test func mpiErrorCarriesTheRankAndKeepsItsText() {
        let e = MPIError(call: "MPI_Recv", code: 15, message: "MPI_ERR_TRUNCATE", file: "Comm.swift", line: 9, rank: 2)
        #expect(e.rank == 2)
        #expect(e.description == "MPI_Recv failed with code 15: MPI_ERR_TRUNCATE (Comm.swift:9)")
        #expect(MPIError(call: "MPI_Send", code: 1, message: "x", file: "f", line: 1).rank == MPIRuntime.worldRank)
    }
}

/// A diverged step names what diverged, its value and the step as data.
@Suite struct TrainingErrorReasonTests {
    @Test func divergedLossAndGradientNorm() {
        #expect(throws: TrainingError(.diverged(.loss, value: .nan, step: 4))) {
            try TrainingError.requireFinite(loss: .nan, gradNorm: 1, step: 4)
        }
        #expect(throws: TrainingError(.diverged(.gradientNorm, value: .infinity, step: 0))) {
            try TrainingError.requireFinite(loss: 0.5, gradNorm: .infinity, step: 0)
        }
        #expect(TrainingError(.diverged(.loss, value: .nan, step: 4)).description.hasPrefix("the loss became NaN at step 5;"))
    }

    /// Only errors every rank raises together let the ranks go on to collective clean-up.
    @Test func onlySharedFailuresAreOnEveryRank() {
        #expect(TrainingError(.diverged(.loss, value: .nan, step: 1)).isOnEveryRank)
        #expect(!TrainingError(.shardSize(rank: 1, sent: 3, expected: 4)).isOnEveryRank)
        #expect(!TrainingError(.ranksDiffer(what: "the config", ranks: [2])).isOnEveryRank)
    }
}
