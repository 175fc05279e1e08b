#!/usr/bin/env bash
# End-to-end tests of model.norm under mpirun: batch normalization's global-batch statistics and
# layer normalization give every layout (dp, tp, pp, and their grid) the parameters one process
# gives, exact resume carries the running statistics, the exported model predicts with them, and
# bad norm configs are refused; the same for the resnet (model.kind: resnet) under dp, tp and pp,
# and for categorical embeddings (data.preprocess.categorical: embedding) on penguins.
# Usage: TANDEM=.build/debug/tandem scripts/e2e-norm.sh   (scripts/test.sh runs it)
. "$(dirname "$0")/lib.sh"
setup_mpi_env
set +e
. "$(dirname "$0")/e2e-lib.sh"

# Three hidden layers of odd widths (64-48-33-20-10), dropout on, 20 steps.
JOB=(examples/digits.yaml --set train.max_steps=20 --set model.hidden=[48,33,20])
for norm in batch layer; do
  train 1 "$WORK/$norm-ref" "${JOB[@]}" --set model.norm=$norm || { fail "$norm: 1-rank reference" "$(tail -3 "$WORK/$norm-ref.log")"; continue; }
  # Batch statistics are per micro-batch (as in GPipe), so split models compare with one micro-batch.
  layouts=("2 1 1" "1 1 2" "2 2 1" "1 2 2"); [ $norm = layer ] && layouts=("2 1 1" "1 1 2")
  matches_one_rank "$norm" "$WORK/$norm-ref" "$WORK/$norm" "${layouts[@]}" -- "${JOB[@]}" --set model.norm=$norm
done
# Layer normalization's statistics are per row, so micro-batches change nothing.
train 4 "$WORK/layer-mb" "${JOB[@]}" --set model.norm=layer --set parallel.tensor=2 --set parallel.pipeline=2 --set parallel.micro_batches=4 \
  && d=$("$TANDEM" diff "$WORK/layer-mb" "$WORK/layer-ref" --tolerance 1e-4) && ok "layer: tp 2 x pp 2 with 4 micro-batches matches 1 rank: $d" \
  || fail "layer norm with micro-batches" "$d $(grep -m2 error "$WORK/layer-mb.log")"

# --- exact resume: the running statistics are in the checkpoint ---------------------------
RES=(examples/digits.yaml --set train.epochs=3 --set model.norm=batch --set checkpoint.every_steps=20)
resumes_exactly "batch norm" 2 31 "$WORK/bn" "${RES[@]}"

# --- the exported model predicts with the running statistics ------------------------------
# Evaluation uses the running statistics: a model that ignored them would be near chance (0.1).
acc=$(metric "$WORK/bn-full" test accuracy)
ge "$acc" 0.8 && ok "batch norm digits test accuracy $acc after 3 epochs (running statistics at inference)" || fail "batch norm accuracy" "$acc"
if "$TANDEM" predict "$WORK/bn-full/model" --input examples/data/digits.csv --output "$WORK/bn-pred.csv" >"$WORK/bn-pred.log" 2>&1; then
  rows=$(($(wc -l < "$WORK/bn-pred.csv") - 1)); [ "$rows" = 1797 ] && ok "tandem predict with batch norm: $rows rows" || fail "predict rows" "$rows"
else fail "tandem predict with batch norm" "$(tail -2 "$WORK/bn-pred.log")"; fi
train 1 "$WORK/bn-warm" "${RES[@]}" --set train.epochs=1 --set init_from="$WORK/bn-full/model" \
  && ok "warm start from a batch-norm model" || fail "warm start with batch norm" "$(grep -m2 error "$WORK/bn-warm.log")"

