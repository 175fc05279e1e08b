#!/usr/bin/env bash
# Seeded fuzzing of CSVs, configs, model files, checkpoints (checksums recomputed) and HTTP
# requests (scripts/fuzz.py says what counts as a failure). scripts/test.sh runs a small budget;
# by hand, a large one:
#   TANDEM=.build/debug/tandem scripts/fuzz.sh                 # FUZZ_SEED=1 FUZZ_CASES=25
#   FUZZ_SEED=7 FUZZ_CASES=1000 TANDEM=.build/debug/tandem scripts/fuzz.sh
. "$(dirname "$0")/lib.sh"
setup_mpi_env
set +e
TANDEM=${TANDEM:-$ROOT/.build/debug/tandem}
WORK=$(mktemp -d /tmp/tandem-fuzz.XXXXXX)
python3 "$ROOT/scripts/fuzz.py" --tandem "$TANDEM" --work "$WORK" --seed "${FUZZ_SEED:-1}" --cases "${FUZZ_CASES:-25}" \
  --timeout "${FUZZ_TIMEOUT:-60}"
rc=$?
if [ $rc -eq 0 ]; then rm -rf "$WORK"; else echo "fuzz: cases kept in $WORK"; fi
exit $rc
