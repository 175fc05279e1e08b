#!/usr/bin/env bash
# End-to-end tests of hyperparameter sweeps (tandem sweep) under mpirun: a 5-rank grid sweep on
# iris (coordinator + 2 groups of 2) against the base config, ASHA stopping trials, failed trials, SIGTERM,
# kill-and-resume for grid and random compared with uninterrupted sweeps, and bad sweep configs.
# Usage: TANDEM=.build/debug/tandem scripts/e2e-sweep.sh   (scripts/test.sh runs it)
. "$(dirname "$0")/lib.sh"
setup_mpi_env
set +e   # every check below handles its own failures
. "$(dirname "$0")/e2e-lib.sh"

# sweep NP OUT ARGS... : runs tandem sweep on NP ranks with a time limit; output in OUT.log
sweep() {
  local np=$1 out=$2; shift 2
  timeout 300 "${MPIRUN[@]}" -np "$np" "$TANDEM" sweep "$@" --output "$out" >"$out.log" 2>&1
}
# rows RESULTS_CSV : the results without the wall time column (the rest must be reproducible)
rows() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "wall_seconds") w = i } { $w = ""; print }' OFS=, "$1"; }
json_number() { json_get "$1" "$2"; }
shas() { for d in "$1"/trials/*/; do printf '%s %s\n' "$(basename "$d")" "$(field "$d" params_sha256)"; done; }

# --- a grid sweep on 5 ranks finishes, and beats or equals the base config --------------------
train 2 "$WORK/base" examples/iris.yaml || fail "base iris run" "$(tail -3 "$WORK/base.log")"
base=$(metric "$WORK/base" validation accuracy)
cat > "$WORK/grid.yaml" <<YAML
base: examples/iris.yaml
search:
  strategy: grid
  metric: val_accuracy
  group_size: 2
  params:
    train.optimizer.lr: {grid: [0.01, 0.05, 0.2]}
    train.batch_size: {choice: [16, 32]}
    train.seed: {grid: [42]}
    checkpoint.every_steps: {grid: [10]}
YAML
if sweep 5 "$WORK/grid" "$WORK/grid.yaml"; then
  n=$(($(wc -l < "$WORK/grid/results.csv") - 1))
  [ "$n" = 6 ] && ok "grid sweep on 5 ranks (coordinator + 2 groups of 2): 6 trials in results.csv" || fail "grid sweep: $n rows in results.csv, expected 6"
  best=$(json_number "$WORK/grid/best.json" metric)
  ge "$best" "$base" && ok "best val_accuracy $best >= the base config's $base" || fail "best val_accuracy $best < base $base"
  [ -f "$WORK/grid/model/model.json" ] && [ "$(wc -l < "$WORK/grid/results.jsonl")" = 6 ] && grep -q '"config": {' "$WORK/grid/best.json" \
    && ok "results.jsonl, best.json (with the resolved config) and the best model in model/" || fail "sweep outputs missing" "$(ls "$WORK/grid")"
  "$TANDEM" evaluate "$WORK/grid/model" --input examples/data/iris.csv >/dev/null 2>&1 && ok "the best model evaluates with tandem evaluate" || fail "tandem evaluate of the best model"
  g1=$(grep -c '"group":1' "$WORK/grid/sweep.jsonl"); g2=$(grep -c '"group":2' "$WORK/grid/sweep.jsonl")
  [ "$g1" -gt 0 ] && [ "$g2" -gt 0 ] && ok "both groups trained trials ($g1 and $g2)" || fail "groups used: $g1 and $g2"
else
  fail "grid sweep on 5 ranks" "$(grep -m3 error "$WORK/grid.log")"
fi

# --- kill the coordinator after 2 trials ended; --resume completes it; results equal ---------
kill_and_resume() { # kill_and_resume NAME CONFIG REFERENCE_DIR
  local name=$1 out="$WORK/$1-killed"
  TANDEM_SWEEP_FAULT=kill-after:2 sweep 5 "$out" "$2"
  local rc=$?
  [ $rc -ne 0 ] && [ ! -f "$out/best.json" -o "$(($(wc -l < "$out/results.csv") - 1))" = 2 ] \
    && ok "$name: coordinator killed after 2 trials ended (exit $rc)" || fail "$name: kill did not happen (exit $rc)"
  local before; before=$(awk -F, 'NR > 1 { print $1 }' "$out/results.csv" | sort)
  if ! timeout 300 "${MPIRUN[@]}" -np 5 "$TANDEM" sweep "$2" --output "$out" --resume >"$out.resume.log" 2>&1; then
    fail "$name: --resume" "$(grep -m3 error "$out.resume.log")"; return
  fi
  grep -q "resuming the sweep" "$out.resume.log" && ok "$name: --resume replayed the journal: $(grep -m1 'resuming the sweep' "$out.resume.log" | cut -d: -f2-)" || fail "$name: no replay"
  local rerun=0
  for t in $before; do
    [ "$(grep -c "\"event\":\"started\",\"trial\":$t," "$out/sweep.jsonl")" = 1 ] || rerun=$((rerun + 1))
  done
  [ "$rerun" = 0 ] && ok "$name: the $(echo $before | wc -w) trials that ended before the kill were not run again" || fail "$name: $rerun ended trials ran again"
  if diff <(rows "$out/results.csv") <(rows "$3/results.csv") >/dev/null; then ok "$name: results.csv equals the uninterrupted sweep's"
  else fail "$name: results differ from the uninterrupted sweep" "$(diff <(rows "$out/results.csv") <(rows "$3/results.csv") | head -4)"; fi
  if diff <(shas "$out") <(shas "$3") >/dev/null; then ok "$name: every trial's params_sha256 equals the uninterrupted sweep's"
  else fail "$name: params_sha256 differ" "$(diff <(shas "$out") <(shas "$3") | head -4)"; fi
}
kill_and_resume grid "$WORK/grid.yaml" "$WORK/grid"

# --- the same kill under scripts/tandem-run: it relaunches the sweep with --resume (not --resume
# auto, which tandem sweep would refuse) and speaks of a sweep ----------------------------------
out="$WORK/grid-run"
TANDEM_FAULT_ONCE="$WORK/grid-run.once" TANDEM_SWEEP_FAULT=kill-after:2 timeout 300 "$ROOT/scripts/tandem-run" --max-restarts 1 --backoff 0 -- \
  "${MPIRUN[@]:1}" -np 5 "$TANDEM" sweep "$WORK/grid.yaml" --output "$out" >"$out.log" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "tandem-run: sweep failed (exit [0-9]*); restart 1 of 1 with --resume in" "$out.log" \
   && grep -q "resuming the sweep" "$out.log" && grep -q "tandem-run: sweep finished" "$out.log"; then
  ok "tandem-run restarted the killed sweep with --resume: $(grep -m1 'restart 1 of 1' "$out.log")"
else fail "sweep under tandem-run (rc $rc)" "$(grep -E 'tandem-run|error' "$out.log" | tail -4)"; fi
diff <(rows "$out/results.csv") <(rows "$WORK/grid/results.csv") >/dev/null \
  && ok "the sweep restarted by tandem-run has the uninterrupted results.csv" || fail "tandem-run sweep results differ" "$(diff <(rows "$out/results.csv") <(rows "$WORK/grid/results.csv") | head -4)"

cat > "$WORK/random.yaml" <<YAML
base: examples/iris.yaml
search:
  strategy: random
  trials: 5
  seed: 11
  metric: val_accuracy
  group_size: 2
  params:
    train.optimizer.lr: {loguniform: [0.005, 0.2]}
    train.epochs: {int: [40, 120]}
    checkpoint.every_steps: {choice: [10]}
YAML
if sweep 5 "$WORK/random" "$WORK/random.yaml"; then
  ok "random sweep, 5 trials"
  kill_and_resume random "$WORK/random.yaml" "$WORK/random"
else
  fail "random sweep" "$(grep -m3 error "$WORK/random.log")"
fi

# --- SIGTERM (as a scheduler sends before preemption): trials checkpoint, --resume continues ---
cat > "$WORK/term.yaml" <<YAML
base: examples/digits.yaml
search:
  strategy: grid
  metric: val_accuracy
  group_size: 2
  params:
    train.optimizer.lr: {grid: [0.001, 0.002]}
    train.epochs: {grid: [300]}
    train.early_stopping.patience: {grid: [300]}
    checkpoint.every_steps: {grid: [20]}
YAML
# (300 epochs without early stopping, so the trials are still running when the signal comes: on
# an idle machine 40 epochs of both trials take 3 s. OpenMPI waits odls_base_sigkill_timeout
# seconds (default 1) before it passes SIGTERM on and as long again before SIGKILL; 2 s of grace
# leave room for two trials' checkpoints and reports under CI load, and the 300-epoch trials are
# still running when the SIGTERM arrives 2 s late.)
timeout 300 "${MPIRUN[@]}" --mca odls_base_sigkill_timeout 2 -np 5 "$TANDEM" sweep "$WORK/term.yaml" --output "$WORK/term" >"$WORK/term.log" 2>&1 &
pid=$!
# Both trials past their first checkpoints (under load a trial may start seconds after the other).
for _ in $(seq 600); do
  n0=$(grep -c '"reported".*"trial": *0,' "$WORK/term/sweep.jsonl" 2>/dev/null); n1=$(grep -c '"reported".*"trial": *1,' "$WORK/term/sweep.jsonl" 2>/dev/null)
  [ "${n0:-0}" -ge 3 ] && [ "${n1:-0}" -ge 3 ] && break; sleep 0.2
done
# Signal mpirun itself: `kill` to timeout's pid made timeout pass SIGTERM to mpirun and then to
# its whole process group, so mpirun saw two and, as OpenMPI does on a second signal, exited at
# once without stopping the ranks (4 of 6 runs failed that way on the idle machine).
pkill -TERM -f "^mpirun .*$WORK/term.yaml"; wait "$pid"
[ "$(grep -c 'interrupted by a signal after writing a checkpoint' "$WORK/term.log")" = 2 ] && grep -q "continue with --resume" "$WORK/term.log" \
  && ok "SIGTERM: both running trials wrote a checkpoint and stopped" || fail "SIGTERM" "$(grep -v '^\[' "$WORK/term.log" | tail -4)"
if timeout 300 "${MPIRUN[@]}" -np 5 "$TANDEM" sweep "$WORK/term.yaml" --output "$WORK/term" --resume >"$WORK/term.resume.log" 2>&1 \
   && [ "$(grep -c ',finished,' "$WORK/term/results.csv")" = 2 ] && [ -d "$WORK/term/trials/0000/checkpoints" ]; then
  ok "--resume after SIGTERM finished both trials from their checkpoints"
else
  fail "--resume after SIGTERM" "$(grep -m3 error "$WORK/term.resume.log")"
fi

# --- ASHA stops trials; a failing trial is recorded and the sweep goes on ---------------------
cat > "$WORK/asha.yaml" <<YAML
base: examples/iris.yaml
search:
  strategy: asha
  trials: 9
  metric: val_accuracy
  group_size: 1
  asha: {min_epochs: 1, max_epochs: 27, reduction: 3}
  params:
    train.optimizer.lr: {loguniform: [0.0005, 0.1]}
    train.batch_size: {choice: [8, 16, 1000000]}
YAML
if sweep 5 "$WORK/asha" "$WORK/asha.yaml"; then
  stopped=$(grep -c ',stopped,' "$WORK/asha/results.csv"); finished=$(grep -c ',finished,' "$WORK/asha/results.csv")
  trials_failed=$(grep -c ',failed,' "$WORK/asha/results.csv")
  [ "$stopped" -gt 0 ] && [ "$finished" -gt 0 ] && ok "ASHA on 4 groups of 1: $finished finished, $stopped stopped (not failures), $trials_failed failed" \
    || fail "ASHA: $finished finished, $stopped stopped"
  long=$(awk -F, 'NR > 1 && $2 == "finished" && $5 == 27' "$WORK/asha/results.csv" | wc -l)
  [ "$long" -gt 0 ] && ok "ASHA: $long trial(s) promoted through every rung to 27 epochs" || fail "ASHA: no trial reached 27 epochs"
  said=$(grep -lE '"status": ?"stopped"' "$WORK"/asha/trials/*/summary.json 2>/dev/null | wc -l)
  listed=$("$TANDEM" runs "$WORK/asha/trials" 2>/dev/null | grep -c ' stopped ')
  [ "$said" = "$stopped" ] && [ "$listed" = "$stopped" ] && ok "ASHA-stopped trials are 'stopped' in summary.json and tandem runs too ($said)" \
    || fail "ASHA-stopped status: $stopped in results.csv, $said in summary.json, $listed in tandem runs"
