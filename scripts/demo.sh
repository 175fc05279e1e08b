#!/usr/bin/env bash
# Installs what is missing, builds, and trains an MLP on the bundled digits data with 2 MPI ranks.
. "$(dirname "$0")/lib.sh"
ensure_packages
ensure_swift
setup_mpi_env
log "building (release)"
swift build -c release --product tandem 2>&1 | tail -1
log "training examples/digits.yaml on 2 ranks"
"${MPIRUN[@]}" -np 2 .build/release/tandem train examples/digits.yaml --output runs/demo-digits --overwrite
acc=$(awk '/"test": \{/ {t=1} t && /"accuracy"/ {gsub(/[ ,]/, "", $2); print $2; exit}' runs/demo-digits/summary.json)
log "test accuracy: ${acc}   (run directory: runs/demo-digits)"
