#!/usr/bin/env bash
# End-to-end tests of checkpoints: exact resume, resume on another world size, recovery from a
# killed rank (also mid-checkpoint-write) through scripts/tandem-run, corrupted checkpoints,
# incompatible checkpoints, SIGTERM, and the hang watchdog.
# Usage: TANDEM=.build/debug/tandem scripts/e2e-resume.sh   (scripts/test.sh runs it)
. "$(dirname "$0")/lib.sh"
setup_mpi_env
set +e   # every check below handles its own failures
. "$(dirname "$0")/e2e-lib.sh"

JOB=(examples/digits.yaml --set train.epochs=10 --set checkpoint.every_steps=50)
sha() { field "$1" params_sha256; }
same_sha() { # same_sha NAME RUN REFERENCE
  local a b; a=$(sha "$2"); b=$(sha "$3")
  if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "$1: params_sha256 identical ($a)"; else fail "$1: params_sha256 differs" "${a:-none} vs $b; $(grep -m2 error "$2.log")"; fi
}
close_params() { # close_params NAME RUN REFERENCE
  local out; if out=$("$TANDEM" diff "$2" "$3" --tolerance 1e-4); then ok "$1: $out"; else fail "$1" "$out $(grep -m2 error "$2.log")"; fi
}

# Reference runs, uninterrupted.
train 2 "$WORK/ref2" "${JOB[@]}" || fail "reference run on 2 ranks" "$(tail -3 "$WORK/ref2.log")"
train 1 "$WORK/ref1" "${JOB[@]}" || fail "reference run on 1 rank" "$(tail -3 "$WORK/ref1.log")"

# --- exact resume: stop at step K, resume, same layout -> bitwise equal ----------------------
train 2 "$WORK/stop" "${JOB[@]}" --stop-at-step 77
grep -q "stopped by --stop-at-step at step 77" "$WORK/stop.log" && [ -d "$WORK/stop/checkpoints/step-77" ] \
  && ok "--stop-at-step 77 wrote checkpoint step-77" || fail "--stop-at-step" "$(tail -3 "$WORK/stop.log")"
[ ! -e "$WORK/stop/summary.json" ] && ok "a stopped run has no summary.json" || fail "stopped run left summary.json"
cp -r "$WORK/stop" "$WORK/stop-to1"; cp -r "$WORK/stop" "$WORK/stop-to3"; cp -r "$WORK/stop" "$WORK/stop-flags"
cp -r "$WORK/stop" "$WORK/stop-moved"   # a run directory moved elsewhere continues where it now is
timeout 300 "${MPIRUN[@]}" -np 2 "$TANDEM" train "$WORK/stop-moved" --resume auto >"$WORK/stop-moved.log" 2>&1
same_sha "tandem train RUN_DIR --resume auto (the run's own config.yaml, no --set flags)" "$WORK/stop-moved" "$WORK/ref2"
train 2 "$WORK/stop-flags" examples/digits.yaml --set model.hidden=[32] --resume auto; rc=$?
# A checkpoint that does not fit the config is the user's choice: exit 2, which tandem-run never restarts.
[ $rc -eq 2 ] && grep -q "stop-flags/config.yaml holds the resolved config" "$WORK/stop-flags.log" \
  && ok "resuming with other flags names config.yaml (exit 2): $(grep -m1 -o 'does not fit.*' "$WORK/stop-flags.log" | cut -c1-150)" \
  || fail "resume mismatch hint (rc $rc)" "$(grep -m1 error "$WORK/stop-flags.log")"
train 2 "$WORK/stop" "${JOB[@]}" --resume auto
same_sha "resume 2 -> 2 ranks" "$WORK/stop" "$WORK/ref2"
step_seconds_ok "uninterrupted, 2 ranks" "$WORK/ref2"
# The checkpoint carries the step times: the resumed run's distribution covers all its steps.
step_seconds_ok "stopped at step 77 and resumed" "$WORK/stop"
a=$(wc -l < "$WORK/stop/metrics.jsonl"); b=$(wc -l < "$WORK/ref2/metrics.jsonl")
[ "$a" = "$b" ] && ok "resumed metrics.jsonl has the same $a lines as the uninterrupted run" || fail "metrics.jsonl lines $a vs $b"