else
  fail "ASHA sweep" "$(grep -m3 error "$WORK/asha.log")"
fi
cat > "$WORK/fails.yaml" <<YAML
base: examples/iris.yaml
search:
  strategy: grid
  metric: val_loss
  group_size: 2
  params:
    train.optimizer.name: {grid: [sgd]}
    train.optimizer.lr: {grid: [0.05, 1.0e+38, -1]}
    train.epochs: {grid: [5]}
YAML
if sweep 3 "$WORK/fails" "$WORK/fails.yaml"; then
  [ "$(grep -c ',failed,' "$WORK/fails/results.csv")" = 2 ] && [ "$(grep -c ',finished,' "$WORK/fails/results.csv")" = 1 ] \
    && ok "diverged and bad-value trials recorded as failed, the sweep went on: $(grep -m1 -o 'the loss became[^"]*' "$WORK/fails/results.csv" | cut -c1-60)..." \
    || fail "failed trials" "$(cat "$WORK/fails/results.csv")"
  grep -q 'train.optimizer.lr: -1.0 must be a positive number' "$WORK/fails/results.csv" && ok "a bad config value names the key in results.csv" || fail "bad value error" "$(cat "$WORK/fails/results.csv")"
else
  fail "sweep with failing trials" "$(grep -m3 error "$WORK/fails.log")"
