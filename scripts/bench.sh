#!/usr/bin/env bash
# Throughput benchmark, all in one run so the ratios are comparable on a noisy machine:
#   - single-thread sgemm GFLOP/s at each workload's shapes (the machine's compute limit),
#   - training samples/s for wide (784-1024-1024-10, batch 256, Adam) and small (64-64-10,
#     batch 32, Adam) on synthetic data, 1 rank x 1 thread, 1 rank x all cores, 2 ranks x 1 thread,
#   - derived: fraction of the sgemm rate a training step reaches, data-parallel scaling efficiency.
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
run "${MPIRUN[@]}" -np 1 $T bench --threads 1
[ "$CORES" -gt 1 ] && run "${MPIRUN[@]}" -np 1 $T bench --threads "$CORES"
run "${MPIRUN[@]}" -np 2 $T bench --threads 1
# Checkpoint cost: the same 600 wide steps (1 rank x 1 thread) without, then with, a checkpoint
# (params + Adam moments, fsynced, written by the background writer) every 200 steps.
sps() { sed -n 's/.*"samples_per_second": \([0-9.]*\).*/\1/p'; }
base=$("${MPIRUN[@]}" -np 1 $T bench --workload wide --threads 1 --steps 600 | grep '^{')
ck=$("${MPIRUN[@]}" -np 1 $T bench --workload wide --threads 1 --steps 600 --checkpoint-every 200 | grep '^{')
echo "$ck" | sed 's/"measure": "train"/"measure": "checkpoint"/' | tee -a "$OUT"
ckline=$(awk -v a="$(echo "$base" | sps)" -v b="$(echo "$ck" | sps)" 'BEGIN { printf "%.1f%%", 100 * (a - b) / a }')

echo
awk '
  function num(key,   re, s) { re = "\"" key "\": [^,}]*"; if (match($0, re)) { s = substr($0, RSTART, RLENGTH); sub(/.*: /, "", s); gsub(/"/, "", s); return s } return "" }
  /"sgemm"/ { sg[num("workload")] = num("gflops"); next }
  /"checkpoint"/ { cks = num("checkpoint_seconds"); ckr = num("checkpoint_mb_per_s"); next }
  /"train"/ { w = num("workload"); k = w "/" num("ranks") "x" num("threads"); sps[k] = num("samples_per_second"); gf[k] = num("gflops"); keys[++n] = k }
  END {
    printf "%-16s %14s %10s %12s\n", "workload/ranks", "samples/s", "GFLOP/s", "of sgemm"
    for (i = 1; i <= n; i++) { k = keys[i]; split(k, a, "/"); printf "%-16s %14.0f %10.1f %11.1f%%\n", k, sps[k], gf[k], 100 * gf[k] / sg[a[1]] }
    printf "\nsgemm 1 thread: wide %.1f GFLOP/s, small %.1f GFLOP/s\n", sg["wide"], sg["small"]
    if (cks != "") printf "checkpoint of the wide model (22 MB): %.3f s, %.0f MB/s\n", cks, ckr
    for (w in sg) if (sps[w "/2x1"] && sps[w "/1x1"]) printf "%s: 2-rank scaling efficiency %.1f%% (2-rank samples/s / (2 x 1-rank samples/s))\n", w, 100 * sps[w "/2x1"] / (2 * sps[w "/1x1"])
  }' "$OUT"
echo "checkpoint every 200 steps: samples/s overhead ${ckline} (same 600 steps without checkpoints as the baseline)"
echo "(raw results: $OUT)"