# --- extending a finished run: the schedule warning, and no repeated points ---------------------
cp -r "$WORK/ref2" "$WORK/extend"
train 2 "$WORK/extend" examples/digits.yaml --set train.epochs=12 --set checkpoint.every_steps=50 --resume auto; rc=$?
dups=$(python3 -c 'import json,sys,collections; c=collections.Counter((o["step"],o["split"]) for o in map(json.loads, open(sys.argv[1]))); print(sum(v > 1 for v in c.values()))' "$WORK/extend/metrics.jsonl" 2>/dev/null || echo "?")
if [ $rc -eq 0 ] && grep -q "extending the run: the cosine schedule" "$WORK/extend.log" && grep -q "train.schedule.name=constant" "$WORK/extend.log" && [ "$dups" = 0 ]; then
  ok "extending a finished run warns that the schedule restarts ($(grep -o 'goes from [^;]*' "$WORK/extend.log" | cut -c1-70)); no repeated metrics points"
else fail "extending a finished run (rc $rc, $dups repeated points)" "$(grep -m1 -E 'warning|error' "$WORK/extend.log")"; fi

# --- resume on another world size: within float rounding -------------------------------------
train 1 "$WORK/stop-to1" "${JOB[@]}" --resume auto
close_params "resume 2 -> 1 rank" "$WORK/stop-to1" "$WORK/ref2"
train 1 "$WORK/one" "${JOB[@]}" --stop-at-step 60
train 3 "$WORK/one" "${JOB[@]}" --resume auto
close_params "resume 1 -> 3 ranks" "$WORK/one" "$WORK/ref1"

# --- a killed rank: the supervisor restarts from the last checkpoint ------------------------
run_supervised() { # run_supervised OUT FAULT [TANDEM_ARGS...]
  local out=$1 fault=$2; shift 2; rm -f "$WORK/once"
  TANDEM_FAULT_ONCE="$WORK/once" TANDEM_FAULT="$fault" timeout 600 "$ROOT/scripts/tandem-run" --max-restarts 2 --backoff 0 -- \
    --oversubscribe -np 2 "$TANDEM" train "${JOB[@]}" --output "$out" "$@" >"$out.log" 2>&1
}
k=$((60 + RANDOM % 120))
run_supervised "$WORK/kill" "kill:1:$k"; rc=$?
grep -q "restart 1 of 2" "$WORK/kill.log" && [ $rc -eq 0 ] && ok "SIGKILL of rank 1 at step $k: tandem-run restarted the job and it finished" \
  || fail "kill at step $k and restart (rc $rc)" "$(grep tandem-run "$WORK/kill.log" | tail -3)"
same_sha "after the kill at step $k" "$WORK/kill" "$WORK/ref2"
# The fault fires only if step-100 is actually written: a running job's writer skips a snapshot
# that a newer one replaces while it waits (50 release-binary steps take ~3 ms, writing step-50
# ~30 ms, so step-150 often replaced step-100 and the job finished untouched). So step-50 comes
# from a stopped run (a stop waits for its checkpoint) and step-100 is the resumed job's first
# snapshot, handed to an idle writer.
train 2 "$WORK/killckpt" "${JOB[@]}" --stop-at-step 50
run_supervised "$WORK/killckpt" "kill-in-checkpoint:100" --resume auto; rc=$?
if [ -e "$WORK/once" ] && grep -q "restart 1 of 2" "$WORK/killckpt.log" \
   && sed -n '/attempt 2:/,$p' "$WORK/killckpt.log" | grep -q "resuming from .*step-50 "; then
  ok "killed while writing step-100: resumed from step-50, the half-written one was never chosen"
else fail "kill during checkpoint write (fault fired: $([ -e "$WORK/once" ] && echo yes || echo no))" "$(grep -E 'tandem-run|resum|skipping' "$WORK/killckpt.log" | tail -4)"; fi
same_sha "after the kill during a checkpoint write" "$WORK/killckpt" "$WORK/ref2"

