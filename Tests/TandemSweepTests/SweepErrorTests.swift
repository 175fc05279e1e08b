import Testing
import TandemTensor
@testable import TandemSweep

/// `SweepError` says what is wrong as a reason; its message is derived from it (the texts
/// scripts and users read are unchanged), and the exit code follows from the reason's kind.
@Suite struct SweepErrorTests {
    @Test func theWorldSizeAdviceNamesWhatWouldFit() {
        #expect(SweepError(.worldDoesNotFit(source: "s.yaml", world: 2, groupSize: 2)).description
                == "s.yaml: a sweep needs world rank 0 to coordinate and at least one group of search.group_size 2 ranks to train; this world has 2; run mpirun -np 3, 5, 7, 9")
        #expect(SweepError(.worldDoesNotFit(source: "s.yaml", world: 4, groupSize: 2)).description
                == "s.yaml: search.group_size 2 does not divide the 3 worker ranks (world 4 = 1 coordinator + 3); run mpirun -np 3, 5, 7, 9, or set group_size to one of 1, 3")
    }

    @Test func messagesKeepTheirTexts() {
        #expect(SweepError(.belowMinimum(place: "s.yaml:4: search.trials", value: 0, minimum: 1)).description == "s.yaml:4: search.trials: 0 must be at least 1")
        #expect(SweepError(.belowMinimum(place: "s.yaml:5: search.seed", value: -1, minimum: 0)).description == "s.yaml:5: search.seed: -1 must be >= 0")
        #expect(SweepError(.cannotWrite(.createJournal, path: "/x/sweep.jsonl", detail: nil)).description == "cannot create the sweep journal /x/sweep.jsonl")
        #expect(SweepError(.cannotWrite(.copyBestModel(target: "/o/best"), path: "/o/t/model", detail: "denied")).description
                == "cannot copy the best model /o/t/model to /o/best: denied")
        #expect(SweepError(.badMessage(rank: 3, .coordinatorOnly(kind: "assign"))).description == "rank 3 sent 'assign', which only the coordinator sends")
        #expect(SweepError(.journalMismatch(journal: "/o/sweep.jsonl", problem: "trial 9 does not exist")).description == "/o/sweep.jsonl: trial 9 does not exist")
    }

    @Test func theExitCodeFollowsFromTheReason() {
        let environment: [SweepError.Reason] = [.cannotWrite(.appendJournal, path: "j", detail: "disk full"),
                                                .badMessage(rank: 1, .unparsable(detail: "x"))]
        let user: [SweepError.Reason] = [.invalidConfig(place: "s.yaml:3", problem: "x"), .noJournal(path: "j"),
                                         .sweepExists(directory: "o"), .damagedJournal(path: "j", line: 2, problem: "x"),
                                         .tooManyFailures(failures: 3, limit: 2, trial: "t2", error: "e")]
        #expect(environment.allSatisfy { FailureKind.of(SweepError($0)).exitCode == 1 })
        #expect(user.allSatisfy { FailureKind.of(SweepError($0)).exitCode == 2 })
    }
}
