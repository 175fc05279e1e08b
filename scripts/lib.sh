# Shared by the scripts: install what is missing, find the toolchain, set up OpenMPI for root.
# Source it: . "$(dirname "$0")/lib.sh"
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

APT_PACKAGES=(libopenmpi-dev openmpi-bin libblas-dev liblapack-dev liblapacke-dev libopenblas-dev pkg-config curl)

log() { printf '==> %s\n' "$*"; }

# Installs the system packages Tandem builds against, when any is missing.
ensure_packages() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "error: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Installs Slurm and munge for scripts/e2e-slurm.sh (a real single-host Slurm) when missing; best
# effort: where they cannot be installed, those tests say so and are skipped.
ensure_slurm_packages() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null && return 0
  [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null || { echo "note: slurm-wlm and munge are not installed (needs root and apt-get); the Slurm tests will be skipped"; return 0; }
  log "installing slurm-wlm and munge (for the Slurm tests)"
  { env DEBIAN_FRONTEND=noninteractive apt-get update -qq && env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge; } >/dev/null 2>&1 \
    || echo "note: could not install slurm-wlm and munge; the Slurm tests will be skipped"
}

# Puts swift on PATH (it lives in /opt/swift/usr/bin on these machines).
ensure_swift() {
  if ! command -v swift >/dev/null; then
    for d in /opt/swift/usr/bin /usr/share/swift/usr/bin; do [ -x "$d/swift" ] && export PATH="$d:$PATH"; done
  fi
  command -v swift >/dev/null || { echo "error: the Swift toolchain (6.0 or newer) is not installed; see https://www.swift.org/install/linux/" >&2; exit 1; }
}

# OpenMPI refuses to run as root without these; in containers the CMA single-copy path fails.
setup_mpi_env() {
  if [ "$(id -u)" -eq 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  fi
  export OMPI_MCA_btl_vader_single_copy_mechanism=none
  # Keep OpenMPI quiet about missing high-speed interconnects on single machines.
  export OMPI_MCA_btl="${OMPI_MCA_btl:-self,vader,tcp}"
}

# mpirun with the flags a single machine needs; more ranks than cores is allowed.
MPIRUN=(mpirun --oversubscribe)
