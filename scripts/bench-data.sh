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

# runmeasured NAME NP ARGS...: runs tandem ($BIN, default $T) under mpirun, each rank under
# /usr/bin/time -v (its CPU time and maximum resident set in $DIR/NAME.time.RANK), timestamps its
# output lines, and samples every rank's VmRSS / VmHWM / RssAnon from /proc; prints
# "seconds_to_first_step max_rss_mb max_hwm_mb wall max_anon_mb" (VmRSS counts the mapped
# dataset's page-cache pages; RssAnon does not).
runmeasured() {
  local name=$1 np=$2; shift 2
  local log="$DIR/$name.log" mem="$DIR/$name.mem" bin="${BIN:-$T}"
  : >"$mem"
  rm -f "$DIR/$name.time."*
  local start; start=$(date +%s.%N)
  ( "${MPIRUN[@]}" -np "$np" bash -c 'exec /usr/bin/time -v -o "$0.${OMPI_COMM_WORLD_RANK:-0}" "$@"' "$DIR/$name.time" "$bin" "$@" 2>&1 | while IFS= read -r line; do echo "$(date +%s.%N) $line"; done >"$log" ) &
  local job=$!
  while kill -0 "$job" 2>/dev/null; do
    for p in $(pgrep -f "^$bin (prepare|train) $DIR/job.yaml"); do awk -v p="$p" '/VmRSS|VmHWM|RssAnon/ {print p, $1, $2}' "/proc/$p/status" 2>/dev/null >>"$mem"; done
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

# rankfigures NAME NP: per rank (in rank order) CPU seconds (user + sys) and VmHWM in MB from
# /usr/bin/time, as two JSON arrays separated by "|".
rankfigures() {
  local cpu="" hwm="" r
  for ((r = 0; r < $2; r++)); do
    local f="$DIR/$1.time.$r"
    cpu+="${cpu:+, }$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$f" 2>/dev/null)"
    hwm+="${hwm:+, }$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$f" 2>/dev/null)"
  done
  echo "[$cpu]|[$hwm]"
}

"$T" bench --parse "$CSV" | tee -a "$OUT"
# Preparation on 1 and 2 ranks, by this binary and (with BENCH_DATA_BASELINE, e.g. one built from
# an earlier commit) by the baseline, interleaved: per rank CPU seconds and VmHWM, and the load.
BINARIES=(current)
[ -n "${BENCH_DATA_BASELINE:-}" ] && BINARIES=(baseline current)
for np in ${BENCH_DATA_PREPARE_RANKS-1 2}; do
  for which in "${BINARIES[@]}"; do
    bin="$T"; [ "$which" = baseline ] && bin="$BENCH_DATA_BASELINE"
    tag="$np"; [ "$which" = baseline ] && tag="$np-baseline"
    rm -rf "$DIR/prep$tag"
    load=$(cut -d' ' -f1 /proc/loadavg)
    read -r _ rss hwm wall anon < <(BIN="$bin" runmeasured "prepare$tag" "$np" prepare "$DIR/job.yaml" --output "$DIR/prep$tag")
    IFS='|' read -r cpu rankhwm < <(rankfigures "prepare$tag" "$np")
    echo "{\"measure\": \"data_prepare\", \"binary\": \"$which\", \"ranks\": $np, \"csv_bytes\": $BYTES, \"seconds\": $wall, \"mb_per_second\": $(awk -v b="$BYTES" -v s="$wall" 'BEGIN {printf "%.1f", b / 1048576 / s}'), \"max_hwm_mb\": $hwm, \"rank_cpu_seconds\": $cpu, \"rank_hwm_mb\": $rankhwm, \"load_average\": $load}" | tee -a "$OUT"
    [ "$which" = current ] && eval "prep_seconds_$np=$wall"
  done
done
if [ -n "${prep_seconds_1:-}" ] && [ -n "${prep_seconds_2:-}" ]; then
  same=false; cmp -s "$DIR/prep1/SHA256SUMS" "$DIR/prep2/SHA256SUMS" && same=true
  same_baseline=null
  [ -n "${BENCH_DATA_BASELINE:-}" ] && { same_baseline=false; cmp -s "$DIR/prep1/SHA256SUMS" "$DIR/prep1-baseline/SHA256SUMS" && same_baseline=true; }
  echo "{\"measure\": \"data_prepare_speedup\", \"ranks\": 2, \"csv_bytes\": $BYTES, \"speedup\": $(awk -v a="$prep_seconds_1" -v b="$prep_seconds_2" 'BEGIN {printf "%.2f", a / b}'), \"same_bytes_as_1_rank\": $same, \"same_bytes_as_baseline\": $same_baseline}" | tee -a "$OUT"
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