# --- corrupted checkpoints are skipped with a warning that says why -------------------------
# Stopping waits for its checkpoint, so step-100 and step-150 are both written whatever the
# disk's speed (a running job's writer skips a snapshot that a newer one replaces while it waits,
# which 50 fast steps do).
train 1 "$WORK/c" "${JOB[@]}" --stop-at-step 100
train 1 "$WORK/c" "${JOB[@]}" --resume auto --stop-at-step 150
newest="$WORK/c/checkpoints/step-150"
[ -f "$WORK/c/checkpoints/step-100/SHA256SUMS" ] && [ -f "$newest/SHA256SUMS" ] || fail "checkpoints step-100 and step-150 written" "$(ls "$WORK/c/checkpoints")"
corrupt_and_resume() { # corrupt_and_resume NAME EXPECTED_WARNING (after the caller damaged $newest)
  local out="$WORK/c-$1"; rm -rf "$out"; cp -r "$WORK/c" "$out"
  train 1 "$out" "${JOB[@]}" --resume auto --stop-at-step 151
  if grep -qF "$2" "$out.log" && grep -q "resuming from .*step-100 " "$out.log"; then ok "$1: '$(grep -m1 -F "$2" "$out.log" | cut -c1-110)' and resumed from step-100"
  else fail "$1 detected" "$(grep -E 'warning|resum|error' "$out.log" | head -3)"; fi
}
cp -r "$WORK/c" "$WORK/c-orig"
truncate -s 1000 "$newest/tensors.safetensors";        corrupt_and_resume "truncated tensors" "skipping checkpoint step-150: checksum mismatch in tensors.safetensors"
rm -rf "$WORK/c"; cp -r "$WORK/c-orig" "$WORK/c"
printf '\x55' | dd of="$newest/tensors.safetensors" bs=1 seek=5000 conv=notrunc 2>/dev/null
corrupt_and_resume "flipped byte in tensors" "checksum mismatch in tensors.safetensors"
rm -rf "$WORK/c"; cp -r "$WORK/c-orig" "$WORK/c"
sed -i 's/"step" : 150/"step" : 151/' "$newest/manifest.json"; corrupt_and_resume "edited manifest" "checksum mismatch in manifest.json"
rm -rf "$WORK/c"; cp -r "$WORK/c-orig" "$WORK/c"
rm "$newest/manifest.json";                            corrupt_and_resume "deleted manifest" "manifest.json is missing"
rm -rf "$WORK/c"; cp -r "$WORK/c-orig" "$WORK/c"
# Damage whose checksums were recomputed (scripts/tamper.py): only validation of the content catches it.
python3 scripts/tamper.py manifest "$newest" samples 9223372036854775807
corrupt_and_resume "manifest samples 2^63-1, checksums recomputed" "skipping checkpoint step-150: manifest samples is 9223372036854775807, outside"
rm -rf "$WORK/c"; cp -r "$WORK/c-orig" "$WORK/c"
python3 scripts/tamper.py shape "$newest/tensors.safetensors" layers.0.bias '[4611686018427387904]'
corrupt_and_resume "safetensors shape [2^62], checksums recomputed" "skipping checkpoint step-150: tensors.safetensors: tensor 'layers.0.bias': shape entry 4611686018427387904 is not an integer"
rm -rf "$WORK/c"; cp -r "$WORK/c-orig" "$WORK/c"
python3 scripts/tamper.py manifest "$newest" model.widths '[64, 4611686018427387904, 10]'
corrupt_and_resume "manifest widths [64, 2^62, 10], checksums recomputed" "skipping checkpoint step-150: manifest model.widths"
rm -rf "$WORK/c"; cp -r "$WORK/c-orig" "$WORK/c"
if "$TANDEM" inspect "$newest" >"$WORK/inspect.log"; then grep -q "checksums    ok" "$WORK/inspect.log" && ok "tandem inspect verifies an intact checkpoint" || fail "inspect output"; else fail "inspect of an intact checkpoint"; fi
truncate -s 100 "$newest/tensors.safetensors"
"$TANDEM" inspect "$newest" >"$WORK/inspect.log"; [ $? -eq 1 ] && grep -q "checksum mismatch" "$WORK/inspect.log" && ok "tandem inspect reports a damaged checkpoint (exit 1)" || fail "inspect of a damaged checkpoint" "$(cat "$WORK/inspect.log")"

