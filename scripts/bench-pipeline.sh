#!/usr/bin/env bash
# Pipeline parallelism against one rank and against data / tensor parallelism, through
# `tandem train` (summary.json samples/s), every rank 1 BLAS thread, each configuration run
# BENCH_REPEAT times (default 3) interleaved so the ratios compare runs made at the same time:
#   wide: 784-1024-1024-10, batch 256, Adam: 1 rank; pp 2 (8 micro-batches, 1F1B); dp 2; tp 2
#   deep: 784-1024-1024-1024-1024-10, batch 256, Adam: 1 rank; pp 2 (1F1B); pp 2 interleaved
#         (2 virtual stages, 8 micro-batches); dp 2
#   balanced: 1536-1024-1024-1024-1024-10, batch 256, Adam: the same five configurations. Its
#         stages can be balanced: the first layer computes no input gradient, so at 1536 inputs it
#         costs what a 1024 x 1024 layer does (2 x 1536 = 3 x 1024 multiply-adds per weight), and
#         [0, 1] | [2, 3, 4] is 50% / 50% of the modelled cost (4 chunks of 25% interleaved)
# For every pipeline run it also records the bubble summary.json reports: measured (time stages
# waited for each other, averaged over the ranks), theoretical ((p - 1) / (v m + p - 1), equal
# stages), predicted (the schedule simulated with the modelled stage costs), and the seconds each
# stage spent in its layers next to its modelled share. The bubble is less load-sensitive than
# samples/s on a shared machine.
# X-corun runs two independent 1-rank trainings of workload X at once, each pinned to its own
# CPU (taskset), and reports their summed samples/s: what two processes get from this machine
# with no communication and no bubble, so the ceiling of any 2-rank layout that does not gain
# from cache (each rank of tp 2 holds half of every weight matrix, so tp can exceed it).
# Output: BENCH_PIPELINE_OUT (default bench-pipeline.json), then a table of medians.
# BENCH_PIPELINE_BUILD=0 skips the release build. BENCH_BASE=/path/to/tandem also runs every
# configuration with that binary as base-..., interleaved (one it does not support fails, is
# reported and skipped).
# BENCH_ONLY='deep-*' runs only the matching configurations.
. "$(dirname "$0")/lib.sh"
ensure_swift
setup_mpi_env
[ "${BENCH_PIPELINE_BUILD:-1}" = 0 ] || swift build -c release --product tandem 2>&1 | tail -1
T="${TANDEM:-$PWD/.build/release/tandem}"
OUT="${BENCH_PIPELINE_OUT:-bench-pipeline.json}"
REPEAT="${BENCH_REPEAT:-3}"
ONLY="${BENCH_ONLY:-}"
W="$(mktemp -d /tmp/tandem-bench-pipeline.XXXXXX)"
trap 'rm -rf "$W"' EXIT
: > "$OUT"

PP="parallel.pipeline=2 parallel.micro_batches=8"
CONFIGS=(
  "wide-1 1 wide"
  "wide-pp2 2 wide $PP"
  "wide-dp2 2 wide"
  "wide-tp2 2 wide parallel.tensor=2"
  "wide-corun corun wide"
  "deep-1 1 deep"
  "deep-pp2 2 deep $PP"
  "deep-pp2v2 2 deep $PP parallel.virtual_stages=2"
  "deep-dp2 2 deep"
  "balanced-1 1 balanced"
  "balanced-pp2 2 balanced $PP"
  "balanced-pp2v2 2 balanced $PP parallel.virtual_stages=2"
  "balanced-dp2 2 balanced"
  "balanced-tp2 2 balanced parallel.tensor=2"
  "balanced-corun corun balanced"
)
# Whether any configuration of workload $1 runs (BENCH_ONLY).
wanted() {
  local c; for c in "${CONFIGS[@]}"; do
    set -- "$1" $c
    [ "$4" = "$1" ] && { [ -z "$ONLY" ] || [[ "$2" == $ONLY ]]; } && return 0
  done
  return 1
}
# columns file: 8192 rows of a label and `columns` features.
synthetic() {
  awk -v cols="$1" 'BEGIN { srand(5); printf "label"; for (j = 0; j < cols; j++) printf ",f%d", j; print "";
    for (i = 0; i < 8192; i++) { c = i % 10; printf "%d", c; for (j = 0; j < cols; j++) printf ",%.3f", rand() + (j % 10 == c ? 0.5 : 0); print "" } }' > "$2"
}
{ wanted wide || wanted deep; } && synthetic 784 "$W/wide.csv"
wanted balanced && synthetic 1536 "$W/balanced.csv"
for wl in wide deep balanced; do
  hidden="[1024, 1024]"; [ $wl = wide ] || hidden="[1024, 1024, 1024, 1024]"
  csv=wide; [ $wl = balanced ] && csv=balanced
  cat > "$W/$wl.yaml" <<YAML
name: $wl
data: {path: $W/$csv.csv, target: label, task: classification, split: {validation: 0.01, test: 0.01}, preprocess: {scale: none}, cache: $W/cache-$csv}
model: {kind: mlp, hidden: $hidden, activation: relu}
train: {epochs: 100, max_steps: 80, batch_size: 256, optimizer: {name: adam, lr: 0.001}, schedule: {name: constant}, early_stopping: false, eval_every: 1000}
checkpoint: {every_steps: 0}
YAML
done

