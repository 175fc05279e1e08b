#!/usr/bin/env bash
# Training throughput through `tandem train` itself (what users get): synthetic classification
# data in a CSV, prepared once (cached), then summary.json's samples/s, each configuration run
# BENCH_REPEAT times (default 3) interleaved, so every figure has a spread and the ratios compare
# runs made at the same time on a shared machine.
#   small: 64-64-10, batch 32, Adam;       1 rank, 2 ranks (overlap off / on / auto),
#          2 ranks with global batch 128 in train.accumulate_steps 4 (pieces of 16 rows per rank, as
#          batch 32 on 2 ranks, but one gradient sync per 128 samples)
#   wide:  784-1024-1024-10, batch 256, Adam; 1 rank, 1 rank x 2 threads (unbound), 2 ranks (overlap auto)
# Every rank runs 1 thread for its products unless the configuration says RxT. Writes JSON lines and
# prints min / median / max samples/s per configuration and the 2-rank / 1-rank ratios of medians;
# beside them the same for samples_per_second_median (the global batch over the run's median step,
# which a few steps slowed by another process do not move) and the median step in microseconds.
# Each wide-1 run is followed by `tandem bench --sgemm` at the wide step's shapes, and each pair's
# share of that rate is printed (the issue's target: at least 90%).
# (Output: BENCH_TRAIN_OUT, default bench-train.json.)
# BENCH_TRAIN_BUILD=0 skips the release build (bench.sh has built it). BENCH_BASE=/path/to/tandem
# also runs every configuration with that binary (named base-...), interleaved, for before/after
# ratios from the same run. BENCH_ONLY='small-*' runs only the matching configurations (a bash
# pattern: '@(small-1|wide-*)' picks several).
# BENCH_PYTORCH=1 also runs PyTorch on the same workloads (scripts/bench-peer.py: small and wide,
# 1 rank and DistributedDataParallel on 2, 1 thread per rank), each right after the Tandem
# configuration it is compared with (named torch-...), and prints Tandem / PyTorch per workload.
# It uses BENCH_PYTHON (a python3 that imports torch), else .build/python-torch, installing
# `torch` from PyPI there when missing (about 5.4 GB with its CUDA libraries, which a CPU run
# does not use but `import torch` needs). Nothing else installs it: test.sh and demo.sh never do.
. "$(dirname "$0")/lib.sh"
ensure_swift
setup_mpi_env
# PyTorch first, so a missing install stops the script before the release build.
PEER="${BENCH_PYTORCH:-0}"
[ "$PEER" = 0 ] || [ "$PEER" = 1 ] || { echo "bench-train: BENCH_PYTORCH must be 0 or 1, got '$PEER'" >&2; exit 2; }
if [ "$PEER" = 1 ]; then
  if [ -n "${BENCH_PYTHON:-}" ]; then
    PY="$BENCH_PYTHON"
    "$PY" -c 'import torch' 2>/dev/null || { echo "bench-train: BENCH_PYTHON=$PY cannot import torch:" >&2; { "$PY" -c 'import torch' 2>&1 || true; } | tail -3 >&2; exit 1; }
  else
    PY="$ROOT/.build/python-torch/bin/python3"
    if ! { [ -x "$PY" ] && "$PY" -c 'import torch' 2>/dev/null; }; then
      log "installing torch from PyPI into .build/python-torch (BENCH_PYTORCH=1; about 5.4 GB)"
      if ! { python3 -m venv .build/python-torch && timeout 3600 "$PY" -m pip install --quiet torch >"$ROOT/.build/python-torch.log" 2>&1 && "$PY" -c 'import torch' >>"$ROOT/.build/python-torch.log" 2>&1; }; then
        { echo "bench-train: BENCH_PYTORCH=1 but PyTorch could not be installed into .build/python-torch; the last lines of .build/python-torch.log:"
          tail -5 "$ROOT/.build/python-torch.log" 2>/dev/null
          echo "Point BENCH_PYTHON at a python3 that imports torch (e.g. BENCH_PYTHON=/path/to/venv/bin/python3), or run without BENCH_PYTORCH."; } >&2
        exit 1
      fi
    fi
  fi
  log "PyTorch: $("$PY" -c 'import sys, torch; print(torch.__version__, "on Python", sys.version.split()[0])') ($PY)"