fi
sed 's/  group_size: 2/  group_size: 2\n  max_failures: 1/' "$WORK/fails.yaml" > "$WORK/maxfail.yaml"
sweep 3 "$WORK/maxfail" "$WORK/maxfail.yaml"; rc=$?
[ $rc -ne 0 ] && grep -q "2 trials failed, more than search.max_failures 1" "$WORK/maxfail.log" \
  && ok "max_failures exceeded ends the sweep with an error (exit $rc)" || fail "max_failures (exit $rc)" "$(grep -m2 error "$WORK/maxfail.log")"

# --- bad sweep configs and launches -----------------------------------------------------------
sweep_error() { # sweep_error NAME NP EXPECTED OUT CONFIG ARGS...
  local name=$1 np=$2 want=$3 out=$4; shift 4
  sweep "$np" "$out" "$@"; local rc=$?
  if [ $rc -eq 124 ]; then fail "$name: hung"; return; fi
  if [ $rc -eq 0 ]; then fail "$name: exited 0"; return; fi
  grep -qF -- "$want" "$out.log" && ok "$name -> exit $rc: $(grep -m1 -F -- "$want" "$out.log" | cut -c1-150)" || fail "$name: message lacks '$want'" "$(grep -m2 error "$out.log")"
}
sed 's/train.batch_size:/train.batchsize:/' "$WORK/grid.yaml" > "$WORK/typo.yaml"
sweep_error "typo in a searched key" 3 "search.params.train.batchsize is not a key of the training config" "$WORK/typo" "$WORK/typo.yaml"
[ "$(grep -c '^rank [0-9]*: error' "$WORK/typo.log")" = 1 ] && ok "a bad sweep config is reported once (by rank 0)" || fail "bad sweep config reported by several ranks" "$(grep error "$WORK/typo.log")"
sweep_error "world that does not split into groups" 4 "search.group_size 2 does not divide the 3 worker ranks" "$WORK/np4" "$WORK/grid.yaml"
cp "$WORK/grid/sweep.jsonl" "$WORK/grid.journal"
sweep_error "existing sweep without --resume" 3 "already holds a sweep (sweep.jsonl); continue it with --resume" "$WORK/grid" "$WORK/grid.yaml"
cmp -s "$WORK/grid/sweep.jsonl" "$WORK/grid.journal" && ok "the refused sweep left the existing journal untouched" || fail "the existing journal changed"