# binary name ranks workload extra --set arguments...
one() {
  local bin=$1 name=$2 np=$3 wl=$4; shift 4
  local sets=(); for s in "$@"; do sets+=(--set "$s"); done
  if ! OPENBLAS_NUM_THREADS=1 "${MPIRUN[@]}" -np "$np" "$bin" train "$W/$wl.yaml" "${sets[@]}" --output "$W/run-$name" --overwrite \
       --threads 1 --progress lines >"$W/log" 2>&1; then
    echo "bench-pipeline: $name failed:" >&2; tail -5 "$W/log" >&2; return 0
  fi
  python3 - "$W/run-$name/summary.json" "$name" "$wl" "$np" "$(uptime | sed 's/.*load average: //')" <<'PY' | tee -a "$OUT"
import json, sys
s = json.load(open(sys.argv[1]))
mp = s.get("model_parallel") or {}
keep = ("measured_bubble", "theoretical_bubble", "predicted_bubble", "stages", "stage_cost_shares", "stage_layer_seconds")
print(json.dumps({"measure": "pipeline", "config": sys.argv[2], "workload": sys.argv[3], "ranks": int(sys.argv[4]),
                  "samples_per_second": s["samples_per_second"], "load": sys.argv[5], **{k: mp[k] for k in keep if k in mp}}))
PY
}

# binary name workload: two 1-rank runs at once, pinned to the first two CPUs this script may use.
corun() {
  local bin=$1 name=$2 wl=$3 cpus i pids=() ok=1
  cpus=($(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0))[:2])'))
  [ ${#cpus[@]} = 2 ] || { echo "bench-pipeline: $name needs 2 CPUs" >&2; return 0; }
  for i in 0 1; do
    OPENBLAS_NUM_THREADS=1 taskset -c "${cpus[$i]}" "${MPIRUN[@]}" --bind-to none -np 1 "$bin" train "$W/$wl.yaml" \
      --output "$W/run-$name-$i" --overwrite --threads 1 --progress lines >"$W/log-$i" 2>&1 &
    pids+=($!)
  done
  for i in 0 1; do wait "${pids[$i]}" || { ok=0; echo "bench-pipeline: $name copy $i failed:" >&2; tail -5 "$W/log-$i" >&2; }; done
  [ $ok = 1 ] || return 0
  python3 - "$W/run-$name-0/summary.json" "$W/run-$name-1/summary.json" "$name" "$wl" "$(uptime | sed 's/.*load average: //')" <<'PY' | tee -a "$OUT"
import json, sys
each = [json.load(open(f))["samples_per_second"] for f in sys.argv[1:3]]
print(json.dumps({"measure": "pipeline", "config": sys.argv[3], "workload": sys.argv[4], "ranks": 2,
                  "samples_per_second": sum(each), "each": each, "load": sys.argv[5]}))
PY
}

for wl in wide balanced; do
  [ -f "$W/$wl.csv" ] && OPENBLAS_NUM_THREADS=1 "${MPIRUN[@]}" -np 1 "$T" prepare "$W/$wl.yaml" >/dev/null 2>&1 || true
done
for r in $(seq "$REPEAT"); do
  for c in "${CONFIGS[@]}"; do
    set -- $c
    [ -z "$ONLY" ] || [[ "$1" == $ONLY ]] || continue
    if [ "$2" = corun ]; then
      # The same machine ceiling for any binary: measured once per round, with this binary.
      corun "$T" "$1" "$3"; continue
    fi
    [ -z "${BENCH_BASE:-}" ] || { name=$1; shift; one "$BENCH_BASE" "base-$name" "$@"; set -- "$name" "$@"; }
    one "$T" "$@"
  done
done

echo
python3 - "$OUT" <<'PY'
import collections, json, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line)
    runs[r["config"]].append(r)
med = {c: statistics.median(r["samples_per_second"] for r in rs) for c, rs in runs.items()}
print(f"{'config':<16} {'min':>9} {'median':>9} {'max':>9} {'x 1 rank':>9}  bubble measured / predicted / theoretical (medians)")
for c, rs in runs.items():
    sps = sorted(r["samples_per_second"] for r in rs)
    base = c.rsplit("-", 1)[0] + "-1"
    ratio = f"{med[c] / med[base]:.2f}x" if base in med and base != c else ""
    line = f"{c:<16} {sps[0]:>9.0f} {med[c]:>9.0f} {sps[-1]:>9.0f} {ratio:>9}"
    if "measured_bubble" in rs[0]:
        m = statistics.median(r["measured_bubble"] for r in rs)
        p = statistics.median(r.get("predicted_bubble", float("nan")) for r in rs)
        line += f"  {m:.3f} / {p:.3f} / {rs[0]['theoretical_bubble']:.3f}"
        if "stage_layer_seconds" in rs[0]:
            secs = [statistics.median(r["stage_layer_seconds"][i] for r in rs) for i in range(len(rs[0]["stage_layer_seconds"]))]
            share = [s / sum(secs) for s in secs]
            line += "  stage layer time " + "/".join(f"{s:.2f}" for s in share) + " (modelled " + "/".join(f"{s:.2f}" for s in rs[0]["stage_cost_shares"]) + ")"
    print(line)
print("load averages during the runs:", ", ".join(sorted({r["load"].split(",")[0] for rs in runs.values() for r in rs})))
PY
