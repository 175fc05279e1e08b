#!/usr/bin/env bash
# A multi-node test bed on one machine: N network namespaces ("nodes") joined by veth pairs to a
# bridge, each with its own private address, so OpenMPI runs ranks on separate "hosts" that talk
# over real TCP. Only addresses inside namespaces this script creates are used (10.231.0.0/24).
#
#   scripts/local-cluster.sh up 2 [--slots 2] [--rate 100mbit]   # create; ranks per node; optionally cap each link (tc tbf)
#   scripts/local-cluster.sh status
#   scripts/local-cluster.sh down
#   mpirun $(scripts/local-cluster.sh mpirun-args) -np 2 .build/release/tandem train examples/digits.yaml
#
# `mpirun-args` prints the flags that make mpirun start each rank inside the namespace named by
# its host (scripts/netns-agent as the launcher) and use TCP on the bridge. Needs root.
# LOCAL_CLUSTER_NAME=NAME LOCAL_CLUSTER_NET=10.232.0 makes a second, separate test bed (names
# NAME-node1.., bridge and veths NAME-*, hostfile hostfiles/NAME); scripts/local-slurm.sh uses one.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME=${LOCAL_CLUSTER_NAME:-}
PREFIX=${NAME:-tandem}-node
BRIDGE=${NAME:-tdm}-br0
VETH=${NAME:-tdm}
NET=${LOCAL_CLUSTER_NET:-10.231.0}
HOSTFILE="$ROOT/hostfiles/${NAME:-local-cluster}"

need_root() { [ "$(id -u)" -eq 0 ] || { echo "local-cluster: needs root (network namespaces)" >&2; exit 1; }; }

up() {
  need_root
  local n=${1:-2} rate="" slots=1
  shift || true
  while [ $# -gt 0 ]; do case "$1" in --rate) rate=$2; shift 2 ;; --slots) slots=$2; shift 2 ;; *) echo "unknown option $1" >&2; exit 2 ;; esac; done
  [ "$slots" -ge 1 ] 2>/dev/null || { echo "local-cluster: --slots must be a positive number" >&2; exit 2; }
  [ "$n" -ge 1 ] && [ "$n" -le 200 ] || { echo "local-cluster: N must be 1..200" >&2; exit 2; }
  down >/dev/null 2>&1 || true
  ip link add "$BRIDGE" type bridge
  ip addr add "$NET.1/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  : > "$HOSTFILE.tmp"
  for i in $(seq 1 "$n"); do
    local ns="$PREFIX$i" host="$NET.$((i + 1))"
    ip netns add "$ns"
    ip link add "$VETH-v$i" type veth peer name "$VETH-p$i"
    ip link set "$VETH-p$i" netns "$ns"
    ip link set "$VETH-v$i" master "$BRIDGE" up
    ip -n "$ns" link set lo up
    ip -n "$ns" link set "$VETH-p$i" name eth0
    ip -n "$ns" addr add "$host/24" dev eth0
    ip -n "$ns" link set eth0 up
    if [ -n "$rate" ]; then
      tc qdisc add dev "$VETH-v$i" root tbf rate "$rate" burst 256kb latency 50ms
      ip netns exec "$ns" tc qdisc add dev eth0 root tbf rate "$rate" burst 256kb latency 50ms
    fi
    echo "$host slots=$slots" >> "$HOSTFILE.tmp"
  done
  { echo "# Written by scripts/local-cluster.sh up $n: $slots slot(s) per namespace \"node\"."; cat "$HOSTFILE.tmp"; } > "$HOSTFILE"
  rm -f "$HOSTFILE.tmp"
  echo "local-cluster: $n nodes up ($NET.2 .. $NET.$((n + 1))${rate:+, links capped at $rate}); hostfile $HOSTFILE"
}

down() {
  need_root
  for ns in $(ip netns list | awk -v p="$PREFIX" 'index($1, p) == 1 {print $1}'); do ip netns del "$ns"; done
  for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "^$VETH-v[0-9]+\$" || true); do ip link del "$l" 2>/dev/null || true; done
  ip link show "$BRIDGE" >/dev/null 2>&1 && ip link del "$BRIDGE"
  echo "local-cluster: down"
}

status() {
  ip netns list | awk -v p="$PREFIX" 'index($1, p) == 1' || true
  [ -f "$HOSTFILE" ] && cat "$HOSTFILE"
}

# rtc_hwloc_vmhole none: the remote daemons (orted) otherwise map the hwloc topology into the
# "biggest" hole of their address space, which crashed about 1 start in 4 here (a segfault in
# hwloc_shmem_topology_write during orte_init); ranks then read the topology themselves.
mpirun_args() {
  echo "--hostfile $HOSTFILE --mca plm_rsh_agent $ROOT/scripts/netns-agent --mca btl self,tcp --mca btl_tcp_if_include $NET.0/24 --mca oob_tcp_if_include $NET.0/24 --mca rtc_hwloc_vmhole none"
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) down ;;
  status) status ;;
  mpirun-args) mpirun_args ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
