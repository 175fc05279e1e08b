#!/usr/bin/env bash
# End-to-end tests of model parallelism under mpirun: the tensor-parallel layers against one
# process, whole-model equivalence of every (tp, pp, dp) layout with both pipeline schedules,
# 1F1B's activation bound, accuracy, resume across layouts, and layout errors.
# Usage: TANDEM=.build/debug/tandem scripts/e2e-parallel.sh   (scripts/test.sh runs it)
. "$(dirname "$0")/lib.sh"
setup_mpi_env
set +e
. "$(dirname "$0")/e2e-lib.sh"

# --- each tensor-parallel layer against one process (13 -> 17 -> 11 -> 5, batch 7) ---------
for np in 2 3; do
  if out=$(timeout 120 "${MPIRUN[@]}" -np $np "$TANDEM" bench --verify-parallel 2>&1 | grep '^{'); then ok "tensor-parallel layers on $np ranks: $out"
  else fail "tensor-parallel layers on $np ranks" "$out"; fi
done

# --- whole model: every layout matches one process ----------------------------------------
# Four dense layers of odd widths (64-48-33-20-10), dropout on, 20 steps, 4 micro-batches.
DEEP=(examples/digits.yaml --set train.max_steps=20 --set model.hidden=[48,33,20] --set parallel.micro_batches=4)
train 1 "$WORK/ref" "${DEEP[@]}" || fail "1-rank reference" "$(tail -3 "$WORK/ref.log")"
for layout in "2 1 1" "1 2 1" "1 3 1" "2 2 1" "2 1 2" "1 2 2"; do
  set -- $layout
  np=$(($1 * $2 * $3))
  for schedule in 1f1b gpipe; do
    name="tp $1 pp $2 dp $3 ($schedule)"
    out="$WORK/tp$1-pp$2-dp$3-$schedule"
    if ! train $np "$out" "${DEEP[@]}" --set parallel.tensor=$1 --set parallel.pipeline=$2 --set parallel.schedule=$schedule; then
      fail "$name" "$(grep -m3 error "$out.log")"; continue
    fi
    if d=$("$TANDEM" diff "$out" "$WORK/ref" --tolerance 1e-4); then ok "$name matches 1 rank: $d"; else fail "$name vs 1 rank" "$d"; fi
    held=$(json_get "$out/summary.json" model_parallel.max_micro_batches_held)
    if [ "$schedule" = 1f1b ] && [ -n "$held" ] && [ "$held" -gt "$2" ]; then fail "$name holds $held micro-batches (more than pp $2)"; fi
  done
done
# Interleaved 1F1B (2 model chunks per stage, chunk c on stage c mod pp): the 4 dense layers
# as 4 chunks on 2 stages, with tp 2 and with dp 2 as well.
for layout in "1 2 1" "2 2 1" "1 2 2"; do
  set -- $layout
  np=$(($1 * $2 * $3))
  name="tp $1 pp $2 dp $3 (interleaved, 2 virtual stages)"
  out="$WORK/tp$1-pp$2-dp$3-v2"
  if ! train $np "$out" "${DEEP[@]}" --set parallel.tensor=$1 --set parallel.pipeline=$2 --set parallel.virtual_stages=2; then
    fail "$name" "$(grep -m3 error "$out.log")"; continue
  fi
  if d=$("$TANDEM" diff "$out" "$WORK/ref" --tolerance 1e-4); then ok "$name matches 1 rank: $d"; else fail "$name vs 1 rank" "$d"; fi
done
v=$(json_get "$WORK/tp1-pp2-dp1-v2/summary.json" model_parallel.virtual_stages); st=$(json_get "$WORK/tp1-pp2-dp1-v2/summary.json" model_parallel.stages)
tb=$(json_get "$WORK/tp1-pp2-dp1-v2/summary.json" model_parallel.theoretical_bubble)
[ "$v" = 2 ] && [ "$st" = "[[0], [1], [2], [3]]" ] && close_to "$tb" 0.1111 0.001 && grep -q 'pipeline 2 x 2 virtual.*interleaved 1f1b.*stage 0: layers 0 + 2' "$WORK/tp1-pp2-dp1-v2.log" \
  && ok "interleaved layout reported: 4 chunks, stage 0 holds layers 0 and 2, theoretical bubble 1/(2*4+1) = $tb" \
  || fail "interleaved layout reported" "virtual '$v' stages '$st' bubble '$tb': $(head -2 "$WORK/tp1-pp2-dp1-v2.log" | tail -1)"