# --- refusals --------------------------------------------------------------------------------
cp -r "$WORK/c-orig" "$WORK/incompat"
expect_error "incompatible checkpoint (other hidden sizes)" 1 "the layer widths (inputs, model.hidden, outputs) was 64-128-10 when it was saved, now 64-32-10" "${JOB[@]}" --resume "$WORK/incompat/checkpoints/step-100" --set model.hidden=[32]
[ -d "$WORK/incompat/checkpoints/step-100" ] && ok "  ...and the refused checkpoint is still there" || fail "refused checkpoint was removed"
train 1 "$WORK/again" "${JOB[@]}" --set train.max_steps=5
train 1 "$WORK/again" "${JOB[@]}"; rc=$?
[ $rc -eq 2 ] && grep -q "already holds a run" "$WORK/again.log" && ok "a fresh start over an existing run is refused (exit 2): $(grep -m1 -o 'already holds a run.*' "$WORK/again.log" | cut -c1-90)" \
  || fail "fresh start over an existing run (rc $rc)" "$(grep -m1 error "$WORK/again.log")"
train 1 "$WORK/again" "${JOB[@]}" --set train.max_steps=5 --overwrite && ok "--overwrite replaces it" || fail "--overwrite" "$(tail -2 "$WORK/again.log")"

# --- a failed checkpoint write (disk full) names the path and keeps the earlier checkpoint --
mkdir -p "$WORK/full"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=200k tmpfs "$WORK/full" 2>/dev/null; then
  timeout 300 "${MPIRUN[@]}" -np 1 "$TANDEM" train "${JOB[@]}" --output "$WORK/full/run" --set "data.cache=$WORK/cache" >"$WORK/full.log" 2>&1; rc=$?
  if [ $rc -ne 0 ] && grep -q "error: cannot write $WORK/full/run/checkpoints/step-.*tmp" "$WORK/full.log" && [ -f "$WORK/full/run/checkpoints/step-50/SHA256SUMS" ]; then
    ok "disk full: $(grep -m1 -o 'error: cannot write.*' "$WORK/full.log" | sed "s|$WORK/||" | cut -c1-100); step-50 kept"
  else fail "disk-full checkpoint write (rc $rc)" "$(grep -m1 error "$WORK/full.log")"; fi
  umount "$WORK/full"
else
  echo "skip  disk-full test: needs root to mount a small tmpfs"
fi

# --- SIGTERM to mpirun: checkpoint, clean stop ---------------------------------------------
# OpenMPI's mpirun SIGKILLs the ranks odls_base_sigkill_timeout seconds (default 1) after passing
# SIGTERM on (README "Preemption"); this run gives them 4 s, for a loaded machine. From the moment
# mpirun gets SIGTERM it stops reading the ranks' output (strace: no read of their pseudo-terminals
# until they are dead), and passes the signal on only later. Here the ranks write their output to
# term.log themselves (sh execs tandem with the redirect), so the log shows the stop message; the
# next test keeps mpirun relaying the output.
( OMPI_MCA_odls_base_sigkill_timeout=4 timeout 300 "${MPIRUN[@]}" -np 2 sh -c "exec \"\$0\" \"\$@\" >>'$WORK/term.log' 2>&1" "$TANDEM" \
    train examples/digits.yaml --set train.epochs=20000 --set train.early_stopping.patience=100000 --output "$WORK/term" \
    >"$WORK/term-mpirun.log" 2>&1 ) & bg=$!
