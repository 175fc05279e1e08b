#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit tests (swift test) and the mpirun
# end-to-end tests (scripts/e2e.sh).
. "$(dirname "$0")/lib.sh"
ensure_packages
ensure_swift
setup_mpi_env
log "building (debug, with tests)"
swift build --build-tests 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' | tail -5
log "unit tests"
swift test --skip-build 2>&1 | tee /tmp/tandem-unit.log
grep -q "Test run with .* passed" /tmp/tandem-unit.log || { echo "unit tests failed" >&2; exit 1; }
log "end-to-end tests (mpirun)"
TANDEM="$ROOT/.build/debug/tandem" scripts/e2e.sh
TANDEM="$ROOT/.build/debug/tandem" scripts/e2e-resume.sh
