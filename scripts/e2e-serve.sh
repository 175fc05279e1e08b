#!/usr/bin/env bash
# End-to-end test of `tandem serve`: the real binary on a free loopback port with a digits model
# exported from examples/digits.yaml; a prediction over HTTP equals `tandem predict` on the same
# row, bad requests get 4xx JSON errors while it keeps serving, /metrics counts, SIGTERM stops it,
# and a bad model directory fails before listening.
# Usage: TANDEM=.build/debug/tandem scripts/e2e-serve.sh   (scripts/test.sh runs it)
. "$(dirname "$0")/lib.sh"
setup_mpi_env
set +e   # every check below handles its own failures
. "$(dirname "$0")/e2e-lib.sh"

# start_server LOG ARGS... : starts tandem serve --port 0 in the background; sets PID and PORT.
start_server() {
  local log=$1; shift
  "$TANDEM" serve "$@" --port 0 >"$log" 2>"$log.err" &
  PID=$!; PORT=""
  for _ in $(seq 100); do
    PORT=$(sed -n 's|^serving .* on http://127.0.0.1:\([0-9]*\) .*|\1|p' "$log" | head -1)
    [ -n "$PORT" ] && return 0
    kill -0 "$PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
post() { curl -s -w '\n%{http_code}' "http://127.0.0.1:$PORT$1" -d "$2"; }  # body, then the status on the last line

if train 1 "$WORK/digits" examples/digits.yaml --set train.epochs=5 && "$TANDEM" export "$WORK/digits" --output "$WORK/model" >/dev/null; then
  ok "trained and exported a digits model"
else fail "train + export digits" "$(tail -3 "$WORK/digits.log")"; summary; fi

if start_server "$WORK/serve.log" "$WORK/model" --model v2="$WORK/model"; then
  ok "tandem serve --port 0 listening: $(head -1 "$WORK/serve.log")"
  row=$(sed -n 2p examples/data/digits.csv | cut -d, -f1-64)
  head -2 examples/data/digits.csv > "$WORK/one.csv"
  want=$("$TANDEM" predict "$WORK/model" --input "$WORK/one.csv" | sed -n 2p)   # label,p0,...,p9
  got=$(post /v1/predict "{\"rows\": [[$row]]}")
  code=$(echo "$got" | tail -1); body=$(echo "$got" | head -1)
  # the response's numbers in order: label then the 10 probabilities, as tandem predict prints them
  flat=$(echo "$body" | sed 's/.*"prediction":"\([^"]*\)","probabilities":{\(.*\)}}]}/\1,\2/; s/"[0-9]":\([^,]*\)/\1/g')
  [ "$code" = 200 ] && [ "$flat" = "$want" ] && ok "POST /v1/predict equals tandem predict: $want" || fail "prediction over HTTP" "$code $body vs $want"
  # Where Tandem's GEMM kernel runs every product (AVX2+FMA; summary.json's layout.gemm), a row's
  # outputs do not depend on the rows beside it: the row alone (above) equals the same row inside
  # the whole file, and the file reversed equals the file, bit for bit (as printed).
  if grep -q '"gemm" *: *"tandem kernel' "$WORK/digits/summary.json"; then
    "$TANDEM" predict "$WORK/model" --input examples/data/digits.csv > "$WORK/all.csv"
    (head -1 examples/data/digits.csv; tail -n +2 examples/data/digits.csv | tac) > "$WORK/rev.csv"
    "$TANDEM" predict "$WORK/model" --input "$WORK/rev.csv" | tail -n +2 | tac > "$WORK/rev-out.csv"
    [ "$(sed -n 2p "$WORK/all.csv")" = "$want" ] && tail -n +2 "$WORK/all.csv" | cmp -s - "$WORK/rev-out.csv" \
      && ok "a row's prediction does not depend on its batch: alone = inside 1,797 rows, reversed file = file" \
      || fail "batch-independent predictions" "alone $want, in the file $(sed -n 2p "$WORK/all.csv"); reversed: $(tail -n +2 "$WORK/all.csv" | cmp - "$WORK/rev-out.csv" 2>&1)"
  else
    printf 'skip  batch independence: products run on OpenBLAS here (%s)\n' "$(grep -o '"gemm" *: *"[^"]*"' "$WORK/digits/summary.json")"
  fi
  obj=$(sed -n 1p examples/data/digits.csv | tr ',' '\n' | head -64 | paste -d: - <(echo "$row" | tr ',' '\n') | sed 's/^\([^:]*\):/"\1":/' | paste -sd,)
  got=$(post /v1/models/v2/predict "{\"rows\": [{$obj}]}")
  echo "$got" | head -1 | grep -q "\"model\":\"v2\",\"predictions\":\[{\"prediction\":\"$(echo "$want" | cut -d, -f1)\"" && ok "POST /v1/models/v2/predict with a row keyed by feature name" || fail "named model, object row" "$got"
  got=$(post /v1/predict '{"rows": [[1, 2, 3]]}')
  [ "$(echo "$got" | tail -1)" = 400 ] && echo "$got" | grep -q "3 values, but the model takes 64 features" && ok "a short row is a 400: $(echo "$got" | head -1 | cut -c1-90)" || fail "short row" "$got"
  got=$(post /v1/predict '{"rows": [[1, 2')
  [ "$(echo "$got" | tail -1)" = 400 ] && echo "$got" | grep -q "malformed JSON" && ok "malformed JSON is a 400" || fail "malformed JSON" "$got"
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v1/predict")
  [ "$code" = 405 ] && ok "GET /v1/predict is a 405" || fail "wrong method" "$code"
  health=$(curl -s "http://127.0.0.1:$PORT/healthz")
  [ "$health" = '{"status":"ok","models":["digits","v2"]}' ] && ok "GET /healthz: $health" || fail "healthz" "$health"
  metrics=$(curl -s "http://127.0.0.1:$PORT/metrics")
  echo "$metrics" | grep -q '^tandem_rows_predicted_total{model="digits"} 1$' && echo "$metrics" | grep -q '^tandem_http_requests_total{route="/v1/predict",code="400"} 2$' \
    && ok "/metrics counts rows and status codes" || fail "metrics" "$(echo "$metrics" | grep -v '^#' | head -5)"
  echo "$metrics" | grep -q '^tandem_drift_window_rows{model="digits"} 1$' && echo "$metrics" | grep -Eq '^tandem_feature_drift_psi\{model="digits",feature="pixel_[0-9]+"\} [0-9.e+-]+$' \
    && ok "/metrics has drift gauges from the model's training distributions: $(echo "$metrics" | grep -c '^tandem_feature_drift_psi') features" \
    || fail "drift gauges" "$(echo "$metrics" | grep drift | head -3)"
  # A declared chunk size beyond --max-body-bytes: 413 at once (the connection waited for the
  # bytes before), also when the size line arrives in two pieces.
  got=$(python3 - "$PORT" <<'PY'
import socket, sys, time
for parts in ([b"ffffffffffffffff\r\nabc"], [b"fffff", b"fffffffffff\r\nabc"]):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    s.sendall(b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    for p in parts:
        s.sendall(p)
        time.sleep(0.1)
    try:
        print(s.recv(200).split(b"\r\n")[0].decode())
    except socket.timeout:
        print("no answer within 5 s")
    s.close()
PY
)
  [ "$(echo "$got" | grep -c '^HTTP/1.1 413')" = 2 ] && ok "a chunk size of ffffffffffffffff gets 413 at once (whole or split size line)" || fail "huge chunk size" "$got"
  kill -TERM "$PID"; wait "$PID"; rc=$?
  [ $rc -eq 0 ] && ok "SIGTERM stops the server (exit 0)" || fail "SIGTERM exit code $rc" "$(tail -3 "$WORK/serve.log.err")"
else fail "tandem serve did not start" "$(cat "$WORK/serve.log.err")"; kill "$PID" 2>/dev/null; fi

# SIGTERM under keep-alive load: no request is dropped (each in-flight one is answered; the
# last response on each connection says Connection: close). Without the shutdown grace every
# connection lost one request.
if start_server "$WORK/drain.log" "$WORK/model"; then
  got=$(python3 "$ROOT/scripts/serve-drain.py" "$PORT" "$PID" "{\"rows\": [[$(sed -n 2p examples/data/digits.csv | cut -d, -f1-64)]]}" 8); rc=$?
  wait "$PID"; src=$?
  [ $rc -eq 0 ] && [ $src -eq 0 ] && ok "SIGTERM during keep-alive requests on 8 connections: $got (server exit 0)" \
    || fail "requests dropped at SIGTERM (server exit $src)" "$got"
else fail "tandem serve (drain) did not start" "$(cat "$WORK/drain.log.err")"; kill "$PID" 2>/dev/null; fi

# A body over 1 MB, which curl sends only after `100 Continue` (or after waiting 1 s for it),
# with --max-body-bytes raised to take it: the server sends the interim response and answers.
if start_server "$WORK/big.log" "$WORK/model" --max-body-bytes 4000000 --max-rows 20000; then
  python3 - "$WORK/big.json" <<'PY'
import csv, sys
rows = [r[:64] for r in list(csv.reader(open("examples/data/digits.csv")))[1:]] * 5
open(sys.argv[1], "w").write('{"rows": [' + ",".join("[" + ",".join(r) + "]" for r in rows) + "]}")
PY
  got=$(curl -sv -o "$WORK/big.out" -w '%{http_code}' "http://127.0.0.1:$PORT/v1/predict" --data-binary @"$WORK/big.json" 2>"$WORK/big.trace")
  n=$(grep -o '"prediction"' "$WORK/big.out" | wc -l)
  grep -q '^> Expect: 100-continue' "$WORK/big.trace" && grep -q '^< HTTP/1.1 100 Continue' "$WORK/big.trace" && [ "$got" = 200 ] && [ "$n" = 8985 ] \
    && ok "a $(wc -c < "$WORK/big.json")-byte body with Expect: 100-continue gets 100 Continue, then $n predictions" \
    || fail "Expect: 100-continue (status $got, $n predictions)" "$(grep '^[<>] \(HTTP\|Expect\)' "$WORK/big.trace")"
  kill "$PID"; wait "$PID" 2>/dev/null
else fail "tandem serve (large bodies) did not start" "$(cat "$WORK/big.log.err")"; kill "$PID" 2>/dev/null; fi

mkdir -p "$WORK/empty"
out=$(timeout 20 "$TANDEM" serve "$WORK/empty" --port 0 2>&1); rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] && echo "$out" | grep -q "model.json is missing" && ! echo "$out" | grep -q "^serving" \
  && ok "a directory without a model fails before listening: $(echo "$out" | head -1 | cut -c1-100)" || fail "bad model dir (rc $rc)" "$out"
out=$(timeout 20 "$TANDEM" serve "$WORK/model" --model digits="$WORK/model" --port 0 2>&1); rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] && echo "$out" | grep -q "two models are named 'digits'" && ok "two models with one name are refused" || fail "duplicate name (rc $rc)" "$out"
summary
