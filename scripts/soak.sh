#!/usr/bin/env bash
# Fault soak, run by hand (not by test.sh): SIGKILLs of random ranks at random moments of a
# 2-rank training job supervised by scripts/tandem-run, each run compared with the uninterrupted
# params_sha256; then SIGKILLs of a sweep coordinator at random moments, each sweep finished with
# --resume and compared with the uninterrupted results.csv.
#   TANDEM=.build/debug/tandem scripts/soak.sh        # SOAK_KILLS=20 SOAK_SWEEP_KILLS=5 SOAK_SEED=1
#   (SOAK_KILLS=0 runs the sweep part only)
. "$(dirname "$0")/lib.sh"
setup_mpi_env
set +e
. "$(dirname "$0")/e2e-lib.sh"
RANDOM=${SOAK_SEED:-1}
KILLS=${SOAK_KILLS:-20}
SWEEP_KILLS=${SOAK_SWEEP_KILLS:-5}
JOB=(examples/digits.yaml --set train.epochs=10 --set checkpoint.every_steps=25)
sha() { field "$1" params_sha256; }

# --- training: SIGKILL one rank at a random moment; tandem-run restarts from the last checkpoint --
train 2 "$WORK/ref" "${JOB[@]}" || fail "reference run" "$(tail -3 "$WORK/ref.log")"
ref=$(sha "$WORK/ref")
t0=$(date +%s); train 2 "$WORK/timing" "${JOB[@]}" >/dev/null; span=$(( $(date +%s) - t0 )); [ "$span" -lt 2 ] && span=2
same=0; killed=0; in_ckpt=0
for i in $(seq 1 "$KILLS"); do
  out="$WORK/kill-$i"
  timeout 900 "$ROOT/scripts/tandem-run" --max-restarts 3 --backoff 0 -- --oversubscribe -np 2 "$TANDEM" train "${JOB[@]}" \
    --output "$out" >"$out.log" 2>&1 & sup=$!
  delay=$(awk -v r=$RANDOM -v s="$span" 'BEGIN { printf "%.2f", 0.3 + (s - 0.5) * r / 32767 }')
  sleep "$delay"
  mapfile -t ranks < <(pgrep -f "^$TANDEM train .*--output $out( |\$)")
  victim=""
  if [ ${#ranks[@]} -gt 0 ]; then
    victim=${ranks[$((RANDOM % ${#ranks[@]}))]}
    [ -n "$(ls -d "$out"/checkpoints/*.tmp 2>/dev/null)" ] && in_ckpt=$((in_ckpt + 1))
    kill -KILL "$victim" 2>/dev/null && killed=$((killed + 1))
  fi
  wait $sup; rc=$?
  got=$(sha "$out")
  if [ $rc -eq 0 ] && [ "$got" = "$ref" ]; then same=$((same + 1)); ok "kill $i at ${delay}s (pid ${victim:-none, the job had ended}): params_sha256 identical after $(grep -c 'restart [0-9]* of' "$out.log") restart(s)"
  else fail "kill $i at ${delay}s (rc $rc)" "${got:-no summary} vs $ref; $(grep -m2 -E 'error|tandem-run' "$out.log")"; fi
done
echo "soak: $killed SIGKILLs landed in $KILLS runs ($in_ckpt while a checkpoint directory was being written); $same of $KILLS ended with the uninterrupted params_sha256 $ref"

# --- sweeps: SIGKILL the coordinator (rank 0) at a random moment, then --resume -------------------
cat > "$WORK/grid.yaml" <<YAML
base: $ROOT/examples/iris.yaml
search:
  strategy: grid
  metric: val_accuracy
  group_size: 2
  params:
    train.optimizer.lr: {grid: [0.01, 0.05, 0.2]}
    train.batch_size: {choice: [16, 32]}
    checkpoint.every_steps: {grid: [10]}
YAML
rows() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "wall_seconds") w = i } NR > 1 { $w = ""; print }' OFS=, "$1" | sort; }   # wall time differs
timeout 900 "${MPIRUN[@]}" -np 3 "$TANDEM" sweep "$WORK/grid.yaml" --output "$WORK/sweep-ref" >"$WORK/sweep-ref.log" 2>&1 \
  || fail "reference sweep" "$(grep -m2 error "$WORK/sweep-ref.log")"
t0=$(date +%s); timeout 900 "${MPIRUN[@]}" -np 3 "$TANDEM" sweep "$WORK/grid.yaml" --output "$WORK/sweep-timing" >/dev/null 2>&1
sspan=$(( $(date +%s) - t0 )); [ "$sspan" -lt 2 ] && sspan=2
complete=0
for i in $(seq 1 "$SWEEP_KILLS"); do
  out="$WORK/sweep-kill-$i"
  timeout 900 "${MPIRUN[@]}" -np 3 "$TANDEM" sweep "$WORK/grid.yaml" --output "$out" >"$out.log" 2>&1 & job=$!
  delay=$(awk -v r=$RANDOM -v s="$sspan" 'BEGIN { printf "%.2f", 0.5 + (s - 1) * r / 32767 }')
  sleep "$delay"
  coordinator=""
  for p in $(pgrep -f "^$TANDEM sweep .*--output $out( |\$)"); do
    tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=0 && coordinator=$p
  done
  ended=$(grep -o '"event":"finished","trial":[0-9]*' "$out/sweep.jsonl" 2>/dev/null | grep -o '[0-9]*$' | sort -u)
  [ -n "$coordinator" ] && kill -KILL "$coordinator" 2>/dev/null
  wait $job
  timeout 900 "${MPIRUN[@]}" -np 3 "$TANDEM" sweep "$WORK/grid.yaml" --output "$out" --resume >"$out.resume.log" 2>&1; rc=$?
  rerun=0
  for t in $ended; do [ "$(grep -c "\"event\":\"started\",\"trial\":$t," "$out/sweep.jsonl")" = 1 ] || rerun=$((rerun + 1)); done
  if [ $rc -eq 0 ] && [ $rerun -eq 0 ] && diff <(rows "$out/results.csv") <(rows "$WORK/sweep-ref/results.csv") >/dev/null; then
    complete=$((complete + 1)); ok "sweep kill $i at ${delay}s ($(echo $ended | wc -w) trials had ended): resumed, none ran twice, results.csv equals the uninterrupted one"
  else fail "sweep kill $i at ${delay}s (rc $rc, $rerun ended trials ran again)" "$(grep -m2 error "$out.resume.log")"; fi
done
echo "soak: $complete of $SWEEP_KILLS killed sweeps resumed to the uninterrupted results.csv"
summary
