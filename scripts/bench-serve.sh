#!/usr/bin/env bash
# Serving throughput (also run by bench.sh): a digits model (64-128-10 MLP, 5 epochs, exported)
# behind the release `tandem serve`; wrk on loopback with 16 keep-alive connections and one wrk
# thread (so the server keeps most of the cores), single-row and 64-row requests, a 2 s warm-up
# then 10 s measured: predictions/s, p50/p99 latency, and the server's CPU seconds per million
# predictions (from /proc, all its threads); then `tandem bench --serve`: the CPU ns per row of the
# JSON parse, the encoding, the forward pass and the response encoding, measured apart.
# (Output: BENCH_SERVE_OUT, default bench-serve.json, one JSON object per line.)
# BENCH_SERVE_BUILD=0 skips the release build. BENCH_BASE=/path/to/tandem also serves the same
# model with that binary (named base), interleaved with this one, BENCH_REPEAT rounds (default 1),
# for before/after figures from the same run. SERVE_ARGS adds options to this binary's `tandem serve`
# command line, BASE_SERVE_ARGS to the base binary's.
. "$(dirname "$0")/lib.sh"
ensure_swift
setup_mpi_env
[ "${BENCH_SERVE_BUILD:-1}" = 0 ] || swift build -c release --product tandem 2>&1 | tail -1
T="${TANDEM:-$PWD/.build/release/tandem}"
OUT="${BENCH_SERVE_OUT:-bench-serve.json}"
REPEAT="${BENCH_REPEAT:-1}"
command -v wrk >/dev/null || { log "installing wrk"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 \
  || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }; }
SW=$(mktemp -d /tmp/tandem-bench-serve.XXXXXX)
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill -TERM "$SERVE_PID" 2>/dev/null; rm -rf "$SW"' EXIT
: > "$OUT"
"${MPIRUN[@]}" -np 1 "$T" train examples/digits.yaml --set train.epochs=5 --output "$SW/run" >/dev/null 2>&1 && "$T" export "$SW/run" --output "$SW/model" >/dev/null \
  || { echo "bench-serve: training or exporting the digits model failed" >&2; exit 1; }
row="[$(sed -n 2p examples/data/digits.csv | cut -d, -f1-64)]"

# cpu_ticks PID: user + system clock ticks of a process so far (all its threads).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# measure NAME BINARY [ARGS...]: one server, single-row then 64-row requests.
measure() {
  local name=$1 bin=$2; shift 2
  "$bin" serve "$SW/model" --port 0 "$@" >"$SW/serve.log" 2>&1 &
  SERVE_PID=$!
  local port=
  for _ in $(seq 100); do port=$(sed -n 's|^serving .* on http://127.0.0.1:\([0-9]*\) .*|\1|p' "$SW/serve.log"); [ -n "$port" ] && break; sleep 0.1; done
  [ -n "$port" ] || { echo "bench-serve: $name server did not start: $(cat "$SW/serve.log")" >&2; exit 1; }
  for rows in 1 64; do
    local body
    body="{\"rows\": [$(for _ in $(seq $rows); do printf '%s,' "$row"; done | sed 's/,$//')]}"
    cat > "$SW/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
done = function(s, latency, requests)
  local errors = s.errors.status + s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout
  local rps = s.requests / (s.duration / 1e6)
  io.write(string.format('{"measure": "serve", "binary": "$name", "rows_per_request": $rows, "connections": 16, "requests_per_second": %.0f, "predictions_per_second": %.0f, "p50_ms": %.3f, "p99_ms": %.3f, "errors": %d}\n',
    rps, rps * $rows, latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
LUA
    wrk -t1 -c16 -d2s -s "$SW/post.lua" "http://127.0.0.1:$port/v1/predict" >/dev/null 2>&1  # warm-up
    local cpu0 line cpu1
    cpu0=$(cpu_ticks "$SERVE_PID")
    line=$(wrk -t1 -c16 -d10s -s "$SW/post.lua" "http://127.0.0.1:$port/v1/predict" | grep '^{')
    cpu1=$(cpu_ticks "$SERVE_PID")
    # The server's CPU time (user + system, all threads) per million predictions, and the load average.
    echo "$line" | awk -v t="$((cpu1 - cpu0))" -v hz="$(getconf CLK_TCK)" -v load="$(cut -d' ' -f1 /proc/loadavg)" '{
      if (match($0, /"predictions_per_second": [0-9.]+/)) { p = substr($0, RSTART + 26, RLENGTH - 26) * 10 }
      sub(/}$/, sprintf(", \"server_cpu_seconds_per_million\": %.2f, \"load_average\": %s}", p > 0 ? t / hz / p * 1e6 : 0, load)); print }' >> "$OUT"
  done
  kill -TERM "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null; SERVE_PID=
}

for _ in $(seq "$REPEAT"); do
  [ -n "${BENCH_BASE:-}" ] && measure base "$BENCH_BASE" ${BASE_SERVE_ARGS:-}
  measure current "$T" ${SERVE_ARGS:-}
  # The parts of a request without HTTP: JSON parse, encoding, forward pass, response (CPU ns per row).
  "$T" bench --serve "$SW/model" --serve-row "$row" | grep '^{' | sed 's/}$/, "binary": "current"}/' >> "$OUT"
done
awk '
  function num(key,   re, s) { re = "\"" key "\": [^,}]*"; if (match($0, re)) { s = substr($0, RSTART, RLENGTH); sub(/.*: /, "", s); gsub(/"/, "", s); return s } return "" }
  /"serve"/ { printf "serve digits (%s), %2d rows/request, %s connections: %8.0f predictions/s (%6.0f requests/s), p50 %.2f ms, p99 %.2f ms, %d errors; server CPU %.2f s per 1M predictions (load %s)\n",
                num("binary"), num("rows_per_request"), num("connections"), num("predictions_per_second"), num("requests_per_second"), num("p50_ms"), num("p99_ms"), num("errors"),
                num("server_cpu_seconds_per_million"), num("load_average") }
  /"serve_parts"/ { printf "serve parts (%s), %2d rows/request, CPU ns per row: JSON parse %d, encoding %d, forward %d, response %d; whole predict %d\n",
                num("binary"), num("rows_per_request"), num("parse_ns_per_row"), num("encode_ns_per_row"), num("forward_ns_per_row"), num("response_ns_per_row"), num("predict_ns_per_row") }' "$OUT"