# --- resnet: residual blocks under dp, tp and pp (a block stays within its stage) ---------
RN=(examples/digits.yaml --set train.max_steps=20 --set model.kind=resnet --set model.hidden=[] --set model.blocks=3 --set model.width=24 --set model.block_hidden=40)
for norm in batch layer; do
  train 1 "$WORK/rn-$norm-ref" "${RN[@]}" --set model.norm=$norm || { fail "resnet $norm: 1-rank reference" "$(tail -3 "$WORK/rn-$norm-ref.log")"; continue; }
  layouts=("2 2 1"); [ $norm = batch ] && layouts=("1 1 2" "1 2 2" "2 1 1" "2 2 1")
  matches_one_rank "resnet $norm" "$WORK/rn-$norm-ref" "$WORK/rn-$norm" "${layouts[@]}" -- "${RN[@]}" --set model.norm=$norm
done
grep -qE "stage 0: layers 0-1 \(cost [0-9]+%\), stage 1: layers 2-4" "$WORK/rn-batch-tp1-pp2-dp2.log" && ok "resnet on 2 stages: input + block 0 | blocks 1-2 + head" \
  || fail "resnet stages" "$(grep -m1 -o 'stage 0[^|]*' "$WORK/rn-batch-tp1-pp2-dp2.log")"
RR=(examples/digits.yaml --set train.epochs=2 --set model.kind=resnet --set model.hidden=[] --set model.blocks=2 --set model.width=32 --set model.norm=batch --set checkpoint.every_steps=15)
resumes_exactly "resnet + batch norm" 2 23 "$WORK/rn" "${RR[@]}"
acc=$(metric "$WORK/rn-full" test accuracy)
# Two epochs are a short cosine schedule (10 epochs reach 0.94); chance is 0.1.
ge "$acc" 0.5 && ok "resnet digits test accuracy $acc after 2 epochs" || fail "resnet accuracy" "$acc"
if "$TANDEM" predict "$WORK/rn-full/model" --input examples/data/digits.csv --output "$WORK/rn-pred.csv" >"$WORK/rn-pred.log" 2>&1; then
  ok "tandem predict with a resnet: $(($(wc -l < "$WORK/rn-pred.csv") - 1)) rows"
else fail "tandem predict with a resnet" "$(tail -2 "$WORK/rn-pred.log")"; fi
# tandem serve runs the same layers: one row over HTTP equals tandem predict.
"$TANDEM" serve "$WORK/rn-full/model" --port 0 >"$WORK/rn-serve.log" 2>"$WORK/rn-serve.err" &
SERVE=$!; PORT=""
for _ in $(seq 100); do
  PORT=$(sed -n 's|^serving .* on http://127.0.0.1:\([0-9]*\) .*|\1|p' "$WORK/rn-serve.log" | head -1); [ -n "$PORT" ] && break; sleep 0.1
done
head -2 examples/data/digits.csv > "$WORK/one.csv"
want=$("$TANDEM" predict "$WORK/rn-full/model" --input "$WORK/one.csv" | sed -n 2p | cut -d, -f1)
got=$(curl -s "http://127.0.0.1:$PORT/v1/predict" -d "{\"rows\": [[$(sed -n 2p examples/data/digits.csv | cut -d, -f1-64)]]}")
echo "$got" | grep -q "\"prediction\":\"$want\"" && ok "tandem serve with a resnet + batch norm model predicts as tandem predict ($want)" || fail "serve a resnet" "$got vs $want; $(tail -2 "$WORK/rn-serve.err")"
kill -TERM "$SERVE"; wait "$SERVE"
train 1 "$WORK/rn-warm" "${RR[@]}" --set train.epochs=1 --set init_from="$WORK/rn-full/model" \
  && ok "warm start from a resnet" || fail "warm start with a resnet" "$(grep -m2 error "$WORK/rn-warm.log")"
expect_error "resnet key on an mlp" 1 "model.blocks: applies to kind: resnet only" examples/digits.yaml --set model.blocks=2
expect_error "hidden on a resnet" 1 "model.hidden: a resnet has no hidden list" examples/digits.yaml --set model.kind=resnet
expect_error "warm start across block counts" 1 "model.blocks is 2 in that model, 3 here" "${RR[@]}" --set model.blocks=3 --set init_from="$WORK/rn-full/model"

