# Shared by train.sbatch and sweep.sbatch (sourced): finds Tandem, runs the job under
# scripts/tandem-run, and requeues the Slurm job when Slurm's warning signal (USR1) stopped it at
# a checkpoint. Expects USAGE (the script's usage text) and KIND (train | sweep).

job_die() { echo "$KIND.sbatch: error: $*" >&2; exit 2; }

# Outside an allocation there is nothing to launch into: say how to submit instead.
job_require_slurm() {
  if [ -z "${SLURM_JOB_ID:-}" ]; then
    echo "$KIND.sbatch: error: not inside a Slurm job (SLURM_JOB_ID is not set); submit it with sbatch:" >&2
    echo "$USAGE" >&2
    echo "Without Slurm, run: scripts/tandem-run -- -np N tandem $KIND CONFIG" >&2
    exit 2
  fi
}

# Where this repository is: sbatch runs a copy of the script from its spool directory, so the
# script's own path says nothing; Slurm records the submitted path in the job (Command=).
job_find_root() {
  if [ -n "${TANDEM_HOME:-}" ]; then ROOT=$TANDEM_HOME; return; fi
  local command
  command=$(scontrol show job -o "$SLURM_JOB_ID" 2>/dev/null | tr ' ' '\n' | sed -n 's/^Command=//p')
  if [ -n "$command" ] && [ -x "$(dirname "$command")/../tandem-run" ]; then
    ROOT=$(cd "$(dirname "$command")/../.." && pwd)
  elif [ -x "${SLURM_SUBMIT_DIR:-.}/scripts/tandem-run" ]; then
    ROOT=$(cd "${SLURM_SUBMIT_DIR:-.}" && pwd)
  else
    job_die "cannot find the Tandem checkout (scripts/tandem-run); set TANDEM_HOME"
  fi
}

# The tandem binary: $TANDEM, else `tandem` on PATH, else the checkout's release or debug build.
job_find_tandem() {
  if [ -n "${TANDEM:-}" ]; then :
  elif command -v tandem >/dev/null; then TANDEM=$(command -v tandem)
  elif [ -x "$ROOT/.build/release/tandem" ]; then TANDEM=$ROOT/.build/release/tandem
  elif [ -x "$ROOT/.build/debug/tandem" ]; then TANDEM=$ROOT/.build/debug/tandem
  else job_die "no tandem binary: build it (swift build -c release) or set TANDEM=/path/to/tandem"
  fi
  [ -x "$TANDEM" ] || job_die "TANDEM=$TANDEM is not an executable"
}

# Runs `scripts/tandem-run SUPERVISOR_ARGS -- MPIRUN_ARGS` (the arrays SUPERVISOR and LAUNCH) in
# the background so the USR1 trap runs at once; on USR1 it is passed on (tandem-run turns it into
# a checkpoint and a clean exit). Returns tandem-run's exit code in JOB_RC; JOB_SIGNALLED=1 when
# USR1 came.
job_run() {
  JOB_SIGNALLED=0
  local child=0
  trap 'JOB_SIGNALLED=1; echo "$KIND.sbatch: got SIGUSR1 (time limit or preemption ahead): stopping at a checkpoint"; [ "$child" -ne 0 ] && kill -USR1 "$child" 2>/dev/null' USR1
  trap '[ "$child" -ne 0 ] && kill -TERM "$child" 2>/dev/null' TERM
  echo "$KIND.sbatch: job $SLURM_JOB_ID (restart ${SLURM_RESTART_COUNT:-0}) on ${SLURM_JOB_NODELIST:-?}, ${SLURM_NTASKS:-?} tasks: $ROOT/scripts/tandem-run ${SUPERVISOR[*]} -- ${LAUNCH[*]}"
  "$ROOT/scripts/tandem-run" "${SUPERVISOR[@]}" -- "${LAUNCH[@]}" &
  child=$!
  wait "$child"; JOB_RC=$?
  while kill -0 "$child" 2>/dev/null; do wait "$child"; JOB_RC=$?; done
  trap - USR1 TERM
}

# After a USR1 stop that wrote a checkpoint (exit 0) and left the work unfinished (`$1` = 1),
# puts the job back in the queue; the next start continues with --resume.
job_requeue_if_stopped() {
  local unfinished=$1
  if [ "$JOB_SIGNALLED" -eq 1 ] && [ "$JOB_RC" -eq 0 ] && [ "$unfinished" -eq 1 ]; then
    echo "$KIND.sbatch: stopped at a checkpoint; requeueing job $SLURM_JOB_ID (scontrol requeue); it resumes when it starts again"
    scontrol requeue "$SLURM_JOB_ID" || { echo "$KIND.sbatch: scontrol requeue $SLURM_JOB_ID failed; resubmit by hand (it resumes)" >&2; exit 1; }
    exit 0
  fi
  [ "$JOB_SIGNALLED" -eq 1 ] && echo "$KIND.sbatch: not requeueing (exit $JOB_RC$([ "$unfinished" -eq 0 ] && echo ', the work is finished'))"
  exit "$JOB_RC"
}

# Splits "[script options] CONFIG [tandem options]" into SCRIPT_OPTS handling (--min-ranks,
# --max-restarts, --mpirun-args), CONFIG and PASS (passed to tandem); OUTPUT is --output's value.
job_parse() {
  MIN_RANKS=""; MAX_RESTARTS=3; MPIRUN_EXTRA=(); CONFIG=""; PASS=(); OUTPUT=""
  while [ $# -gt 0 ] && [ -z "$CONFIG" ]; do
    case "$1" in
      --min-ranks) MIN_RANKS=$2; shift 2 ;;
      --max-restarts) MAX_RESTARTS=$2; shift 2 ;;
      --mpirun-args) read -r -a MPIRUN_EXTRA <<< "$2"; shift 2 ;;
      -h|--help) echo "$USAGE"; exit 0 ;;
      -*) job_die "unknown option $1 before the config (tandem's own options go after it)" ;;
      *) CONFIG=$1; shift ;;
    esac
  done
  [ -n "$CONFIG" ] || { echo "$USAGE" >&2; exit 2; }
  [ -f "$CONFIG" ] || job_die "$CONFIG: no such config file (paths are relative to the submit directory ${SLURM_SUBMIT_DIR:-$PWD})"
  PASS=("$@")
  local i
  for ((i = 0; i < ${#PASS[@]}; i++)); do
    case "${PASS[$i]}" in
      --output) OUTPUT=${PASS[$((i + 1))]:-} ;;
      --output=*) OUTPUT=${PASS[$i]#--output=} ;;
      --resume|--resume=*|--overwrite) job_die "${PASS[$i]}: the batch script always passes --resume auto (a requeued job continues)" ;;
    esac
  done
}