# Pipeline stages alone (no tp, no dp) give one rank's bits: every row's products are one rank's,
# and each dense layer's dW is one product over the whole batch (deferred weight gradients).
# Without clipping: the gradient norm's sum runs per stage, so clipping's scale may round apart.
NOCLIP=("${DEEP[@]}" --set train.clip_grad_norm=0)
train 1 "$WORK/ref-noclip" "${NOCLIP[@]}" || fail "1-rank reference without clipping" "$(tail -3 "$WORK/ref-noclip.log")"
ref_sha=$(json_get "$WORK/ref-noclip/summary.json" params_sha256)
# The stages of one node exchange messages through shared memory (stage_messages), or through
# MPI with parallel.intra_node false: the same bits either way.
for variant in "2 1f1b 1 auto" "2 gpipe 1 auto" "3 1f1b 1 auto" "2 1f1b 2 true" "2 1f1b 1 false" "3 1f1b 1 false" "3 1f1b 2 auto"; do
  set -- $variant
  out="$WORK/bits-pp$1-$2-v$3-$4"
  if ! train $1 "$out" "${NOCLIP[@]}" --set parallel.pipeline=$1 --set parallel.schedule=$2 --set parallel.virtual_stages=$3 --set parallel.intra_node=$4 \
      $([ "$3" = 2 ] && [ "$1" = 3 ] && echo --set parallel.micro_batches=3 --set model.hidden=[48,40,33,27,20]); then
    fail "pp $1 $2 v $3 intra_node $4 without clipping" "$(grep -m3 error "$out.log")"; continue
  fi
  sha=$(json_get "$out/summary.json" params_sha256)
  via=$(json_get "$out/summary.json" model_parallel.stage_messages)
  want=$([ "$4" = false ] && echo mpi || echo shared_memory)
  if [ "$1 $3" = "3 2" ]; then
    # Six chunks need six layers: compared with one rank on the same model.
    train 1 "$WORK/ref-noclip6" "${NOCLIP[@]}" --set parallel.micro_batches=3 --set model.hidden=[48,40,33,27,20] || fail "1-rank reference, 6 layers" "$(tail -3 "$WORK/ref-noclip6.log")"
    ref=$(json_get "$WORK/ref-noclip6/summary.json" params_sha256)
  else
    ref=$ref_sha
  fi
  [ -n "$sha" ] && [ "$sha" = "$ref" ] && [ "$via" = "$want" ] && ok "pp $1 ($2, $3 virtual, messages through $via) gives one rank's parameters bit for bit (params_sha256 ${sha:0:12})" \
    || fail "pp $1 ($2, $3 virtual, intra_node $4) bits" "params_sha256 '$sha' vs 1 rank '$ref', stage_messages '$via' (expected $want)"
done

# The data-parallel replicas of a split model sum their shards through the same gradient sync.
r=$(json_get "$WORK/tp2-pp1-dp2-1f1b/summary.json" gradient_sync.bucket_reductions); s=$(json_get "$WORK/tp2-pp1-dp2-1f1b/summary.json" gradient_sync.steps)
[ "$r" = 20 ] && [ "$s" = 20 ] && ok "tp 2 x dp 2: the gradient sync reduced each rank's shard over its replica once per step ($r in $s steps)" || fail "gradient sync under tp 2 x dp 2" "reductions '$r', steps '$s'"
held=$(json_get "$WORK/tp1-pp3-dp1-1f1b/summary.json" model_parallel.max_micro_batches_held)
if [ "$held" = 3 ]; then ok "1F1B on 3 stages held at most 3 of 4 micro-batches (GPipe: 4)"; else fail "1F1B activation bound" "held $held"; fi
[ -n "$(json_get "$WORK/tp2-pp2-dp1-1f1b/summary.json" layout)" ] && [ "$(json_get "$WORK/tp2-pp2-dp1-1f1b/summary.json" model_parallel.stages)" = "[[0], [1, 2, 3]]" ] \
  && grep -q 'tensor 2 x pipeline 2' "$WORK/tp2-pp2-dp1-1f1b.log" && ok "summary.json and the first log line state the layout and stages" \
  || fail "layout reported" "$(head -1 "$WORK/tp2-pp2-dp1-1f1b.log")"

# --- gradient accumulation: k pieces summed before one sync equal one piece, to rounding -----
train 1 "$WORK/acc-k4" "${DEEP[@]}" --set train.accumulate_steps=4 || fail "accumulate_steps 4" "$(tail -3 "$WORK/acc-k4.log")"
if d=$("$TANDEM" diff "$WORK/acc-k4" "$WORK/ref" --tolerance 1e-4); then ok "accumulate_steps 4 on 1 rank matches accumulate_steps 1: $d"; else fail "accumulate_steps 4 vs 1" "$d"; fi
train 2 "$WORK/acc-k2" "${DEEP[@]}" --set train.accumulate_steps=2 || fail "accumulate_steps 2 on 2 ranks" "$(tail -3 "$WORK/acc-k2.log")"
if d=$("$TANDEM" diff "$WORK/acc-k2" "$WORK/ref" --tolerance 1e-4); then ok "accumulate_steps 2 on 2 ranks matches 1 rank: $d"; else fail "accumulate_steps 2 on 2 ranks vs 1 rank" "$d"; fi
r=$(json_get "$WORK/acc-k2/summary.json" gradient_sync.bucket_reductions)
[ "$r" = 20 ] && ok "accumulate_steps 2: one gradient sync per step (20 in 20 steps)" || fail "syncs under accumulation" "reductions '$r' in 20 steps"
step_seconds_ok "accumulate_steps 2 on 2 ranks (a step is both pieces and the sync)" "$WORK/acc-k2"
expect_error "more accumulation pieces than rows" 2 "train.accumulate_steps 64: each of the 2 data-parallel ranks holds 32 rows" examples/digits.yaml --set train.accumulate_steps=64