for _ in $(seq 1 100); do grep -q "^epoch 2/" "$WORK/term.log" 2>/dev/null && break; sleep 0.2; done
pkill -TERM -f "^mpirun .*$WORK/term"; wait $bg
if grep -q "stopped by SIGTERM at step" "$WORK/term.log" && ls "$WORK/term/checkpoints" | grep -q step-; then
  ok "SIGTERM to mpirun: $(grep -m1 'stopped by SIGTERM' "$WORK/term.log" | cut -c1-100)"
else fail "SIGTERM checkpoint" "$(tail -3 "$WORK/term.log"; tail -2 "$WORK/term-mpirun.log")"; fi

# --- SIGTERM to mpirun while rank 0 prints thousands of lines a second through mpirun ----------
# One step per epoch on iris: rank 0 prints an epoch line every step. mpirun stops reading the
# ranks' output at the signal, so their pseudo-terminals fill (17.7 KB); before ConsoleOutput, rank 0
# blocked in write() there, never reached the step where the ranks stop, and both were SIGKILLed
# without a checkpoint (3 of 3 runs, debug and release). Now the training thread never waits for
# the console and the checkpoint is written.
cat > "$WORK/chatty.yaml" <<YAML
name: chatty
data: {path: $ROOT/examples/data/iris.csv, target: species, task: classification, split: {validation: 0.2, test: 0.2, seed: 7}}
model: {kind: logistic}
train: {epochs: 1000000, batch_size: 128, optimizer: {name: adam, lr: 0.05}, schedule: {name: constant}, early_stopping: false, eval_every: 1000000}
checkpoint: {every_steps: 0}
YAML
( OMPI_MCA_odls_base_sigkill_timeout=4 timeout 300 "${MPIRUN[@]}" -np 2 "$TANDEM" train "$WORK/chatty.yaml" --output "$WORK/chatty" \
    --progress lines >"$WORK/chatty.log" 2>&1 ) & bg=$!
for _ in $(seq 1 150); do [ "$(grep -c '^epoch' "$WORK/chatty.log" 2>/dev/null)" -ge 2000 ] && break; sleep 0.2; done
lines=$(grep -c '^epoch' "$WORK/chatty.log")
pkill -TERM -f "^mpirun .*$WORK/chatty"; wait $bg
if ls "$WORK/chatty/checkpoints" 2>/dev/null | grep -q step- && [ -f "$WORK/chatty/checkpoints/$(ls "$WORK/chatty/checkpoints" | grep step- | tail -1)/manifest.json" ]; then
  ok "SIGTERM to mpirun after $lines epoch lines through mpirun: checkpoint $(ls "$WORK/chatty/checkpoints" | grep step- | tail -1)"
else fail "SIGTERM to mpirun with a chatty rank 0: no checkpoint ($lines epoch lines before the signal)" "$(tail -2 "$WORK/chatty.log")"; fi

# --- SIGUSR1 to mpirun (forwarded as is): checkpoint, every rank exits 0, so mpirun exits 0 ---
( train 2 "$WORK/usr1" examples/digits.yaml --set train.epochs=500 --set train.early_stopping.patience=1000 ) & bg=$!
for _ in $(seq 1 100); do grep -q "^epoch 2/" "$WORK/usr1.log" 2>/dev/null && break; sleep 0.2; done
pkill -USR1 -f "^mpirun .*$WORK/usr1"; wait $bg; rc=$?
if [ $rc -eq 0 ] && grep -q "stopped by SIGUSR1 at step" "$WORK/usr1.log"; then
  ok "SIGUSR1 to mpirun: exit 0, $(grep -m1 'stopped by SIGUSR1' "$WORK/usr1.log" | cut -c1-60)"
else fail "SIGUSR1 to mpirun (rc $rc)" "$(tail -3 "$WORK/usr1.log")"; fi

# --- SIGTERM to scripts/tandem-run (what a scheduler sends): checkpoint, exit 0 -------------------
"$ROOT/scripts/tandem-run" -- --oversubscribe -np 2 "$TANDEM" train examples/digits.yaml --set train.epochs=500 \
  --set train.early_stopping.patience=1000 --output "$WORK/trun" >"$WORK/trun.log" 2>&1 & bg=$!
