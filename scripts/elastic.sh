# Elastic restarts for scripts/tandem-run (sourced; works on its `args` array, the mpirun
# arguments): finds the hosts of the job (a hostfile, else the Slurm allocation), checks which
# still answer, and rewrites the arguments to run on the slots that are left. Checkpoints do not
# depend on the world size, so the relaunch with --resume auto continues the same run.

# The hostfile elastic_shrink wrote (empty until the first shrink).
elastic_hostfile=""

# Removes the hostfile elastic_shrink wrote, if any (only that file).
elastic_cleanup() {
  [ -n "$elastic_hostfile" ] && rm -f -- "$elastic_hostfile"
  elastic_hostfile=""
}

# "host slots" lines of a hostfile (comments and blank lines skipped; slots default 1).
elastic_hostfile_hosts() {
  sed 's/#.*//' "$1" | awk 'NF { s = 1; for (i = 2; i <= NF; i++) if ($i ~ /^slots=/) s = substr($i, 7); print $1, s }'
}

# "host slots" lines of the Slurm allocation (SLURM_TASKS_PER_NODE is like "2(x3),1").
elastic_slurm_hosts() {
  local hosts counts=() part n reps
  hosts=$(scontrol show hostnames "$SLURM_JOB_NODELIST") || return 1
  IFS=, read -r -a parts <<< "${SLURM_TASKS_PER_NODE:-1}"
  for part in "${parts[@]}"; do
    n=${part%%(*}; reps=1
    [ "$part" != "$n" ] && reps=${part#*(x} && reps=${reps%)}
    for _ in $(seq 1 "$reps"); do counts+=("$n"); done
  done
  local i=0
  for h in $hosts; do echo "$h ${counts[$i]:-1}"; i=$((i + 1)); done
}

# Whether `host` is still there: through mpirun's launcher for a hostfile; in a Slurm allocation,
# by its node state and whether its slurmd accepts a connection.
elastic_alive() {
  local host=$1 mode=$2 agent=$3
  if [ "$mode" = slurm ]; then
    # Slurm notices a dead node only after SlurmdTimeout; until then its slurmd not answering
    # on its port says the same at once.
    local info state addr port
    info=$(scontrol show node -o "$host" 2>/dev/null | tr ' ' '\n')
    state=$(echo "$info" | sed -n 's/^State=//p'); addr=$(echo "$info" | sed -n 's/^NodeAddr=//p')
    port=$(scontrol show config 2>/dev/null | awk '$1 == "SlurmdPort" {print $3}')
    [ -n "$state" ] && ! echo "$state" | grep -qE 'DOWN|NOT_RESPONDING|FAIL' \
      && timeout 5 bash -c "exec 3<>/dev/tcp/${addr:-$host}/${port:-6818}" 2>/dev/null
  else
    timeout 20 $agent "$host" true </dev/null >/dev/null 2>&1
  fi
}

# In a Slurm allocation: cancels the job steps a failed attempt left behind (mpirun starts its
# daemons with srun, and an srun whose node died waits for it, holding the other nodes' CPUs, so
# the next attempt's srun would wait forever).
elastic_clear_steps() {
  [ -n "${SLURM_JOB_ID:-}" ] || return 0
  local step
  for step in $(squeue -h -s -j "$SLURM_JOB_ID" -o %i 2>/dev/null | grep -vE '\.(batch|extern)$'); do
    echo "tandem-run: cancelling job step $step left by the failed attempt" >&2
    scancel --signal=KILL "$step" 2>/dev/null || true
  done
  # A step on a dead node stays until Slurm declares the node down, so wait only briefly.
  for _ in $(seq 1 15); do
    [ -z "$(squeue -h -s -j "$SLURM_JOB_ID" -o %i 2>/dev/null | grep -vE '\.(batch|extern)$')" ] && return 0
    sleep 0.2
  done
}

# The number of ranks the job's layout needs a multiple of: parallel.tensor x parallel.pipeline of the
# resolved config (`tandem train ... --print-config`, from args at TANDEM_AT, set by tandem-run);
# 1 when there is no tandem train command in args or its config cannot be read.
elastic_rank_unit() {
  [ "${TANDEM_AT:--1}" -ge 0 ] || { echo 1; return; }
  local out
  out=$("${args[@]:$TANDEM_AT}" --print-config 2>/dev/null) || { echo 1; return; }
  echo "$out" | awk '/^[^ #]/ { section = $1 }
    section == "parallel:" && $1 == "tensor:" { tp = $2 }
    section == "parallel:" && $1 == "pipeline:" { pp = $2 }
    END { print (tp > 0 ? tp : 1) * (pp > 0 ? pp : 1) }'
}

# Drops the hosts that are gone from `args` (via a new hostfile) and lowers -np to the slots left;
# returns 1 (after saying why) when fewer than `min_ranks` remain.
elastic_shrink() {
  local hostfile="" hostfile_at=-1 np_at=-1 agent=${OMPI_MCA_plm_rsh_agent:-ssh -o BatchMode=yes -o ConnectTimeout=5} i mode
  for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[$i]}" in
      --hostfile|-hostfile|--machinefile|-machinefile) hostfile=${args[$((i + 1))]:-}; hostfile_at=$((i + 1)) ;;
      -np|--np|-n|-c) np_at=$((i + 1)) ;;
      --mca|-mca) [ "${args[$((i + 1))]:-}" = plm_rsh_agent ] && agent=${args[$((i + 2))]:-$agent} ;;
    esac
  done
  local lines
  if [ -n "$hostfile" ]; then
    mode=hostfile; lines=$(elastic_hostfile_hosts "$hostfile") || return 1
  elif [ -n "${SLURM_JOB_NODELIST:-}" ]; then
    mode=slurm; lines=$(elastic_slurm_hosts) || { echo "tandem-run: --min-ranks: cannot list the Slurm allocation's nodes; relaunching unchanged" >&2; return 0; }
  else
    echo "tandem-run: --min-ranks: no --hostfile and no Slurm allocation, so no node can be dropped; relaunching unchanged" >&2
    return 0
  fi
  local alive=() dropped=() total=0 host slots
  while read -r host slots; do
    [ -n "$host" ] || continue
    if elastic_alive "$host" "$mode" "$agent"; then alive+=("$host slots=$slots"); total=$((total + slots)); else dropped+=("$host"); fi
  done <<< "$lines"
  [ ${#dropped[@]} -eq 0 ] && { echo "tandem-run: every node of the job answers; relaunching on all of them" >&2; return 0; }
  local ranks=$total
  if [ "$np_at" -ge 0 ] && [ "${args[$np_at]}" -lt "$total" ] 2>/dev/null; then ranks=${args[$np_at]}; fi
  # Every rank count must be a multiple of tp x pp (world = dp x tp x pp): use the largest that fits.
  local unit left=$ranks
  unit=$(elastic_rank_unit)
  if [ $((ranks % unit)) -ne 0 ]; then
    ranks=$((ranks / unit * unit))
    echo "tandem-run: $left rank(s) left, but parallel.tensor x parallel.pipeline = $unit must divide the ranks; using $ranks of them" >&2
  fi
  if [ "$ranks" -lt "$min_ranks" ] || [ "$ranks" -lt 1 ]; then
    echo "tandem-run: node(s) gone: ${dropped[*]}; only $ranks usable rank(s) left on ${#alive[@]} node(s) ($left slot(s), tensor x pipeline = $unit), fewer than --min-ranks $min_ranks; giving up" >&2
    return 1
  fi
  # One private hostfile per tandem-run, rewritten at each shrink; tandem-run removes it on exit
  # (elastic_cleanup), and nothing else of that name is ever touched.
  if [ -z "${elastic_hostfile:-}" ]; then
    elastic_hostfile=$(mktemp "${TMPDIR:-/tmp}/tandem-run-hosts.XXXXXX") || { echo "tandem-run: cannot create a hostfile in ${TMPDIR:-/tmp}" >&2; return 1; }
  fi
  local file=$elastic_hostfile
  printf '%s\n' "${alive[@]}" > "$file" || { echo "tandem-run: cannot write the hostfile $file" >&2; return 1; }
  if [ "$hostfile_at" -ge 0 ]; then args[$hostfile_at]=$file; else args=(--hostfile "$file" "${args[@]}"); np_at=$((np_at >= 0 ? np_at + 2 : -1)); fi
  if [ "$np_at" -ge 0 ]; then args[$np_at]=$ranks; else args=(-np "$ranks" "${args[@]}"); fi
  # The steps of the lost node may linger in Slurm until it declares the node down; let the
  # relaunch's srun (mpirun starts its daemons with it) share their CPUs instead of waiting.
  [ "$mode" = slurm ] && export SLURM_OVERLAP=1
  echo "tandem-run: dropped node(s) ${dropped[*]} (gone); relaunching on $ranks rank(s) on ${#alive[@]} node(s): ${alive[*]}" >&2
}