# --- categorical embeddings (data.preprocess.categorical: embedding) and periodic numeric ----
# --- embeddings (model.numeric_embedding: periodic) on penguins ------------------------------
# The tables are replicated on the tensor-parallel ranks of the first stage; codes of missing
# and unseen categories read the reserved row.
EJ=(examples/penguins.yaml --set data.preprocess.categorical=embedding --set model.hidden=[24,16] --set train.max_steps=20)
if train 1 "$WORK/emb-ref" "${EJ[@]}"; then
  matches_one_rank "embedding" "$WORK/emb-ref" "$WORK/emb" "1 1 2" "2 2 1" -- "${EJ[@]}"
else fail "embedding: 1-rank reference" "$(tail -3 "$WORK/emb-ref.log")"; fi
# Periodic numeric embeddings (PLR) after the tables, on the first stage too.
PJ=("${EJ[@]}" --set model.numeric_embedding=periodic)
if train 1 "$WORK/plr-ref" "${PJ[@]}"; then
  matches_one_rank "periodic embedding" "$WORK/plr-ref" "$WORK/plr" "1 1 2" "2 2 1" -- "${PJ[@]}"
else fail "periodic embedding: 1-rank reference" "$(tail -3 "$WORK/plr-ref.log")"; fi
# Embeddings feeding a resnet with batch normalization (global-batch statistics): dp, tp and pp
# each equal one rank (pp with one micro-batch, as batch statistics are per micro-batch).
EB=("${EJ[@]}" --set model.kind=resnet --set model.hidden=[] --set model.blocks=2 --set model.width=16 --set model.norm=batch)
if train 1 "$WORK/embn-ref" "${EB[@]}"; then
  matches_one_rank "embedding + resnet + batch norm" "$WORK/embn-ref" "$WORK/embn" "1 1 2" "2 1 1" "1 2 1" -- "${EB[@]}"
else fail "embedding + resnet + batch norm: 1-rank reference" "$(tail -3 "$WORK/embn-ref.log")"; fi
ER=(examples/penguins.yaml --set data.preprocess.categorical=embedding --set model.embedding_dim=4 --set model.numeric_embedding=periodic --set train.epochs=3 --set checkpoint.every_steps=10)
resumes_exactly "embedding" 2 23 "$WORK/emb" "${ER[@]}"
# tandem predict on the data plus an unseen island, and onnxruntime on model.onnx, agree.
{ cat examples/data/penguins.csv; echo "Adelie,Anvers,39.1,18.7,181,3750,male,2007"; } > "$WORK/penguins-unseen.csv"
if "$TANDEM" predict "$WORK/emb-full/model" --input "$WORK/penguins-unseen.csv" --output "$WORK/emb-pred.csv" >"$WORK/emb-pred.log" 2>&1; then
  ok "tandem predict with embeddings (an unseen island, missing cells): $(($(wc -l < "$WORK/emb-pred.csv") - 1)) rows"
  if python3 -c "import onnxruntime, numpy" 2>/dev/null; then
    r=$(python3 scripts/check-embedding-onnx.py "$WORK/emb-full/model" "$WORK/penguins-unseen.csv" "$WORK/emb-pred.csv" 2>&1) \
      && ok "onnxruntime on model.onnx (Gather per table) equals tandem predict: $r" || fail "embedding ONNX vs tandem predict" "$r"
  else echo "note: python3 has no onnxruntime; the ONNX check of embeddings is skipped"; fi
else fail "tandem predict with embeddings" "$(tail -2 "$WORK/emb-pred.log")"; fi
# tandem serve with the embedding model: an unseen island and a missing sex read the reserved
# rows, and the answer is tandem predict's label for the same row.
"$TANDEM" serve "$WORK/emb-full/model" --port 0 >"$WORK/emb-serve.log" 2>"$WORK/emb-serve.err" &
SERVE=$!; PORT=""
for _ in $(seq 100); do
  PORT=$(sed -n 's|^serving .* on http://127.0.0.1:\([0-9]*\) .*|\1|p' "$WORK/emb-serve.log" | head -1); [ -n "$PORT" ] && break; sleep 0.1
