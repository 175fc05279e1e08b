#!/usr/bin/env bash
# End-to-end tests of running where clusters run: the Optuna journal of grid, random, ASHA and
# resumed sweeps read back by Python's optuna; elastic restarts (--min-ranks) on two
# network-namespace nodes; and a real Slurm (scripts/local-slurm.sh): a batch job equal to a
# plain mpirun run, a job warned with USR1 that checkpoints, requeues itself and finishes with the
# uninterrupted params_sha256, bad input, and `down` leaving no daemon behind.
# Usage: TANDEM=.build/debug/tandem scripts/e2e-slurm.sh   (scripts/test.sh runs it)
. "$(dirname "$0")/lib.sh"
setup_mpi_env
set +e   # every check below handles its own failures
. "$(dirname "$0")/e2e-lib.sh"
sha() { field "$1" params_sha256; }
PY=python3
[ -x "$ROOT/.build/python/bin/python3" ] && PY="$ROOT/.build/python/bin/python3"

# A small base config (iris, a 1-hidden-layer MLP, 6 epochs) for the sweeps.
cat > "$WORK/base.yaml" <<'EOF'
name: iris-mlp
data: {path: examples/data/iris.csv, target: species, task: classification, split: {validation: 0.2, test: 0.2, method: stratified, seed: 7}}
model: {kind: mlp, hidden: [8]}
train: {epochs: 6, batch_size: 16, optimizer: {name: adam, lr: 0.05}, seed: 42}
checkpoint: {every_steps: 10}
EOF
sweep_config() { # sweep_config NAME STRATEGY_LINES PARAM_LINES
  printf 'base: %s\nsearch:\n%s\n  metric: val_accuracy\n  group_size: 1\n  params:\n%s\n' "$WORK/base.yaml" "$2" "$3" > "$WORK/$1.yaml"
}
# One trial per (name, hidden): the bogus optimizer name fails its trials.
sweep_config grid "  strategy: grid" "    train.optimizer.name: {grid: [adam, bogus]}
    model.hidden: {choice: [[8], [16, 8]]}"
sweep_config random "  strategy: random
  trials: 4
  seed: 3" "    train.optimizer.lr: {loguniform: [0.001, 0.3]}
    model.dropout: {uniform: [0.0, 0.3]}
    train.batch_size: {int: [8, 32]}
    train.optimizer.weight_decay: {quniform: [0.0, 0.001, 0.0005]}
    model.hidden: {choice: [[8], [16, 8]]}"
sweep_config asha "  strategy: asha
  trials: 8
  seed: 5
  asha: {min_epochs: 1, max_epochs: 9, reduction: 3}" "    train.optimizer.lr: {loguniform: [0.0003, 0.3]}"

