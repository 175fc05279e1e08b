# End-to-end checks of warm start (init_from), drift and compare. Sourced by scripts/e2e.sh
# (after e2e-lib.sh, so ok/fail/train and $WORK are set); runs on its own too:
#   TANDEM=.build/debug/tandem scripts/e2e-artifact-tools.sh
if [ -z "${WORK:-}" ]; then
  . "$(dirname "$0")/lib.sh"; setup_mpi_env; set +e; . "$(dirname "$0")/e2e-lib.sh"; standalone=1
fi
IRIS_MLP=(examples/iris.yaml --set model.kind=mlp --set model.hidden=[16] --set train.epochs=60)

# --- warm start: continue from an exported model ----------------------------------------------
train 2 "$WORK/ws-base" "${IRIS_MLP[@]}" || fail "iris MLP base run" "$(tail -3 "$WORK/ws-base.log")"
train 2 "$WORK/ws-warm" "${IRIS_MLP[@]}" --set train.epochs=1 --set init_from="$WORK/ws-base/model" || fail "warm-started run" "$(tail -3 "$WORK/ws-warm.log")"
train 2 "$WORK/ws-fresh" "${IRIS_MLP[@]}" --set train.epochs=1 || fail "fresh 1-epoch run" "$(tail -3 "$WORK/ws-fresh.log")"
first_loss() { python3 -c 'import json, sys
print(next(r["loss"] for r in map(json.loads, open(sys.argv[1])) if r.get("split") == "train"))' "$1/metrics.jsonl"; }
lw=$(first_loss "$WORK/ws-warm"); lf=$(first_loss "$WORK/ws-fresh")
if [ -n "$lw" ] && [ -n "$lf" ] && awk -v a="$lw" -v b="$lf" 'BEGIN { exit !(a < b) }'; then
  ok "init_from: first-epoch training loss $lw < $lf of a fresh run"
else fail "init_from lowers the first-epoch loss" "warm '$lw' vs fresh '$lf'"; fi
base_sha=$(field "$WORK/ws-base" params_sha256)
[ "$(json_get "$WORK/ws-warm/summary.json" init_from.params_sha256)" = "$base_sha" ] && [ "$(json_get "$WORK/ws-warm/model/model.json" lineage.init_from.params_sha256)" = "$base_sha" ] \
  && ok "init_from path and params_sha256 recorded in summary.json and the model's lineage" || fail "init_from lineage" "$(grep -A3 init_from "$WORK/ws-warm/summary.json")"
grep -q "warm start from" "$WORK/ws-warm.log" && ok "the warm-started run says where it started from" || fail "no warm-start line" "$(head -2 "$WORK/ws-warm.log")"
# An incompatible model: refused on every rank, before training, with exit code 2 and the field named.
train 2 "$WORK/ws-bad" "${IRIS_MLP[@]}" --set model.hidden=[32] --set init_from="$WORK/ws-base"; rc=$?
n=$(grep -c "does not fit this config: model.hidden is \[16\] in that model, \[32\] here" "$WORK/ws-bad.log")
[ $rc -eq 2 ] && [ "$n" -ge 1 ] && [ ! -e "$WORK/ws-bad/summary.json" ] && ok "incompatible init_from -> exit 2: $(grep -m1 -o 'init_from .*here' "$WORK/ws-bad.log" | sed "s|$WORK/||")" \
  || fail "incompatible init_from (rc $rc)" "$(grep -m2 error "$WORK/ws-bad.log")"
# A checkpoint resume takes precedence over init_from.
train 2 "$WORK/ws-resume" "${IRIS_MLP[@]}" --set init_from="$WORK/ws-base" --stop-at-step 6 >/dev/null 2>&1
train 2 "$WORK/ws-resume" "${IRIS_MLP[@]}" --set init_from="$WORK/ws-base" --resume auto; rc=$?
[ $rc -eq 0 ] && grep -q "resuming from" "$WORK/ws-resume.log" && ! grep -q "warm start from" "$WORK/ws-resume.log" \
  && ok "--resume auto with init_from continues from the checkpoint, not the init_from weights" || fail "resume over init_from (rc $rc)" "$(tail -3 "$WORK/ws-resume.log")"

# --- drift ---------------------------------------------------------------------------------------
if out=$("$TANDEM" drift "$WORK/ws-base" --input examples/data/iris.csv); then
  echo "$out" | grep -q "^overall: stable" && ok "tandem drift on the iris data itself: $(echo "$out" | tail -1)" || fail "drift on the training data" "$out"
else fail "tandem drift" "$out"; fi
awk -F, 'NR == 1 { print; next } { $3 = $3 + 3; $4 = $4 * 2; print }' OFS=, examples/data/iris.csv > "$WORK/iris-shifted.csv"
out=$("$TANDEM" drift "$WORK/ws-base" --input "$WORK/iris-shifted.csv" --fail-on shifted); rc=$?
[ $rc -eq 3 ] && echo "$out" | grep -q "^petal_length .*shifted" && ok "tandem drift on shifted petals -> --fail-on shifted exits 3: $(echo "$out" | tail -1)" || fail "drift on shifted data (rc $rc)" "$out"
if command -v python3 >/dev/null; then
  out=$("$TANDEM" drift "$WORK/ws-base" --input "$WORK/iris-shifted.csv" --json | python3 -c "import json, sys; d = json.load(sys.stdin); print(d['overall'], [f['feature'] for f in d['features'] if f['verdict'] == 'shifted'])" 2>&1)
  [ "$out" = "shifted ['petal_length', 'petal_width']" ] && ok "tandem drift --json: $out" || fail "drift --json" "$out"
fi
cut -d, -f1,2,4,5 examples/data/iris.csv > "$WORK/iris-narrow.csv"
out=$("$TANDEM" drift "$WORK/ws-base" --input "$WORK/iris-narrow.csv" 2>&1); rc=$?
[ $rc -ne 0 ] && [ $rc -ne 3 ] && echo "$out" | grep -q "petal_length" && ok "drift on a file without a feature column names it (rc $rc)" || fail "drift missing column (rc $rc)" "$out"

# --- compare -------------------------------------------------------------------------------------
if out=$("$TANDEM" compare "$WORK/ws-fresh" "$WORK/ws-base" --input examples/data/iris.csv); then
  echo "$out" | grep -q "^promote B" && ok "tandem compare: $(echo "$out" | tail -1 | sed "s|$WORK/||g")" || fail "compare decision" "$out"
else fail "tandem compare" "$out"; fi
out=$("$TANDEM" compare "$WORK/ws-fresh" "$WORK/ws-base" --input examples/data/iris.csv --metric r2 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "valid: loss, accuracy" && ok "compare --metric r2 on classifiers lists the valid metrics" || fail "compare bad metric (rc $rc)" "$out"
train 1 "$WORK/ws-reg" examples/iris-regression.yaml || fail "iris regression run" "$(tail -3 "$WORK/ws-reg.log")"
out=$("$TANDEM" compare "$WORK/ws-base" "$WORK/ws-reg" --input examples/data/iris.csv 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "different tasks" && ok "compare refuses a classifier against a regressor" || fail "compare tasks (rc $rc)" "$out"

[ -n "${standalone:-}" ] && summary
true