# --- accuracy: a full digits run under tp 2 x pp 2 is within 0.01 of one process ----------
train 1 "$WORK/acc1" examples/digits.yaml --set train.epochs=15 --set model.hidden=[64,32] || fail "digits 1 rank" "$(tail -3 "$WORK/acc1.log")"
train 4 "$WORK/acc4" examples/digits.yaml --set train.epochs=15 --set model.hidden=[64,32] --set parallel.tensor=2 --set parallel.pipeline=2 --set parallel.micro_batches=4 \
  || fail "digits tp 2 x pp 2" "$(tail -3 "$WORK/acc4.log")"
a=$(metric "$WORK/acc4" test accuracy); b=$(metric "$WORK/acc1" test accuracy)
if [ -n "$a" ] && close_to "$a" "$b" 0.01; then ok "digits test accuracy under tp 2 x pp 2 ($a) within 0.01 of 1 rank ($b)"; else fail "digits accuracy tp2 pp2" "$a vs $b"; fi
step_seconds_ok "tp 2 x pp 2, 4 micro-batches (a step is the whole schedule)" "$WORK/acc4"
step_seconds_ok "1 rank" "$WORK/acc1"

# --- checkpoints hold the whole model: resume under another layout ------------------------
train 4 "$WORK/rs" "${DEEP[@]}" --set parallel.tensor=2 --set parallel.pipeline=2 --stop-at-step 10 || fail "tp2 pp2 stop at step 10" "$(tail -3 "$WORK/rs.log")"
train 3 "$WORK/rs" "${DEEP[@]}" --set parallel.pipeline=3 --resume auto || fail "resume under pp 3" "$(tail -3 "$WORK/rs.log")"
if d=$("$TANDEM" diff "$WORK/rs" "$WORK/ref" --tolerance 1e-4); then ok "tp 2 x pp 2 checkpoint resumed under pp 3 matches 1 rank: $d"; else fail "cross-layout resume" "$d"; fi

# An interleaved checkpoint (each rank holds non-contiguous chunks) resumes on one process.
train 2 "$WORK/rsv" "${DEEP[@]}" --set parallel.pipeline=2 --set parallel.virtual_stages=2 --stop-at-step 10 || fail "pp 2 x v 2 stop at step 10" "$(tail -3 "$WORK/rsv.log")"
train 1 "$WORK/rsv" "${DEEP[@]}" --resume auto || fail "resume on 1 rank" "$(tail -3 "$WORK/rsv.log")"
if d=$("$TANDEM" diff "$WORK/rsv" "$WORK/ref" --tolerance 1e-4); then ok "pp 2 x 2 virtual stages checkpoint resumed on 1 rank matches 1 rank: $d"; else fail "interleaved resume" "$d"; fi

# --- layout errors -----------------------------------------------------------------------
expect_error "world size not divisible by tp x pp" 3 "must be a multiple of 2" examples/digits.yaml --set parallel.tensor=2
expect_error "more stages than layers" 3 "more stages than the model's 2 dense layers" examples/digits.yaml --set parallel.pipeline=3
expect_error "explicit stages missing a layer" 2 "layer 1 is not assigned" "${DEEP[@]}" --set parallel.pipeline=2 --set 'parallel.stages=[[0],[2,3]]'
expect_error "too few layers for the chunks" 2 "parallel.virtual_stages 2 x parallel.pipeline 2 is 4 model chunks but the model has 3 dense layers" examples/digits.yaml --set model.hidden=[32,16] --set parallel.pipeline=2 --set parallel.virtual_stages=2 --set parallel.micro_batches=4
expect_error "micro-batches not a multiple of the stages" 2 "parallel.micro_batches 3 is not a multiple of parallel.pipeline 2" "${DEEP[@]}" --set parallel.pipeline=2 --set parallel.virtual_stages=2 --set parallel.micro_batches=3
expect_error "unknown schedule" 2 "parallel.schedule" examples/digits.yaml --set parallel.pipeline=2 --set parallel.schedule=zigzag
expect_error "exact solver with model parallelism" 2 "solver: exact" examples/iris-regression.yaml --set parallel.pipeline=2

summary