fi
[ "${BENCH_TRAIN_BUILD:-1}" = 0 ] || swift build -c release --product tandem 2>&1 | tail -1
T="${TANDEM:-$PWD/.build/release/tandem}"
OUT="${BENCH_TRAIN_OUT:-bench-train.json}"
REPEAT="${BENCH_REPEAT:-3}"
ONLY="${BENCH_ONLY:-}"
W="$(mktemp -d /tmp/tandem-bench-train.XXXXXX)"
trap 'rm -rf "$W"' EXIT
: > "$OUT"

# Synthetic data: class c shifts every 10th feature starting at c.
synth() { # rows features file
  awk -v n="$1" -v f="$2" 'BEGIN { srand(5); printf "label"; for (j = 0; j < f; j++) printf ",f%d", j; print "";
    for (i = 0; i < n; i++) { c = i % 10; printf "%d", c; for (j = 0; j < f; j++) printf ",%.3f", rand() + (j % 10 == c ? 0.5 : 0); print "" } }' > "$3"
}
synth 65536 64 "$W/small.csv"
synth 8192 784 "$W/wide.csv"
cat > "$W/small.yaml" <<YAML
name: small
data: {path: $W/small.csv, target: label, task: classification, split: {validation: 0.01, test: 0.01}, preprocess: {scale: none}, cache: $W/cache}
model: {kind: mlp, hidden: [64], activation: relu}
train: {epochs: 3, batch_size: 32, optimizer: {name: adam, lr: 0.001}, schedule: {name: constant}, early_stopping: false, eval_every: 100}
checkpoint: {every_steps: 0}
YAML
cat > "$W/wide.yaml" <<YAML
name: wide
data: {path: $W/wide.csv, target: label, task: classification, split: {validation: 0.01, test: 0.01}, preprocess: {scale: none}, cache: $W/cache}
model: {kind: mlp, hidden: [1024, 1024], activation: relu}
train: {epochs: 100, max_steps: 120, batch_size: 256, optimizer: {name: adam, lr: 0.001}, schedule: {name: constant}, early_stopping: false, eval_every: 1000}
checkpoint: {every_steps: 0}
YAML

# binary name ranks workload extra --set arguments...
one() {
  local bin=$1 name=$2 np=$3 wl=$4; shift 4
  local sets=(); for s in "$@"; do sets+=(--set "$s"); done
  # "RxT": R ranks of T threads each, unbound (mpirun binds a lone rank to one core by default).
  local threads=1 bind=()
  if [[ "$np" == *x* ]]; then threads=${np#*x}; np=${np%x*}; bind=(--bind-to none); fi
  if ! OPENBLAS_NUM_THREADS=$threads "${MPIRUN[@]}" "${bind[@]}" -np "$np" "$bin" train "$W/$wl.yaml" "${sets[@]}" --output "$W/run-$name" --overwrite \
       --threads "$threads" --progress lines >"$W/log" 2>&1; then
    echo "bench-train: $name failed:" >&2; tail -5 "$W/log" >&2; return 0
  fi
  local sps med step
  sps=$(sed -n 's/.*"samples_per_second": \([0-9.e+]*\).*/\1/p' "$W/run-$name/summary.json" | tail -1)
  # The global batch over the median step (summary.json's samples_per_second_median; null from
  # a binary before it), and the median step in microseconds.
  med=$(sed -n 's/.*"samples_per_second_median": \([0-9.e+]*\).*/\1/p' "$W/run-$name/summary.json" | tail -1)
  step=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])).get("step_seconds"); print(round(s["median"] * 1e6, 3) if s else "null")' "$W/run-$name/summary.json")
  printf '{"measure": "tandem-train", "config": "%s", "workload": "%s", "ranks": %d, "samples_per_second": %s, "samples_per_second_median": %s, "median_step_us": %s, "first_line": "%s"}\n' \
    "$name" "$wl" "$np" "$sps" "${med:-null}" "$step" "$(grep -m1 '^tandem: run' "$W/log" | cut -c1-400 | sed 's/"/\\"/g')" | tee -a "$OUT"
}

# PyTorch on the same workload (bench-peer.py): name ranks workload.
peer() {
  local name=$1 np=$2 wl=$3 line
  if ! line=$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 "$PY" scripts/bench-peer.py --workload "$wl" --ranks "$np" --config "$name" 2>"$W/log"); then
    echo "bench-train: $name failed:" >&2; tail -5 "$W/log" >&2; return 0
  fi
  echo "$line" | tee -a "$OUT"
}

