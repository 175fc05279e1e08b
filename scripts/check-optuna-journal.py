#!/usr/bin/env python3
"""Cross-check of a sweep's optuna.journal against Optuna itself (used by scripts/e2e-slurm.sh).

    check-optuna-journal.py SWEEP_DIR [JOURNAL]

Loads JOURNAL (default SWEEP_DIR/optuna.journal) with optuna.storages.JournalStorage and checks
that Optuna sees the sweep's trials (from SWEEP_DIR/sweep.jsonl) with the same parameters, states
(finished -> COMPLETE, stopped -> PRUNED, failed -> FAIL) and values, one intermediate value per
reported epoch, the study direction, and best.json's best value. Prints one line; exit 1 on a
mismatch, 3 when optuna is not importable.
"""
import json
import math
import sys

try:
    import optuna
    from optuna.trial import TrialState
except ImportError as e:
    print(f"optuna not importable: {e}")
    sys.exit(3)


def storage(path):
    journal = optuna.storages.journal if hasattr(optuna.storages, "journal") else None
    if journal is not None and hasattr(journal, "JournalFileBackend"):  # optuna >= 4.0
        return optuna.storages.JournalStorage(journal.JournalFileBackend(path))
    return optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(path))  # optuna 3.x


def main():
    sweep_dir = sys.argv[1]
    path = sys.argv[2] if len(sys.argv) > 2 else f"{sweep_dir}/optuna.journal"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    events = [json.loads(line) for line in open(f"{sweep_dir}/sweep.jsonl") if line.strip()]
    best = json.load(open(f"{sweep_dir}/best.json"))
    header = events[0]
    created = {e["trial"]: e for e in events if e["event"] == "created"}
    ended = {e["trial"]: e for e in events if e["event"] in ("finished", "stopped", "failed")}
    reports = {}
    for e in events:
        if e["event"] == "reported" and e["value"] is not None:
            reports.setdefault(e["trial"], {})[e["epoch"]] = e["value"]

    studies = optuna.get_all_study_summaries(storage(path))
    assert len(studies) == 1, f"{len(studies)} studies"
    study = optuna.load_study(study_name=studies[0].study_name, storage=storage(path))
    want_direction = optuna.study.StudyDirection.MAXIMIZE if best["mode"] == "max" else optuna.study.StudyDirection.MINIMIZE
    assert study.direction == want_direction, f"direction {study.direction}"
    assert study.user_attrs.get("metric") == header["metric"], study.user_attrs
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == header["trials"] == len(created), f"{len(trials)} Optuna trials, {header['trials']} in the sweep"
    states = {"finished": TrialState.COMPLETE, "stopped": TrialState.PRUNED, "failed": TrialState.FAIL}
    counts = {}
    for t in trials:
        c = created[t.number]
        want = {k: (v if not isinstance(v, (list, dict)) else json.dumps(v, separators=(",", ":"))) for k, v in c["params"].items()}
        assert t.params == want, f"trial {t.number}: params {t.params} != {want}"
        e = ended.get(t.number)
        want_state = states[e["event"]] if e else TrialState.WAITING
        if e and e["event"] != "failed" and e["value"] is None:
            want_state = TrialState.FAIL
        assert t.state == want_state, f"trial {t.number}: state {t.state} != {want_state}"
        if want_state in (TrialState.COMPLETE, TrialState.PRUNED):
            assert t.value == e["value"], f"trial {t.number}: value {t.value} != {e['value']}"
        if e and e["event"] == "failed":
            assert t.user_attrs.get("error") == e["error"], f"trial {t.number}: error {t.user_attrs.get('error')!r}"
        assert t.intermediate_values == reports.get(t.number, {}), f"trial {t.number}: intermediate {t.intermediate_values} != {reports.get(t.number)}"
        counts[t.state.name] = counts.get(t.state.name, 0) + 1
    # best.json's best is Optuna's best among the trials that have a value (Optuna's
    # study.best_value only looks at COMPLETE ones, so it must agree when the best finished).
    valued = [t for t in trials if t.value is not None and math.isfinite(t.value)]
    top = max(v.value for v in valued) if best["mode"] == "max" else min(v.value for v in valued)
    assert top == best["metric"], f"best value {top} in Optuna, {best['metric']} in best.json"
    assert trials[best["trial"]].value == best["metric"], f"best.json's trial {best['trial']} has value {trials[best['trial']].value} in Optuna"
    if trials[best["trial"]].state == TrialState.COMPLETE:
        assert study.best_value == best["metric"], f"study.best_value {study.best_value} != {best['metric']}"
    print(f"optuna {optuna.__version__} reads {len(trials)} trials ({', '.join(f'{n} {k}' for k, n in sorted(counts.items()))}); "
          f"params, states, values, {sum(len(v) for v in reports.values())} intermediate values and best {best['metric']} match")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"mismatch: {e}")
        sys.exit(1)
