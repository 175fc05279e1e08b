#!/usr/bin/env bash
# Data path benchmark on a generated CSV (default 128 MB; BENCH_DATA_MB=1024 for about 1 GB): 12
# numeric columns with about 2% missing cells, one 100-category column, a binary target.
# Measures, in one run:
#   - the raw CSV parse (tandem bench --parse: read, scan, type, numbers; best of 3) in MB/s,
#   - preparation (tandem prepare): seconds and MB/s on 1 rank, and on 2 ranks (each parsing its
#     byte range), the 2-rank speedup, and whether both wrote the same bytes (and on 1 rank with
#     the binary BENCH_DATA_BASELINE, e.g. one built from an earlier commit, for a before/after),
#   - a second run's time from start to the first training step (the dataset reused),
#   - resident memory per rank while training (VmHWM and the largest VmRSS sampled from /proc),
#     from the mapped dataset and with data.cache: off (columns held in memory),
#   - training samples/s from the mapped dataset against data.cache: off.
# Prints one JSON object per line (appended to BENCH_OUT, default bench-data-results.json).
# Usage: scripts/bench-data.sh   (scripts/bench.sh calls it after building the release binary)
. "$(dirname "$0")/lib.sh"
setup_mpi_env
set +e   # every measurement below reports its own failures
if [ "${BENCH_DATA_BUILD:-1}" = 1 ]; then ensure_swift; swift build -c release --product tandem 2>&1 | tail -1; fi
T="${TANDEM:-$ROOT/.build/release/tandem}"
OUT="${BENCH_OUT:-bench-data-results.json}"
MB="${BENCH_DATA_MB:-128}"
DIR="${BENCH_DATA_DIR:-/tmp/tandem-bench-data}"
STEPS="${BENCH_DATA_STEPS:-2000}"
mkdir -p "$DIR"
CSV="$DIR/big-$MB.csv"
if [ ! -s "$CSV" ]; then
  log "generating $CSV (~$MB MB)"
  python3 - "$CSV" "$MB" <<'PY'
import random, sys
path, mb = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
target = mb * 1024 * 1024
with open(path, "w") as f:
    f.write(",".join([f"x{i}" for i in range(12)] + ["cat", "y"]) + "\n")
    written = 0
    while written < target:
        lines = []
        for _ in range(10000):
            xs = [rng.gauss(0, 1) for _ in range(12)]
            c = rng.randrange(100)
            y = 1 if xs[0] + 0.5 * xs[1] + (0.8 if c % 3 == 0 else -0.4) > 0 else 0
            cells = ["" if rng.random() < 0.02 else f"{x:.4f}" for x in xs]
            lines.append(",".join(cells + [f"cat_{c:02d}", str(y)]))
        chunk = "\n".join(lines) + "\n"
        f.write(chunk)
        written += len(chunk)
PY
fi
BYTES=$(stat -c %s "$CSV")
cat >"$DIR/job.yaml" <<YAML
name: bench-data
data: {path: $CSV, target: y, task: classification, split: {validation: 0.1, test: 0.1, method: random, seed: 7}}
model: {kind: mlp, hidden: [64]}
train: {epochs: 1, max_steps: $STEPS, batch_size: 512, optimizer: {name: adam, lr: 0.001}}
checkpoint: {every_steps: 0}
YAML

# runmeasured NAME NP ARGS...: runs tandem under mpirun, timestamps its output lines, and samples
# every rank's VmRSS / VmHWM / RssAnon from /proc; prints "seconds_to_first_step max_rss_mb
# max_hwm_mb wall max_anon_mb" (VmRSS counts the mapped dataset's page-cache pages; RssAnon does not).
runmeasured() {
  local name=$1 np=$2; shift 2
  local log="$DIR/$name.log" mem="$DIR/$name.mem"
  : >"$mem"
  local start; start=$(date +%s.%N)
  ( "${MPIRUN[@]}" -np "$np" "$T" "$@" 2>&1 | while IFS= read -r line; do echo "$(date +%s.%N) $line"; done >"$log" ) &
  local job=$!
  while kill -0 "$job" 2>/dev/null; do
    for p in $(pgrep -f "^$T (prepare|train) $DIR/job.yaml"); do awk -v p="$p" '/VmRSS|VmHWM|RssAnon/ {print p, $1, $2}' "/proc/$p/status" 2>/dev/null >>"$mem"; done
    sleep 0.2
  done
  wait "$job" || echo "warning: $name exited with an error (see $log)" >&2
  local end; end=$(date +%s.%N)
  local first; first=$(awk '/ tandem: run / {print $1; exit}' "$log")
  local rss; rss=$(awk '$2 == "VmRSS:" && $3 > m {m = $3} END {printf "%.0f", m / 1024}' "$mem")
  local hwm; hwm=$(awk '$2 == "VmHWM:" && $3 > m {m = $3} END {printf "%.0f", m / 1024}' "$mem")
  local anon; anon=$(awk '$2 == "RssAnon:" && $3 > m {m = $3} END {printf "%.0f", m / 1024}' "$mem")
  echo "$(awk -v a="$start" -v b="${first:-$end}" 'BEGIN {printf "%.2f", b - a}') $rss $hwm $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b - a}') $anon"
}