for _ in $(seq 1 100); do grep -q "^epoch 2/" "$WORK/trun.log" 2>/dev/null && break; sleep 0.2; done
kill -TERM $bg; wait $bg; rc=$?
if [ $rc -eq 0 ] && grep -q "stopped by SIGUSR1 at step" "$WORK/trun.log" && ls "$WORK/trun/checkpoints" | grep -q step-; then
  ok "SIGTERM to scripts/tandem-run: checkpoint and exit 0"
else fail "SIGTERM to scripts/tandem-run (rc $rc)" "$(tail -3 "$WORK/trun.log")"; fi

# --- tandem-run --min-ranks: relaunch ranks are a multiple of tp x pp; no --min-ranks for sweeps --
printf '#!/bin/sh\n[ "$1" != gone ]\n' > "$WORK/agent"; chmod +x "$WORK/agent"   # host "gone" does not answer
printf 'localhost slots=3\ngone slots=1\n' > "$WORK/elastic.hosts"
shrink() { # shrink MIN_RANKS : elastic_shrink on a 4-rank tp=2 job whose host "gone" is lost; prints its messages and -np
  (cd "$ROOT" && . scripts/elastic.sh && min_ranks=$1 && TANDEM_AT=7 \
     && args=(-np 4 --hostfile "$WORK/elastic.hosts" --mca plm_rsh_agent "$WORK/agent" "$TANDEM" train examples/digits.yaml --set parallel.tensor=2) \
     && { elastic_shrink && echo "np=${args[1]}" && f=$elastic_hostfile && echo "hostfile=$(tr '\n' ' ' < "$f")"
          elastic_cleanup; [ -n "${f:-}" ] && [ ! -e "$f" ] && echo "hostfile removed"; }) 2>&1
}
got=$(shrink 2)
echo "$got" | grep -q "3 rank(s) left, but parallel.tensor x parallel.pipeline = 2 must divide the ranks; using 2" && echo "$got" | grep -q "^np=2$" \
  && echo "$got" | grep -q "^hostfile=localhost slots=3 *$" && echo "$got" | grep -q "^hostfile removed$" \
  && ok "--min-ranks: 3 slots left under tp 2 relaunch on 2 ranks: $(echo "$got" | head -1 | cut -c1-100)" || fail "elastic tp x pp" "$got"
got=$(shrink 3)
echo "$got" | grep -q "only 2 usable rank(s) left on 1 node(s) (3 slot(s), tensor x pipeline = 2), fewer than --min-ranks 3; giving up" && ! echo "$got" | grep -q "^np=" \
  && ok "--min-ranks 3 under tp 2 with 3 slots left gives up, saying why" || fail "elastic tp x pp give-up" "$got"