sweep() { # sweep NAME [ARGS...]: 3 ranks (coordinator + 2 groups of 1); log in $WORK/NAME.log
  local name=$1; shift
  timeout 300 "${MPIRUN[@]}" -np 3 "$TANDEM" sweep "$WORK/$name.yaml" --output "$WORK/$name" "$@" >>"$WORK/$name.log" 2>&1
}
check_optuna() { # check_optuna NAME
  local out rc
  out=$("$PY" "$ROOT/scripts/check-optuna-journal.py" "$WORK/$1" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then ok "$1 sweep: $out"; elif [ $rc -eq 3 ]; then echo "skip  $1 sweep's optuna.journal: $out"; else fail "$1 sweep: optuna.journal" "$out"; fi
}

# --- the Optuna journal ---------------------------------------------------------------------
if ! "$PY" -c "import optuna" 2>/dev/null; then
  echo "skip  Optuna journal cross-checks: python's optuna is not installed (scripts/test.sh adds it to .build/python when PyPI is reachable)"
fi
for s in grid random asha; do
  if sweep "$s" && [ -s "$WORK/$s/optuna.journal" ]; then check_optuna "$s"; else fail "$s sweep" "$(tail -3 "$WORK/$s.log")"; fi
done
grep -q '"stopped"' "$WORK/asha/sweep.jsonl" && ok "the ASHA sweep stopped trials (checked above as PRUNED)" || fail "the ASHA sweep stopped no trial; the PRUNED mapping went untested"
# Resumed: the coordinator dies after 2 trial ends, and (as if it died between the two appends)
# optuna.journal lacks its last line; --resume rebuilds it from sweep.jsonl.
cp "$WORK/asha.yaml" "$WORK/resumed.yaml"
TANDEM_SWEEP_FAULT=kill-after:2 sweep resumed
ended=$(grep -cE '"event":"(finished|stopped|failed)"' "$WORK/resumed/sweep.jsonl" 2>/dev/null)
if [ "${ended:-0}" -eq 2 ] && [ ! -e "$WORK/resumed/best.json" ] || [ "${ended:-0}" -eq 2 ]; then
  sed -i '$d' "$WORK/resumed/optuna.journal"
  sweep resumed --resume && grep -q "resuming the sweep" "$WORK/resumed.log" && check_optuna resumed \
    || fail "resumed ASHA sweep" "$(tail -3 "$WORK/resumed.log")"
else
  fail "the coordinator was not killed after 2 trial ends (${ended:-0} ended)" "$(tail -3 "$WORK/resumed.log")"
fi

# A journal that cannot be written: an error naming it, and no trial started.
RO="$WORK/readonly"; mkdir -p "$RO"
if mount -t tmpfs -o ro,size=1m tmpfs "$RO" 2>/dev/null; then
  cp "$WORK/grid.yaml" "$WORK/grid-ro.yaml"
  sweep grid-ro --optuna-journal "$RO/optuna.journal"; rc=$?
  if [ $rc -ne 0 ] && grep -q "cannot write the Optuna journal $RO/optuna.journal" "$WORK/grid-ro.log" && [ ! -d "$WORK/grid-ro/trials" ] \
     && ! grep -q '"started"' "$WORK/grid-ro/sweep.jsonl" 2>/dev/null; then
    ok "a read-only journal path -> exit $rc, no trial started: $(grep -m1 'Optuna journal' "$WORK/grid-ro.log" | cut -c1-150)"
  else
    fail "read-only optuna journal path (rc $rc)" "$(tail -3 "$WORK/grid-ro.log")"
  fi
  umount "$RO"
else
  echo "skip  read-only journal path: cannot mount a read-only tmpfs here"
fi

# --- batch scripts outside Slurm ------------------------------------------------------------
for s in train sweep; do
  out=$(env -u SLURM_JOB_ID "$ROOT/scripts/slurm/$s.sbatch" examples/iris.yaml 2>&1); rc=$?
  [ $rc -eq 2 ] && echo "$out" | grep -q "not inside a Slurm job" && echo "$out" | grep -q "sbatch .*scripts/slurm/$s.sbatch" \
    && ok "$s.sbatch outside Slurm -> exit 2: $(echo "$out" | head -1)" || fail "$s.sbatch outside Slurm (rc $rc)" "$out"
done

# --- elastic restarts: 2 namespace nodes, one is lost, the job goes on on 1 --------------------
JOB=(examples/iris.yaml --set train.epochs=40 --set checkpoint.every_steps=60)
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "skip  --min-ranks: needs root and network namespaces (ip netns)"
elif LOCAL_CLUSTER_NAME=telastic LOCAL_CLUSTER_NET=10.233.0 "$ROOT/scripts/local-cluster.sh" up 2 >"$WORK/cluster.log" 2>&1; then
  # A test bed of its own (telastic-node1/2 on 10.233.0.0/24), apart from e2e-resume.sh's.
  cluster() { LOCAL_CLUSTER_NAME=telastic LOCAL_CLUSTER_NET=10.233.0 "$ROOT/scripts/local-cluster.sh" "$@"; }
  # By hand: 2 ranks to the checkpoint at step 60, then resumed on 1 rank.
  train 2 "$WORK/byhand" "${JOB[@]}" --stop-at-step 60 && train 1 "$WORK/byhand" "${JOB[@]}" --resume auto \
    || fail "--min-ranks reference run" "$(tail -3 "$WORK/byhand.log")"
  # Elastic: rank 1 (node 2) stalls at step 90; then node 2 goes away: its rank is killed and its
  # namespace deleted, so the relaunch must drop it and resume step-60 on node 1 alone. (Killing
  # node 2's OpenMPI daemon too made mpirun's abort hang now and then, an OpenMPI problem that
  # no supervisor can see past; the Slurm test below does kill everything on its lost node.)
  rm -f "$WORK/once"
  hostfiles_before=$(ls "${TMPDIR:-/tmp}"/tandem-run-hosts.* 2>/dev/null)
  TANDEM_FAULT_ONCE="$WORK/once" TANDEM_FAULT="sleep:1:90:60" OMPI_MCA_btl= timeout 300 "$ROOT/scripts/tandem-run" --min-ranks 1 --backoff 0 -- \
    $(cluster mpirun-args) -np 2 "$TANDEM" train "${JOB[@]}" --output "$WORK/elastic" >"$WORK/elastic.log" 2>&1 &
  job=$!
  for _ in $(seq 1 600); do [ -e "$WORK/once" ] && [ -d "$WORK/elastic/checkpoints/step-60" ] && break; sleep 0.2; done
  rank=$(for p in $(ip netns pids telastic-node2 2>/dev/null); do [ "$(cat /proc/$p/comm 2>/dev/null)" = tandem ] && echo "$p"; done)
  ip netns del telastic-node2 2>/dev/null; [ -n "$rank" ] && kill -9 $rank 2>/dev/null
  wait $job; rc=$?
  if [ $rc -eq 0 ] && grep -q "dropped node(s) 10.233.0.3" "$WORK/elastic.log" && grep -q "resumed at step 60" "$WORK/elastic.log"; then
    ok "--min-ranks 1: node 10.233.0.3 lost at step 90; $(grep -m1 'dropped node' "$WORK/elastic.log" | cut -c1-110)"
  else
    fail "--min-ranks: the job did not continue on 1 node (rc $rc)" "$(grep -E 'tandem-run|error' "$WORK/elastic.log" | tail -4)"
  fi
  [ "$(ls "${TMPDIR:-/tmp}"/tandem-run-hosts.* 2>/dev/null)" = "$hostfiles_before" ] && ok "--min-ranks: tandem-run removed the hostfile it wrote for the relaunch" \
    || fail "--min-ranks: tandem-run left its hostfile behind" "$(ls "${TMPDIR:-/tmp}"/tandem-run-hosts.* 2>/dev/null)"
  a=$(sha "$WORK/elastic"); b=$(sha "$WORK/byhand")
  [ -n "$a" ] && [ "$a" = "$b" ] && ok "--min-ranks: params_sha256 equals 2 ranks to step 60 resumed on 1 by hand ($a)" \
    || fail "--min-ranks: params_sha256 differs from the run resumed by hand" "${a:-none} vs ${b:-none}"
  # A node gone and fewer ranks left than --min-ranks: it gives up, saying why.
  cluster up 2 >>"$WORK/cluster.log" 2>&1 && ip netns del telastic-node2
  OMPI_MCA_btl= timeout 120 "$ROOT/scripts/tandem-run" --min-ranks 2 --backoff 0 -- $(cluster mpirun-args) -np 2 \
    "$TANDEM" train "${JOB[@]}" --output "$WORK/toofew" >"$WORK/toofew.log" 2>&1; rc=$?
  [ $rc -ne 0 ] && grep -q "fewer than --min-ranks 2" "$WORK/toofew.log" && ok "a node gone and --min-ranks 2 -> exit $rc: $(grep -m1 'fewer than' "$WORK/toofew.log" | cut -c1-120)" \
    || fail "--min-ranks 2 with one node (rc $rc)" "$(tail -3 "$WORK/toofew.log")"
  cluster down >/dev/null 2>&1
else
  fail "local-cluster.sh up 2" "$(tail -3 "$WORK/cluster.log")"
fi

# --- a real Slurm ---------------------------------------------------------------------------
slurm_ok=1
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "skip  Slurm tests: local-slurm.sh needs root and network namespaces"; slurm_ok=0
elif ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "skip  Slurm tests: slurm-wlm and munge are not installed (scripts/test.sh installs them with apt-get where it can)"; slurm_ok=0
fi
if [ $slurm_ok -eq 1 ]; then
  export TANDEM_SLURM_DIR="$WORK/slurm-state"
  if timeout 300 "$ROOT/scripts/local-slurm.sh" up --nodes 2 >"$WORK/slurm-up.log" 2>&1; then
    ok "local-slurm.sh up: $(grep 'up:' "$WORK/slurm-up.log" | cut -c1-120)"
    eval "$("$ROOT/scripts/local-slurm.sh" env)"
    export TANDEM TANDEM_HOME="$ROOT"
    job_state() { scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n 's/^JobState=//p'; }
    # Slurm holds a requeued job for about 2 minutes (Reason=BeginTime); once it is back in the
    # queue (PENDING, its previous run cleaned up: starting it earlier lost the job now and then),
    # let it start at once.
    release_requeued() {
      for _ in $(seq 1 600); do
        scontrol show job -o "$1" 2>/dev/null | grep -q "Restarts=[1-9]" && [ "$(job_state "$1")" = PENDING ] && break; sleep 0.2
      done
      sleep 1
      scontrol update JobId="$1" StartTime=now 2>/dev/null
    }
    # Reference: a plain mpirun run.
    train 2 "$WORK/plain" "${JOB[@]}" || fail "plain mpirun reference" "$(tail -3 "$WORK/plain.log")"
    # A train job through sbatch --wait.
    timeout 300 sbatch --wait -n 2 -o "$WORK/sb.out" scripts/slurm/train.sbatch "${JOB[@]}" --output "$WORK/sb" >"$WORK/sb.submit" 2>&1; rc=$?
    a=$(sha "$WORK/sb" 2>/dev/null); b=$(sha "$WORK/plain")
    [ $rc -eq 0 ] && [ -n "$a" ] && [ "$a" = "$b" ] && ok "sbatch --wait -n 2 train.sbatch: params_sha256 equals plain mpirun ($a)" \
      || fail "sbatch train.sbatch (rc $rc)" "${a:-none} vs $b; $(tail -3 "$WORK/sb.out")"
    grep -q '"job_id"' "$WORK/sb/summary.json" 2>/dev/null && grep -q "slurm job" "$WORK/sb.out" \
      && ok "summary.json and the first log line record the job: $(grep -o 'slurm job [^|]*' "$WORK/sb.out" | head -1)" || fail "no Slurm job in summary.json / the log"
    "$TANDEM" runs "$WORK" 2>/dev/null | grep -E '^sb ' | grep -qE ' [0-9]+$' && ok "tandem runs shows the job id: $("$TANDEM" runs "$WORK" | grep -E '^sb ' | awk '{print $NF}')" \
      || fail "tandem runs lacks the Slurm job" "$("$TANDEM" runs "$WORK" 2>&1 | head -3)"

    # USR1 after the second checkpoint: checkpoint, requeue, resume, same params_sha256.
    rm -f "$WORK/once2"
    id=$(TANDEM_FAULT_ONCE="$WORK/once2" TANDEM_FAULT="sleep:0:130:20" sbatch --parsable -n 2 -o "$WORK/rq.out" \
           scripts/slurm/train.sbatch "${JOB[@]}" --output "$WORK/rq")
    for _ in $(seq 1 600); do [ -d "$WORK/rq/checkpoints/step-120" ] && [ -e "$WORK/once2" ] && break; sleep 0.2; done
    # Running (no summary.json yet): the job id comes from slurm.json, written at the start.
    "$TANDEM" runs "$WORK" 2>/dev/null | grep -E '^rq ' | grep -qE " $id\$" && ok "tandem runs shows the job id of a running run: $id" \
      || fail "tandem runs lacks the running run's Slurm job $id" "$("$TANDEM" runs "$WORK" 2>&1 | grep -E '^(NAME|rq )')"
    scancel --signal=USR1 --batch "$id"
    release_requeued "$id"
    for _ in $(seq 1 900); do st=$(job_state "$id"); [ "$st" = COMPLETED ] || [ "$st" = FAILED ] || [ "$st" = CANCELLED ] && break; sleep 0.2; done
    a=$(sha "$WORK/rq" 2>/dev/null)
    if grep -q "requeueing job $id" "$WORK/rq.out" && grep -q "restart 1" "$WORK/rq.out" && [ "$st" = COMPLETED ]; then
      ok "USR1 after checkpoint step-120: $(grep -m1 'stopped by SIGUSR1' "$WORK/rq.out" | cut -c1-60); requeued, restart 1 $(grep -m1 'resumed at step' "$WORK/rq.out")"
    else
      fail "USR1 and requeue (job $id: $st)" "$(scontrol show job -o "$id" 2>/dev/null | tr ' ' '\n' | grep -E '^(ExitCode|Reason|Restarts|NodeList)=' | tr '\n' ' '); log: $(grep -vE '^epoch' "$WORK/rq.out" | tail -12)"
    fi
    [ -n "$a" ] && [ "$a" = "$b" ] && ok "the requeued job's params_sha256 equals the uninterrupted run ($a)" || fail "requeued job's params_sha256" "${a:-none} vs $b"
    grep -q '"restart_count": 1' "$WORK/rq/summary.json" 2>/dev/null && ok "summary.json: restart_count 1" || fail "summary.json lacks restart_count 1"

    # A sweep through sweep.sbatch: 3 tasks (coordinator + 2 groups of 1), the journal for optuna-dashboard.
    timeout 300 sbatch --wait -n 3 -o "$WORK/sbsweep.out" scripts/slurm/sweep.sbatch "$WORK/grid.yaml" --output "$WORK/sbsweep" >/dev/null 2>&1; rc=$?
    [ $rc -eq 0 ] && grep -q "sweep done" "$WORK/sbsweep.out" && [ -s "$WORK/sbsweep/optuna.journal" ] \
      && ok "sbatch -n 3 sweep.sbatch: $(grep -m1 'sweep done' "$WORK/sbsweep.out"); optuna.journal written" || fail "sweep.sbatch (rc $rc)" "$(tail -3 "$WORK/sbsweep.out")"

    # A sweep warned with USR1 while trials run: they checkpoint, the job requeues and the sweep resumes.
    sed 's/epochs: 6/epochs: 150/' "$WORK/base.yaml" > "$WORK/base-long.yaml"
    printf 'base: %s\nsearch:\n  strategy: grid\n  metric: val_accuracy\n  group_size: 1\n  params:\n    train.optimizer.lr: {grid: [0.01, 0.05, 0.1, 0.2]}\n' \
      "$WORK/base-long.yaml" > "$WORK/long.yaml"
    id=$(sbatch --parsable -n 3 -o "$WORK/swrq.out" scripts/slurm/sweep.sbatch "$WORK/long.yaml" --output "$WORK/swrq")
    for _ in $(seq 1 300); do grep -q "trial 0001 started" "$WORK/swrq.out" 2>/dev/null && break; sleep 0.2; done
    scancel --signal=USR1 --batch "$id"
    release_requeued "$id"
    for _ in $(seq 1 900); do st=$(job_state "$id"); [ "$st" = COMPLETED ] || [ "$st" = FAILED ] || [ "$st" = CANCELLED ] && break; sleep 0.2; done
    if [ "$st" = COMPLETED ] && grep -q "requeueing job $id" "$WORK/swrq.out" && grep -q "resuming the sweep" "$WORK/swrq.out" && grep -q "sweep done: 4 finished" "$WORK/swrq.out"; then
      ok "sweep.sbatch warned with USR1: $(grep -m1 'sweep stopped by a signal' "$WORK/swrq.out" | cut -c1-70); requeued; $(grep -m1 'resuming the sweep' "$WORK/swrq.out" | sed 's/.*: //'); done"
      check_optuna swrq
    else
      fail "sweep.sbatch USR1 and requeue (job $id: $st)" "$(grep -E 'sbatch|sweep|error' "$WORK/swrq.out" | tail -4)"
    fi

    # Bad input: a missing config (the job fails with exit 2, not requeued), too many tasks.
    timeout 120 sbatch --wait -n 1 -o "$WORK/missing.out" scripts/slurm/train.sbatch nosuch.yaml >/dev/null 2>&1; rc=$?
    [ $rc -ne 0 ] && grep -q "nosuch.yaml: no such config file" "$WORK/missing.out" && ok "missing config -> job exit $rc: $(grep -m1 nosuch "$WORK/missing.out" | cut -c1-100)" \
      || fail "missing config under sbatch (rc $rc)" "$(tail -2 "$WORK/missing.out")"
    out=$(sbatch -n 64 scripts/slurm/train.sbatch examples/iris.yaml 2>&1); rc=$?
    [ $rc -ne 0 ] && echo "$out" | grep -qi "sbatch: error" && ok "64 tasks on 2 nodes of 2 CPUs -> Slurm's own error: $(echo "$out" | head -1)" \
      || fail "too many tasks (rc $rc)" "$out"
    # A sweep that does not fit its tasks: tandem's error, exit 2, not requeued.
    timeout 120 sbatch --wait -n 2 -o "$WORK/sweep2.out" scripts/slurm/sweep.sbatch examples/iris-sweep.yaml --output "$WORK/sw2" >/dev/null 2>&1; rc=$?
    [ $rc -ne 0 ] && grep -q "group_size" "$WORK/sweep2.out" && ! grep -q requeueing "$WORK/sweep2.out" \
      && ok "sweep.sbatch on 2 tasks for group_size 2 -> $(grep -m1 'error' "$WORK/sweep2.out" | cut -c1-120)" || fail "sweep.sbatch too few tasks (rc $rc)" "$(tail -2 "$WORK/sweep2.out")"

    # Elastic in Slurm: a 2-node job (--no-kill) loses node 2 after checkpoint step-60; the
    # relaunch drops it and finishes on node 1, equal to the run resumed on 1 rank by hand.
    rm -f "$WORK/once3"
    id=$(TANDEM_FAULT_ONCE="$WORK/once3" TANDEM_FAULT="sleep:1:90:60" sbatch --parsable --no-kill -N 2 --ntasks-per-node 1 -o "$WORK/sl-el.out" \
           scripts/slurm/train.sbatch --min-ranks 1 "${JOB[@]}" --output "$WORK/sl-el")
    for _ in $(seq 1 600); do [ -e "$WORK/once3" ] && [ -d "$WORK/sl-el/checkpoints/step-60" ] && break; sleep 0.2; done
    lost=$(ip netns pids tslurm-node2 2>/dev/null); [ -n "$lost" ] && kill -9 $lost; ip netns del tslurm-node2 2>/dev/null
    for _ in $(seq 1 600); do st=$(job_state "$id"); [ "$st" = COMPLETED ] || [ "$st" = FAILED ] || [ "$st" = CANCELLED ] && break; sleep 0.2; done
    a=$(sha "$WORK/sl-el" 2>/dev/null); b=$(sha "$WORK/byhand" 2>/dev/null)
    [ "$st" = COMPLETED ] && grep -q "dropped node(s) tslurm2" "$WORK/sl-el.out" && [ -n "$a" ] && [ "$a" = "$b" ] \
      && ok "train.sbatch --min-ranks 1: node tslurm2 lost, finished on tslurm1; params_sha256 equals the run resumed by hand ($a)" \
      || fail "Slurm elastic restart (job $id: $st)" "${a:-none} vs ${b:-none}; $(grep -E 'tandem-run|error' "$WORK/sl-el.out" | tail -3)"

    pids=$(awk '{print $2}' "$TANDEM_SLURM_DIR/pids")
    "$ROOT/scripts/local-slurm.sh" down >"$WORK/slurm-down.log" 2>&1
    left=$(for p in $pids; do kill -0 "$p" 2>/dev/null && echo "$p"; done)
    [ -z "$left" ] && ! ip netns list | grep -q tslurm && ok "local-slurm.sh down: munged, slurmctld and slurmd ($(echo $pids | wc -w) processes) stopped, namespaces gone" \
      || fail "local-slurm.sh down left processes: $left"
  else
    fail "local-slurm.sh up" "$(tail -3 "$WORK/slurm-up.log")"
    "$ROOT/scripts/local-slurm.sh" down >/dev/null 2>&1
  fi
fi

summary
