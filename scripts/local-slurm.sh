#!/usr/bin/env bash
# A real Slurm on one machine, for trying the batch scripts and for the tests: munged, slurmctld,
# and one slurmd per simulated node, each node a network namespace with its own address
# (scripts/local-cluster.sh, as a separate test bed "tslurm" on 10.232.0.0/24). Installs
# slurm-wlm and munge when missing. Everything (config, keys, logs, state) lives in the state
# directory ${TANDEM_SLURM_DIR:-/tmp/tandem-slurm}; `down` stops exactly what `up` started.
#
#   scripts/local-slurm.sh up [--nodes N] [--cpus C]   # N nodes (default 1) of C CPUs (default: this machine's)
#   eval "$(scripts/local-slurm.sh env)"                # SLURM_CONF (and the MPI interface) for sbatch, squeue, ...
#   sbatch -n 2 scripts/slurm/train.sbatch examples/iris.yaml
#   scripts/local-slurm.sh status
#   scripts/local-slurm.sh down
#
# Limits: needs root (namespaces; the daemons run as root) and one host; no accounting (sacct),
# no cgroups (proctrack/linuxproc, task/none), so jobs are not confined to their CPUs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE=${TANDEM_SLURM_DIR:-/tmp/tandem-slurm}
export LOCAL_CLUSTER_NAME=tslurm LOCAL_CLUSTER_NET=10.232.0
NET=$LOCAL_CLUSTER_NET
CONF="$STATE/slurm.conf"
NODE_PREFIX=tslurm

say() { echo "local-slurm: $*"; }
die() { echo "local-slurm: error: $*" >&2; exit 1; }

# The lines `env` prints: where the config is, and the bridge as OpenMPI's network inside jobs.
env_lines() {
  echo "export SLURM_CONF=$CONF"
  echo "export OMPI_MCA_btl_tcp_if_include=$NET.0/24 OMPI_MCA_oob_tcp_if_include=$NET.0/24"
}

install_packages() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null && command -v sbatch >/dev/null && return 0
  command -v apt-get >/dev/null || die "slurm-wlm and munge are not installed and there is no apt-get to install them"
  say "installing slurm-wlm and munge"
  env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
}