# The torch-* configurations run only with BENCH_PYTORCH=1, each right after the Tandem one it
# is compared with (Tandem's defaults on 2 ranks: overlap auto, as DDP's defaults).
CONFIGS=(
  "small-1 1 small"
  "torch-small-1 1 small"
  "small-2-plain 2 small parallel.overlap=false"
  "small-2-overlap 2 small parallel.overlap=true"
  "small-2-auto 2 small"
  "torch-small-2 2 small"
  "small-2-acc4 2 small train.batch_size=128 train.accumulate_steps=4"
  "wide-1 1 wide"
  "torch-wide-1 1 wide"
  "wide-1x2 1x2 wide"
  "wide-2 2 wide"
  "torch-wide-2 2 wide"
)
OPENBLAS_NUM_THREADS=1 "${MPIRUN[@]}" -np 1 "$T" prepare "$W/small.yaml" >/dev/null 2>&1 || true
OPENBLAS_NUM_THREADS=1 "${MPIRUN[@]}" -np 1 "$T" prepare "$W/wide.yaml" >/dev/null 2>&1 || true
for r in $(seq "$REPEAT"); do
  ran=""  # the Tandem configuration run last: a torch-* one runs only after the one it is compared with
  for c in "${CONFIGS[@]}"; do
    set -- $c
    if [[ "$1" == torch-* ]]; then [ "$PEER" = 0 ] || [ -z "$ran" ] || peer "$@"; ran=""; continue; fi
    ran=""
    [ -z "$ONLY" ] || [[ "$1" == $ONLY ]] || continue
    ran=$1
    # (A base binary from before train.accumulate_steps existed cannot run those configurations.)
    [ -z "${BENCH_BASE:-}" ] || [[ "$c" == *accumulate_steps* ]] || { name=$1; shift; one "$BENCH_BASE" "base-$name" "$@"; set -- "$name" "$@"; }
    one "$T" "$@"
    # The wide target is a share of the sgemm rate: measured right after each 1-rank wide run, so
    # each pair shares the machine's state (its speed moves by 10-20% between minutes here).
    if [ "$1" = wide-1 ]; then
      OPENBLAS_NUM_THREADS=1 "${MPIRUN[@]}" -np 1 "$T" bench --sgemm --workload wide --threads 1 2>/dev/null | grep '^{' \
        | sed 's/"measure": "sgemm"/"measure": "sgemm-paired"/' | tee -a "$OUT" || true
    fi
  done
done

