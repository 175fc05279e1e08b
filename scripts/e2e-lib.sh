# Helpers for the end-to-end scripts (sourced after lib.sh).
TANDEM="${TANDEM:-$ROOT/.build/debug/tandem}"
[ -x "$TANDEM" ] || { echo "error: $TANDEM not built (run swift build)" >&2; exit 1; }
WORK="$(mktemp -d /tmp/tandem-e2e.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
export OPENBLAS_NUM_THREADS=1
passed=0; failed=0; failures=()

ok()   { passed=$((passed + 1)); printf 'ok    %s\n' "$1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); printf 'FAIL  %s\n' "$1"; [ -n "${2:-}" ] && printf '      %s\n' "$2"; return 0; }

# train NP OUTDIR ARGS... : runs tandem train on NP ranks with a time limit; output in OUTDIR.log
train() {
  local np=$1 out=$2; shift 2
  timeout 300 "${MPIRUN[@]}" -np "$np" "$TANDEM" train "$@" --output "$out" >"$out.log" 2>&1
}

# json_get FILE KEY[.KEY...] : a value from a JSON file, read by a JSON parser (empty when absent)
command -v python3 >/dev/null || { echo "error: the end-to-end scripts need python3 to read JSON" >&2; exit 1; }
json_get() {
  python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else json.dumps(v) if isinstance(v, (bool, list, dict)) else v)' "$1" "$2" 2>/dev/null
}
# metric RUN SPLIT KEY : a number from RUN/summary.json
metric() { json_get "$1/summary.json" "$2.$3"; }
# field RUN KEY : a top-level field from RUN/summary.json
field() { json_get "$1/summary.json" "$2"; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
close_to() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

# expect_error NAME NP EXPECTED_SUBSTRING CONFIG ARGS...
expect_error() {
  local name=$1 np=$2 want=$3; shift 3
  local out="$WORK/bad-$(echo "$name" | tr -c 'a-z0-9' '-')"
  train "$np" "$out" "$@"
  local rc=$?
  if [ $rc -eq 124 ]; then fail "$name: hung (killed after 300 s)"; return; fi
  if [ $rc -eq 0 ]; then fail "$name: exited 0"; return; fi
  if ! grep -qF -- "$want" "$out.log"; then fail "$name: message lacks '$want'" "$(grep -m3 error "$out.log")"; return; fi
  if [ -e "$out/summary.json" ]; then fail "$name: left a summary.json"; return; fi
  ok "$name -> exit $rc: $(grep -m1 -F -- "$want" "$out.log" | cut -c1-160)"
}

summary() {
  echo
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] || { printf 'failed: %s\n' "${failures[@]}"; exit 1; }
}
