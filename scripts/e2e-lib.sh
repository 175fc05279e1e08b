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
# step_seconds_ok NAME RUN : summary.json's step_seconds covers every step of the run and is
# ordered (0 < median <= p90 <= p99 <= max), and samples_per_second_median is the global batch
# (train.batch_size from config.yaml, at most the training rows) over the median step.
step_seconds_ok() {
  local out
  if out=$(python3 - "$2" <<'PY'
import json, re, sys
run = sys.argv[1]
s = json.load(open(f"{run}/summary.json"))
t = s.get("step_seconds")
assert t, "no step_seconds"
assert t["steps"] == s["steps"], f"step_seconds.steps {t['steps']} != steps {s['steps']}"
assert 0 < t["median"] <= t["p90"] <= t["p99"] <= t["max"], f"not ordered: {t}"
batch = int(re.search(r"batch_size: (\d+)", open(f"{run}/config.yaml").read()).group(1))
rate = s["samples_per_second_median"]
assert abs(rate * t["median"] - batch) <= 1e-6 * batch, f"samples_per_second_median {rate} x median {t['median']} != batch {batch}"
print(f"{t['steps']} steps, median {t['median'] * 1e6:.1f} us <= p90 {t['p90'] * 1e6:.1f} <= p99 {t['p99'] * 1e6:.1f} <= max {t['max'] * 1e6:.1f} us; {rate:.0f} samples/s at the median")
PY
  ); then ok "$1: step_seconds $out"; else fail "$1: step_seconds" "$out"; fi
}
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

# matches_one_rank NAME REF OUTPREFIX "TP PP DP"... -- ARGS... : trains ARGS on each layout (into
# OUTPREFIX-tpT-ppP-dpD) and checks its parameters against the 1-rank run REF (tandem diff, 1e-4).
matches_one_rank() {
  local name=$1 ref=$2 prefix=$3; shift 3
  local layouts=() layout tp pp dp out d
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do layouts+=("$1"); shift; done; shift
  for layout in "${layouts[@]}"; do
    read -r tp pp dp <<<"$layout"
    out="$prefix-tp$tp-pp$pp-dp$dp"
    if ! train $((tp * pp * dp)) "$out" "$@" --set parallel.tensor=$tp --set parallel.pipeline=$pp; then
      fail "$name: tp $tp pp $pp dp $dp" "$(grep -m3 error "$out.log")"; continue
    fi
    if d=$("$TANDEM" diff "$out" "$ref" --tolerance 1e-4); then ok "$name: tp $tp pp $pp dp $dp matches 1 rank: $d"; else fail "$name: tp $tp pp $pp dp $dp vs 1 rank" "$d"; fi
  done
}

# resumes_exactly NAME NP STEP DIR ARGS... : trains ARGS on NP ranks into DIR-full, stops a second
# run at STEP and resumes it into DIR-stop, and checks both end with the same params_sha256.
resumes_exactly() {
  local name=$1 np=$2 step=$3 dir=$4 a b; shift 4
  train "$np" "$dir-full" "$@" || fail "$name reference on $np ranks" "$(tail -3 "$dir-full.log")"
  train "$np" "$dir-stop" "$@" --stop-at-step "$step" || true
  train "$np" "$dir-stop" "$@" --resume auto || fail "$name resume" "$(tail -3 "$dir-stop.log")"
  a=$(field "$dir-full" params_sha256); b=$(field "$dir-stop" params_sha256)
  [ -n "$a" ] && [ "$a" = "$b" ] && ok "$name: stopped at step $step and resumed, params_sha256 identical ($a)" || fail "$name resume exactness" "$a vs $b"
}