"$T" bench --parse "$CSV" | tee -a "$OUT"
if [ -n "${BENCH_DATA_BASELINE:-}" ]; then
  rm -rf "$DIR/prep-baseline"
  start=$(date +%s.%N)
  "$BENCH_DATA_BASELINE" prepare "$DIR/job.yaml" --output "$DIR/prep-baseline" >"$DIR/prepare-baseline.log" 2>&1 || echo "warning: the baseline prepare failed (see $DIR/prepare-baseline.log)" >&2
  wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
  echo "{\"measure\": \"data_prepare\", \"binary\": \"baseline\", \"ranks\": 1, \"csv_bytes\": $BYTES, \"seconds\": $wall, \"mb_per_second\": $(awk -v b="$BYTES" -v s="$wall" 'BEGIN {printf "%.1f", b / 1048576 / s}')}" | tee -a "$OUT"
fi
for np in ${BENCH_DATA_PREPARE_RANKS-1 2}; do
  rm -rf "$DIR/prep$np"
  read -r _ rss hwm wall anon < <(runmeasured "prepare$np" "$np" prepare "$DIR/job.yaml" --output "$DIR/prep$np")
  echo "{\"measure\": \"data_prepare\", \"ranks\": $np, \"csv_bytes\": $BYTES, \"seconds\": $wall, \"mb_per_second\": $(awk -v b="$BYTES" -v s="$wall" 'BEGIN {printf "%.1f", b / 1048576 / s}'), \"max_hwm_mb\": $hwm}" | tee -a "$OUT"
  eval "prep_seconds_$np=$wall"
done
if [ -n "${prep_seconds_1:-}" ] && [ -n "${prep_seconds_2:-}" ]; then
  same=false; cmp -s "$DIR/prep1/SHA256SUMS" "$DIR/prep2/SHA256SUMS" && same=true
  echo "{\"measure\": \"data_prepare_speedup\", \"ranks\": 2, \"csv_bytes\": $BYTES, \"speedup\": $(awk -v a="$prep_seconds_1" -v b="$prep_seconds_2" 'BEGIN {printf "%.2f", a / b}'), \"same_bytes_as_1_rank\": $same}" | tee -a "$OUT"
fi
rm -rf "$DIR/runs"
for np in ${BENCH_DATA_TRAIN_RANKS-1 2}; do
  # The first run prepares into the cache; the second reuses it (time to first step, memory).
  runmeasured "first$np" "$np" train "$DIR/job.yaml" --output "$DIR/runs/first$np" >/dev/null
  read -r tfs rss hwm wall anon < <(runmeasured "mapped$np" "$np" train "$DIR/job.yaml" --output "$DIR/runs/mapped$np")
  sps=$(awk '/"samples_per_second"/ {gsub(/[ ,]/, "", $2); print $2; exit}' "$DIR/runs/mapped$np/summary.json")
  echo "{\"measure\": \"data_train\", \"path\": \"mapped\", \"ranks\": $np, \"seconds_to_first_step\": $tfs, \"max_rss_mb_per_rank\": $rss, \"max_hwm_mb_per_rank\": $hwm, \"max_anon_mb_per_rank\": $anon, \"samples_per_second\": ${sps:-0}, \"wall_seconds\": $wall}" | tee -a "$OUT"
  grep -q "reusing prepared dataset" "$DIR/mapped$np.log" || echo "warning: the second run did not reuse the dataset" >&2
  true
  read -r tfs rss hwm wall anon < <(runmeasured "memory$np" "$np" train "$DIR/job.yaml" --output "$DIR/runs/memory$np" --set data.cache=off)
  sps=$(awk '/"samples_per_second"/ {gsub(/[ ,]/, "", $2); print $2; exit}' "$DIR/runs/memory$np/summary.json")
  echo "{\"measure\": \"data_train\", \"path\": \"in_memory\", \"ranks\": $np, \"seconds_to_first_step\": $tfs, \"max_rss_mb_per_rank\": $rss, \"max_hwm_mb_per_rank\": $hwm, \"max_anon_mb_per_rank\": $anon, \"samples_per_second\": ${sps:-0}, \"wall_seconds\": $wall}" | tee -a "$OUT"
done