# --- a hung sweep coordinator: the groups' exchange with it is under the watchdog ---------------
sed 's/^train:$/train:\n  collective_timeout: 3/' examples/iris.yaml > "$WORK/iris-t3.yaml"
cat > "$WORK/hang.yaml" <<YAML
base: $WORK/iris-t3.yaml
search:
  strategy: grid
  metric: val_accuracy
  group_size: 1
  params:
    train.optimizer.lr: {grid: [0.01, 0.05]}
YAML
timeout 120 "${MPIRUN[@]}" -np 3 "$TANDEM" sweep "$WORK/hang.yaml" --output "$WORK/hang" >"$WORK/hang.log" 2>&1 & bg=$!
coord=""
for _ in $(seq 1 100); do
  for p in $(pgrep -f "tandem sweep $WORK/hang.yaml"); do
    tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=0" && coord=$p
  done
  [ -n "$coord" ] && grep -q "started on group" "$WORK/hang.log" 2>/dev/null && break
  sleep 0.1
done
start=$(date +%s)
[ -n "$coord" ] && kill -STOP "$coord"
wait $bg; rc=$?; took=$(( $(date +%s) - start ))
[ -n "$coord" ] && kill -KILL "$coord" 2>/dev/null
if [ $rc -ne 0 ] && [ $took -lt 60 ] && grep -q "watchdog: the sweep coordinator's (world rank 0) answer to '[a-z]*' from group [12] has not completed after 3 s" "$WORK/hang.log"; then
  ok "a stopped sweep coordinator ends the job in ${took}s: $(grep -m1 -o "watchdog: the sweep coordinator.*after 3 s" "$WORK/hang.log")"
else fail "hung sweep coordinator (rc $rc, ${took}s)" "$(grep -E 'error|watchdog' "$WORK/hang.log" | head -3)"; fi

summary