got=$("$ROOT/scripts/tandem-run" --min-ranks 2 -- -np 3 "$TANDEM" sweep examples/iris-sweep.yaml 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$got" | grep -q "min-ranks is for tandem train" && ok "tandem-run refuses --min-ranks for a sweep (exit 2)" || fail "tandem-run --min-ranks sweep (rc $rc)" "$got"

# --- watchdog: a stuck rank aborts the job, naming the collective ----------------------------
start=$(date +%s)
TANDEM_FAULT=sleep:1:30:120 train 2 "$WORK/stuck" "${JOB[@]}" --set train.collective_timeout=5; rc=$?
took=$(( $(date +%s) - start ))
if [ $rc -ne 0 ] && [ $took -lt 60 ] && grep -Eq "watchdog: (MPI_Allreduce|shared-memory allreduce) .* at step 30" "$WORK/stuck.log"; then
  ok "watchdog: aborted after ${took}s (timeout 5s): $(grep -m1 watchdog "$WORK/stuck.log" | cut -c1-110)"
else fail "watchdog (rc $rc, ${took}s)" "$(grep -m2 -E 'error|watchdog' "$WORK/stuck.log")"; fi
grep -q '"error": *"watchdog: ' "$WORK/stuck/failure.json" 2>/dev/null && ok "  ...and rank 0 recorded the abort in failure.json" \
  || fail "watchdog abort not recorded in failure.json" "$(cat "$WORK/stuck/failure.json" 2>&1 | head -3)"
# A rank stopped inside MPI start-up, and one that never reaches MPI_Finalize after the results are written.
for stage in "-1:MPI start-up" "-2:MPI_Finalize"; do
  start=$(date +%s)
  TANDEM_FAULT="sleep:1:${stage%%:*}:120" train 2 "$WORK/stuck${stage%%:*}" "${JOB[@]}" --set train.epochs=1 --set train.collective_timeout=5; rc=$?
  took=$(( $(date +%s) - start ))
  if [ $rc -ne 0 ] && [ $took -lt 60 ] && grep -q "watchdog: ${stage#*:}" "$WORK/stuck${stage%%:*}.log"; then
    ok "watchdog at ${stage#*:}: aborted after ${took}s (timeout 5s)"
  else fail "watchdog at ${stage#*:} (rc $rc, ${took}s)" "$(grep -m2 -E 'error|watchdog' "$WORK/stuck${stage%%:*}.log")"; fi
done

# --- multi-node: 2 ranks in 2 network namespaces over TCP == 2 ranks on one host -------------
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "skip  multi-node test bed: needs root and network namespaces (ip netns)"
else
  if "$ROOT/scripts/local-cluster.sh" up 2 >"$WORK/cluster.log" 2>&1; then
    # shellcheck disable=SC2046
    OMPI_MCA_btl= timeout 300 mpirun $("$ROOT/scripts/local-cluster.sh" mpirun-args) -np 2 "$TANDEM" train "${JOB[@]}" \
      --output "$WORK/multinode" >"$WORK/multinode.log" 2>&1
    grep -q '"ranks_per_node": 1' "$WORK/multinode/summary.json" 2>/dev/null && ok "multi-node: the 2 ranks ran on 2 separate (namespace) nodes" \
      || fail "multi-node run" "$(tail -3 "$WORK/multinode.log")"
    same_sha "multi-node (2 namespaces, TCP) vs 2 ranks on one host" "$WORK/multinode" "$WORK/ref2"
    "$ROOT/scripts/local-cluster.sh" down >/dev/null 2>&1
  else
    fail "local-cluster.sh up 2" "$(tail -3 "$WORK/cluster.log")"
  fi
  # 2 nodes x 2 ranks: the hierarchical gradient sum (shared memory within each node, TCP
  # between the node leaders, shared memory back) against 4 ranks on one host.
  if "$ROOT/scripts/local-cluster.sh" up 2 --slots 2 >"$WORK/cluster.log" 2>&1; then
    train 4 "$WORK/ref4" "${JOB[@]}" --set parallel.intra_node=false || fail "4 ranks on one host" "$(tail -3 "$WORK/ref4.log")"
    # shellcheck disable=SC2046
    OMPI_MCA_btl= timeout 300 mpirun $("$ROOT/scripts/local-cluster.sh" mpirun-args) -np 4 "$TANDEM" train "${JOB[@]}" \
      --output "$WORK/multinode4" >"$WORK/multinode4.log" 2>&1
    if grep -q '"ranks_per_node": 2' "$WORK/multinode4/summary.json" 2>/dev/null && grep -q "shared memory within nodes, MPI between 2" "$WORK/multinode4.log"; then
      if d=$("$TANDEM" diff "$WORK/multinode4" "$WORK/ref4" --tolerance 1e-4); then ok "2 nodes x 2 ranks, hierarchical gradient sum, matches 4 ranks on one host: $d"
      else fail "hierarchical sum vs one host" "$d"; fi
    else fail "2 nodes x 2 ranks run" "$(grep -m2 -E 'error|tandem: run' "$WORK/multinode4.log")"; fi
    "$ROOT/scripts/local-cluster.sh" down >/dev/null 2>&1
  else
    fail "local-cluster.sh up 2 --slots 2" "$(tail -3 "$WORK/cluster.log")"
  fi
fi

summary