# Where a small step's time goes: one 1-rank run with --timeline, median microseconds per phase
# over its steps (medians, so a noisy neighbour's bursts do not move them).
phases() { # binary name
  OPENBLAS_NUM_THREADS=1 "${MPIRUN[@]}" -np 1 "$1" train "$W/small.yaml" --set train.epochs=1 --output "$W/run-tl" --overwrite \
    --threads 1 --progress lines --timeline "$W/timeline.json" >"$W/log" 2>&1 || { echo "bench-train: timeline run failed" >&2; return 0; }
  python3 - "$W/timeline.json" "$2" <<'PY' | tee -a "$OUT"
import collections, json, sys
events = json.load(open(sys.argv[1]))["traceEvents"]
spans = collections.defaultdict(list)
for e in events:
    if "dur" in e and e["name"] in ("data loading", "forward", "backward", "gradient sync wait", "optimizer"):
        spans[e["name"]].append(e["dur"])
med = {k: sorted(v)[len(v) // 2] for k, v in spans.items()}
print(json.dumps({"measure": "small-step-phases", "binary": sys.argv[2], "median_us": med}))
PY
}
[ -z "${BENCH_BASE:-}" ] || phases "$BENCH_BASE" base
phases "$T" this
# With PyTorch: both sides' single-thread matrix products at each workload's step shapes (the
# BLAS each links: Tandem's OpenBLAS or its small-shape kernel, PyTorch's MKL), once each.
if [ "$PEER" = 1 ]; then
  OPENBLAS_NUM_THREADS=1 "${MPIRUN[@]}" -np 1 "$T" bench --sgemm --threads 1 2>/dev/null | grep '^{' | tee -a "$OUT" || true
  for wl in wide small; do
    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 "$PY" scripts/bench-peer.py --sgemm --workload "$wl" | tee -a "$OUT" || true
  done
fi

echo
awk '
  function num(key,   re, s) { re = "\"" key "\": [^,}]*"; if (match($0, re)) { s = substr($0, RSTART, RLENGTH); sub(/.*: /, "", s); gsub(/"/, "", s); return s } return "" }
  # Sorts x[1..m] and sets lo, mid (the median) and hi.
  function stats(x, m,   a, b, t) {
    for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (x[b] < x[a]) { t = x[a]; x[a] = x[b]; x[b] = t }
    lo = x[1]; hi = x[m]; mid = (m % 2 ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2) }
  /"tandem-train"|"pytorch-train"/ { c = num("config"); if (!(c in n)) order[++k] = c; v[c, ++n[c]] = num("samples_per_second") + 0
    r = num("samples_per_second_median"); if (r != "" && r != "null") { vm[c, ++nm[c]] = r + 0; vs[c, nm[c]] = num("median_step_us") + 0 } }
  END {
    printf "%-18s %12s %12s %12s | %12s %12s %12s | %9s  (samples/s: tandem train from summary.json, torch-* from bench-peer.py; %d runs each)\n", "config", "min", "median", "max", "batch/median step: min", "median", "max", "step us", n[order[1]]
    for (i = 1; i <= k; i++) { c = order[i]; m = n[c]
      for (a = 1; a <= m; a++) s[a] = v[c, a]
      stats(s, m); med[c] = mid
      line = sprintf("%-18s %12.0f %12.0f %12.0f", c, lo, mid, hi)
      # The step-median figures (samples_per_second_median, median step): binaries that write them.
      if (nm[c] > 0) {
        for (a = 1; a <= nm[c]; a++) s[a] = vm[c, a]
        stats(s, nm[c]); medm[c] = mid; line = line sprintf(" | %22.0f %12.0f %12.0f", lo, mid, hi)
        for (a = 1; a <= nm[c]; a++) s[a] = vs[c, a]
        stats(s, nm[c]); line = line sprintf(" | %9.2f", mid)
      }
      print line }
    for (i = 1; i <= k; i++) { c = order[i]; b = ""; r = c
      if (match(c, /^(base|torch)-/)) { b = substr(c, 1, RLENGTH); r = substr(c, RLENGTH + 1) }
      split(r, p, "-")
      if (p[2] == "2" && med[b p[1] "-1"] > 0) printf "%s / %s%s-1: %.2fx (medians)%s\n", c, b, p[1], med[c] / med[b p[1] "-1"], \
        (medm[c] > 0 && medm[b p[1] "-1"] > 0 ? sprintf(", %.2fx (batch / median step)", medm[c] / medm[b p[1] "-1"]) : "")
      if (b == "" && med["base-" c] > 0) printf "%s / base-%s: %.2fx (medians)%s\n", c, c, med[c] / med["base-" c], \
        (medm[c] > 0 && medm["base-" c] > 0 ? sprintf(", %.2fx (batch / median step)", medm[c] / medm["base-" c]) : "") }
    # Tandem against PyTorch: each torch-* against the Tandem configuration run just before it.
    for (i = 1; i <= k; i++) { c = order[i]
      if (c !~ /^(base|torch)-/) tc = c
      else if (c ~ /^torch-/ && med[tc] > 0 && med[c] > 0) printf "%s / %s: %.2fx (medians, Tandem / PyTorch)\n", tc, c, med[tc] / med[c] }
    # wide-1 in model FLOPs (3 x forward: 11.17 MFLOP a sample) against the sgemm rate measured right after it.
    pairs = ""
    for (a = 1; a <= np; a++) pairs = pairs sprintf(" %.1f%% (%.0f samples/s, %.1f GFLOP/s)", 100 * pw[a] * 11.1693e6 / 1e9 / ps[a], pw[a], ps[a])
    if (np) printf "wide-1 at the sgemm rate measured right after each run (%d pairs):%s\n", np, pairs
    for (w in tg) if (w in pg) printf "sgemm 1 thread at the %s step shapes: Tandem %.1f GFLOP/s (OpenBLAS core %s), PyTorch %.1f GFLOP/s (%s)\n", w, tg[w], core[w], pg[w], lib[w]
  }
  /"tandem-train"/ && num("config") == "wide-1" { lastWide = num("samples_per_second") + 0 }
  /"sgemm-paired"/ && lastWide > 0 { np++; pw[np] = lastWide; ps[np] = num("gflops") + 0; lastWide = 0 }
  /"measure": "sgemm"/ && num("ranks") == "1" { core[num("workload")] = num("blas_core"); tg[num("workload")] = num("gflops") }
  /"pytorch-sgemm"/ { lib[num("workload")] = num("blas"); pg[num("workload")] = num("gflops") }' "$OUT"
grep '"small-step-phases"' "$OUT" | sed 's/^{"measure": "small-step-phases", "binary": "\([a-z]*\)", "median_us": /small step phases (median us, --timeline), \1: /; s/}$//'