# Waits up to $1 seconds for `$2...` to succeed.
wait_for() {
  local limit=$1; shift
  for _ in $(seq 1 $((limit * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

all_idle() {
  local states
  states=$(SLURM_CONF=$CONF sinfo -h -N -o '%t' 2>/dev/null) || return 1
  [ -n "$states" ] && [ "$(echo "$states" | grep -cv '^idle$')" -eq 0 ]
}

up() {
  local nodes=1 cpus
  cpus=$(nproc)
  while [ $# -gt 0 ]; do
    case "$1" in
      --nodes) nodes=$2; shift 2 ;;
      --cpus) cpus=$2; shift 2 ;;
      *) die "unknown option $1 (up takes --nodes N, --cpus C)" ;;
    esac
  done
  [ "$nodes" -ge 1 ] 2>/dev/null && [ "$nodes" -le 32 ] || die "--nodes must be 1..32"
  [ "$cpus" -ge 1 ] 2>/dev/null || die "--cpus must be a positive number"
  [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces; slurmctld and slurmd run as root here)"
  install_packages
  [ -f "$STATE/pids" ] && { say "a previous cluster is still up; taking it down first"; down; }
  if command -v ss >/dev/null && ss -ltn 2>/dev/null | grep -qE ':(6817|6818) '; then
    die "ports 6817/6818 are in use (another Slurm runs here); stop it first"
  fi
  rm -rf "$STATE"
  mkdir -p "$STATE/munge" "$STATE/ctld" "$STATE/log"
  chmod 700 "$STATE/munge"
  : > "$STATE/pids"
  "$ROOT/scripts/local-cluster.sh" up "$nodes" --slots "$cpus" > "$STATE/log/cluster.log"

  # munge: its own key and socket, so a system munged (if any) is left alone.
  mungekey --create --keyfile "$STATE/munge/munge.key" 2>/dev/null || dd if=/dev/urandom of="$STATE/munge/munge.key" bs=1024 count=1 2>/dev/null
  chmod 400 "$STATE/munge/munge.key"
  munged --force --key-file "$STATE/munge/munge.key" --socket "$STATE/munge/munge.socket" \
    --pid-file "$STATE/munge/munged.pid" --log-file "$STATE/log/munged.log" --seed-file "$STATE/munge/munge.seed" \
    || die "munged did not start (see $STATE/log/munged.log)"
  wait_for 10 test -s "$STATE/munge/munged.pid" || die "munged did not write its pid file"
  echo "munged $(cat "$STATE/munge/munged.pid")" >> "$STATE/pids"

  local host
  host=$(hostname -s)
  {
    echo "# Written by scripts/local-slurm.sh up --nodes $nodes --cpus $cpus"
    echo "ClusterName=tandem"
    echo "SlurmctldHost=$host($NET.1)"
    echo "SlurmUser=root"
    echo "SlurmdUser=root"
    echo "AuthType=auth/munge"
    echo "CredType=cred/munge"
    echo "AuthInfo=socket=$STATE/munge/munge.socket"
    echo "StateSaveLocation=$STATE/ctld"
    echo "SlurmdSpoolDir=$STATE/spool-%n"
    echo "SlurmctldPidFile=$STATE/slurmctld.pid"
    echo "SlurmdPidFile=$STATE/slurmd-%n.pid"
    echo "SlurmctldLogFile=$STATE/log/slurmctld.log"
    echo "SlurmdLogFile=$STATE/log/slurmd-%n.log"
    echo "ProctrackType=proctrack/linuxproc"
    echo "TaskPlugin=task/none"
    echo "MpiDefault=none"
    echo "SwitchType=switch/none"
    echo "SchedulerType=sched/backfill"
    echo "SelectType=select/cons_tres"
    echo "SelectTypeParameters=CR_Core"
    echo "SlurmdParameters=config_overrides"
    echo "ReturnToService=2"
    echo "JobRequeue=1"
    echo "EnforcePartLimits=ALL"   # impossible requests are refused at submission, as on most clusters
    echo "AccountingStorageType=accounting_storage/none"
    echo "JobCompType=jobcomp/none"
    echo "InactiveLimit=0"
    echo "KillWait=10"
    echo "MinJobAge=600"
    echo "SlurmctldTimeout=30"
    echo "SlurmdTimeout=30"
    for i in $(seq 1 "$nodes"); do
      echo "NodeName=$NODE_PREFIX$i NodeAddr=$NET.$((i + 1)) NodeHostname=$NODE_PREFIX$i CPUs=$cpus State=UNKNOWN"
    done
    echo "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP"
  } > "$CONF"

  SLURM_CONF=$CONF slurmctld -i -f "$CONF" || die "slurmctld did not start (see $STATE/log/slurmctld.log)"
  wait_for 15 test -s "$STATE/slurmctld.pid" || die "slurmctld did not write its pid file (see $STATE/log/slurmctld.log)"
  echo "slurmctld $(cat "$STATE/slurmctld.pid")" >> "$STATE/pids"
  for i in $(seq 1 "$nodes"); do
    local node=$NODE_PREFIX$i
    mkdir -p "$STATE/spool-$node"
    # nsenter, not `ip netns exec`: that remounts /sys, hiding /sys/fs/cgroup, and slurmd then fails.
    nsenter --net="/var/run/netns/tslurm-node$i" env SLURM_CONF="$CONF" slurmd -f "$CONF" -N "$node" \
      || die "slurmd $node did not start (see $STATE/log/slurmd-$node.log)"
    wait_for 15 test -s "$STATE/slurmd-$node.pid" || die "slurmd $node did not write its pid file"
    echo "slurmd-$node $(cat "$STATE/slurmd-$node.pid")" >> "$STATE/pids"
  done
  wait_for 60 all_idle || die "the nodes did not become idle within 60 s: $(SLURM_CONF=$CONF sinfo -N 2>&1 | tr '\n' ' ') (logs in $STATE/log)"
  say "up: $nodes node(s) (${NODE_PREFIX}1..$NODE_PREFIX$nodes on $NET.2..$NET.$((nodes + 1))) of $cpus CPUs, partition debug; state in $STATE"
  say "use it with: eval \"\$($0 env)\""
}

down() {
  [ "$(id -u)" -eq 0 ] || die "needs root"
  if [ -f "$CONF" ] && [ -f "$STATE/pids" ] && grep -q '^slurmctld ' "$STATE/pids"; then
    # Jobs first, so their processes end the way Slurm ends them.
    SLURM_CONF=$CONF scancel --full --quiet --user=root 2>/dev/null || true
    wait_for 15 bash -c "[ -z \"\$(SLURM_CONF=$CONF squeue -h -t running,completing 2>/dev/null)\" ]" || true
  fi
  if [ -f "$STATE/pids" ]; then
    # slurmd and slurmctld first, munged last (they authenticate through it while stopping).
    tac "$STATE/pids" | while read -r name pid; do
      kill -0 "$pid" 2>/dev/null || continue
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      if kill -0 "$pid" 2>/dev/null; then say "$name ($pid) did not stop on SIGTERM; killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
    done
  fi
  # What is left in the nodes' namespaces (job steps) was started by this cluster: end it.
  for ns in $(ip netns list 2>/dev/null | awk 'index($1, "tslurm-node") == 1 {print $1}'); do
    local pids
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    if [ -n "$pids" ]; then kill -KILL $pids 2>/dev/null || true; fi
  done
  "$ROOT/scripts/local-cluster.sh" down >/dev/null 2>&1 || true
  rm -f "$STATE/pids"
  say "down"
}

status() {
  [ -f "$STATE/pids" ] || { say "not up"; return 1; }
  while read -r name pid; do
    if kill -0 "$pid" 2>/dev/null; then echo "$name $pid running"; else echo "$name $pid NOT running"; fi
  done < "$STATE/pids"
  SLURM_CONF=$CONF sinfo -N
  SLURM_CONF=$CONF squeue
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) down ;;
  status) status ;;
  env) env_lines ;;
  *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
