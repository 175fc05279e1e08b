#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit tests (swift test) and the mpirun
# end-to-end tests (scripts/e2e.sh, e2e-resume.sh, e2e-data.sh, e2e-parallel.sh, e2e-norm.sh, e2e-sweep.sh, e2e-serve.sh, e2e-slurm.sh), then a
# small fuzzing budget.
. "$(dirname "$0")/lib.sh"
ensure_packages
ensure_slurm_packages
ensure_swift
setup_mpi_env
# The cross-checks against reference implementations (Python's safetensors, TensorBoard's event
# reader and onnxruntime) run when python3 can have those packages; set them up in a private
# virtual environment under .build/ (skipped, with the tests saying so, when that is not possible).
if command -v python3 >/dev/null && ! python3 -c "import numpy, safetensors, tensorboard, onnxruntime, optuna, yaml, sklearn" 2>/dev/null; then
  if [ ! -x .build/python/bin/python3 ]; then
    log "setting up .build/python (numpy, safetensors, tensorboard) for the reference cross-checks"
    python3 -m venv .build/python >/dev/null 2>&1 && timeout 600 .build/python/bin/python3 -m pip install --quiet numpy safetensors tensorboard >/dev/null 2>&1 \
      || { echo "note: could not install numpy/safetensors/tensorboard; those cross-checks will be skipped"; rm -rf .build/python; }
  fi
  # onnxruntime on its own: without it only the ONNX cross-check is skipped.
  if [ -x .build/python/bin/python3 ] && ! .build/python/bin/python3 -c "import onnxruntime" 2>/dev/null; then
    log "adding onnxruntime to .build/python for the ONNX cross-check"
    timeout 600 .build/python/bin/python3 -m pip install --quiet onnxruntime >/dev/null 2>&1 \
      || echo "note: could not install onnxruntime; the ONNX cross-check will be skipped"
  fi
  # optuna on its own too: without it only the Optuna journal cross-check is skipped.
  if [ -x .build/python/bin/python3 ] && ! .build/python/bin/python3 -c "import optuna" 2>/dev/null; then
    log "adding optuna to .build/python for the Optuna journal cross-check"
    timeout 600 .build/python/bin/python3 -m pip install --quiet optuna >/dev/null 2>&1 \
      || echo "note: could not install optuna; the Optuna journal cross-check will be skipped"
  fi
  # scikit-learn: the quantile transform's reference (QuantileTransformTests).
  if [ -x .build/python/bin/python3 ] && ! .build/python/bin/python3 -c "import sklearn" 2>/dev/null; then
    timeout 600 .build/python/bin/python3 -m pip install --quiet scikit-learn >/dev/null 2>&1 \
      || echo "note: could not install scikit-learn; the quantile transform cross-check will be skipped"
  fi
  # PyYAML: checks that config.yaml's floats read as floats in a YAML 1.1 reader.
  if [ -x .build/python/bin/python3 ] && ! .build/python/bin/python3 -c "import yaml" 2>/dev/null; then
    timeout 300 .build/python/bin/python3 -m pip install --quiet pyyaml >/dev/null 2>&1 \
      || echo "note: could not install pyyaml; the YAML 1.1 float cross-check will be skipped"
  fi
  [ -x .build/python/bin/python3 ] && export PATH="$ROOT/.build/python/bin:$PATH"
fi
log "building (debug, with tests)"
swift build --build-tests 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' | tail -5
log "unit tests"
# The unit tests make their scratch directories under TMPDIR: a private one, removed when they
# pass (kept, and named, when they fail), so test runs do not pile up directories in /tmp.
UNIT_TMP=$(mktemp -d /tmp/tandem-unit.XXXXXX)
UNIT_LOG="$UNIT_TMP.log"
TMPDIR="$UNIT_TMP" swift test --skip-build 2>&1 | tee "$UNIT_LOG"
grep -q "Test run with .* passed" "$UNIT_LOG" || { echo "unit tests failed (log: $UNIT_LOG; their scratch files: $UNIT_TMP)" >&2; exit 1; }
rm -rf "$UNIT_TMP" "$UNIT_LOG"
log "end-to-end tests (mpirun)"
TANDEM="$ROOT/.build/debug/tandem" scripts/e2e.sh
TANDEM="$ROOT/.build/debug/tandem" scripts/e2e-resume.sh
TANDEM="$ROOT/.build/debug/tandem" scripts/e2e-data.sh
TANDEM="$ROOT/.build/debug/tandem" scripts/e2e-parallel.sh
TANDEM="$ROOT/.build/debug/tandem" scripts/e2e-norm.sh
TANDEM="$ROOT/.build/debug/tandem" scripts/e2e-sweep.sh
TANDEM="$ROOT/.build/debug/tandem" scripts/e2e-serve.sh
TANDEM="$ROOT/.build/debug/tandem" scripts/e2e-slurm.sh
log "fuzzing (small seeded budget; scripts/fuzz.sh by hand for a large one)"
TANDEM="$ROOT/.build/debug/tandem" FUZZ_SEED=1 FUZZ_CASES=40 scripts/fuzz.sh