done
{ head -1 examples/data/penguins.csv; echo "Adelie,Anvers,39.1,18.7,181,3750,,2007"; } > "$WORK/emb-one.csv"
want=$("$TANDEM" predict "$WORK/emb-full/model" --input "$WORK/emb-one.csv" | sed -n 2p | cut -d, -f1)
got=$(curl -s "http://127.0.0.1:$PORT/v1/predict" -d '{"rows": [{"island": "Anvers", "bill_length_mm": 39.1, "bill_depth_mm": 18.7, "flipper_length_mm": 181, "body_mass_g": 3750, "sex": null, "year": 2007}]}')
[ -n "$want" ] && echo "$got" | grep -q "\"prediction\":\"$want\"" && ok "tandem serve with embeddings: an unseen island and a missing sex predict as tandem predict ($want)" \
  || fail "serve with embeddings and an unseen category" "$got vs '$want'; $(tail -2 "$WORK/emb-serve.err")"
curl -s "http://127.0.0.1:$PORT/healthz" | grep -q '"status":"ok"' && ok "tandem serve still healthy after the unseen category" || fail "serve health after an unseen category" "$(tail -2 "$WORK/emb-serve.err")"
kill -TERM "$SERVE"; wait "$SERVE"
train 1 "$WORK/emb-warm" "${ER[@]}" --set train.epochs=1 --set init_from="$WORK/emb-full/model" \
  && ok "warm start from a model with embeddings" || fail "warm start with embeddings" "$(grep -m2 error "$WORK/emb-warm.log")"
# tandem drift and tandem compare read an embedding model like any other: its own data (with an
# unseen island and missing cells) is stable against its training histograms, and a model
# compared with itself ties, so the champion is kept.
if out=$("$TANDEM" drift "$WORK/emb-full/model" --input "$WORK/penguins-unseen.csv" 2>&1); then
  echo "$out" | grep -q "^overall: stable" && echo "$out" | grep -q "^island " && ok "tandem drift with embeddings: $(echo "$out" | tail -1)" || fail "drift with embeddings" "$out"
else fail "tandem drift with embeddings" "$out"; fi
if out=$("$TANDEM" compare "$WORK/emb-full/model" "$WORK/emb-full/model" --input "$WORK/penguins-unseen.csv" 2>&1); then
  echo "$out" | grep -q "^keep A .*ties" && ok "tandem compare with embeddings: $(echo "$out" | tail -1 | sed "s|$WORK/||g")" || fail "compare with embeddings" "$out"
else fail "tandem compare with embeddings" "$out"; fi
expect_error "periodic embedding on a linear model" 1 "model.numeric_embedding: periodic needs a model with hidden layers" examples/iris-regression.yaml --set model.numeric_embedding=periodic
expect_error "embedding without categorical features" 1 "data.preprocess.categorical: embedding, but no feature is categorical" examples/digits.yaml --set data.preprocess.categorical=embedding
expect_error "embedding on a logistic model" 1 "needs a model with hidden layers" examples/penguins.yaml --set data.preprocess.categorical=embedding --set model.kind=logistic --set model.hidden=[]
expect_error "warm start across embedding widths" 1 "the embedding tables" "${ER[@]}" --set model.embedding_dim=5 --set init_from="$WORK/emb-full/model"

# --- bad configs --------------------------------------------------------------------------
expect_error "unknown norm" 1 "model.norm: 'group' is not one of none, batch, layer" examples/digits.yaml --set model.norm=group
expect_error "norm on logistic" 1 "model.norm: batch normalizes hidden layers" examples/digits.yaml --set model.kind=logistic --set model.hidden=[] --set model.norm=batch
expect_error "warm start across norms" 1 "model.norm is batch in that model, layer here" "${RES[@]}" --set model.norm=layer --set init_from="$WORK/bn-full/model"

summary
