#!/usr/bin/env bash
# End-to-end tests of the prepared dataset and its cache under mpirun: mapped data trains to the
# same params_sha256 as in-memory data on 1, 2 and 3 ranks; a second run reuses the dataset;
# two jobs preparing into one cache at once; a damaged dataset is rebuilt; bad input ends every
# rank with the file's real line and leaves no prepared dataset.
# Usage: TANDEM=.build/debug/tandem scripts/e2e-data.sh   (scripts/test.sh runs it)
. "$(dirname "$0")/lib.sh"
setup_mpi_env
set +e
. "$(dirname "$0")/e2e-lib.sh"

# --- mapped (cache) vs in-memory (cache: off), 1/2/3 ranks ---------------------------------
for ex in digits breast_cancer; do
  for np in 1 2 3; do
    train $np "$WORK/$ex-mem$np" examples/$ex.yaml --set train.max_steps=10 --set data.cache=off || fail "$ex in memory on $np ranks" "$(tail -3 "$WORK/$ex-mem$np.log")"
    train $np "$WORK/$ex-map$np" examples/$ex.yaml --set train.max_steps=10 --set "data.cache=$WORK/cache" || fail "$ex mapped on $np ranks" "$(tail -3 "$WORK/$ex-map$np.log")"
    a=$(field "$WORK/$ex-mem$np" params_sha256); b=$(field "$WORK/$ex-map$np" params_sha256)
    if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "$ex on $np rank(s): mapped data gives the in-memory params_sha256 ${a:0:16}"; else fail "$ex on $np ranks: mapped vs in memory" "$a vs $b"; fi
  done
  grep -q "data: prepared" "$WORK/$ex-map1.log" && ok "$ex: the first run prepared the dataset" || fail "$ex first run did not prepare" "$(head -2 "$WORK/$ex-map1.log")"
  grep -q "data: reusing prepared dataset" "$WORK/$ex-map2.log" && ! grep -q "data: prepared" "$WORK/$ex-map2.log" \
    && ok "$ex: later runs reuse it: $(grep -m1 reusing "$WORK/$ex-map2.log" | cut -c1-120)" || fail "$ex: no reuse on the second run" "$(head -2 "$WORK/$ex-map2.log")"
done

# --- tandem prepare under mpirun, inspect, then train reuses ------------------------------------
if timeout 120 "${MPIRUN[@]}" -np 2 "$TANDEM" prepare examples/iris.yaml --output "$WORK/iris-prepared" >"$WORK/prepare.log" 2>&1 \
   && "$TANDEM" inspect "$WORK/iris-prepared" >"$WORK/inspect.log" 2>&1 && grep -q "checksums ok" "$WORK/inspect.log"; then
  ok "tandem prepare on 2 ranks, and tandem inspect verifies it: $(sed -n 3p "$WORK/inspect.log")"
else fail "tandem prepare / inspect" "$(tail -3 "$WORK/prepare.log" "$WORK/inspect.log")"; fi
train 2 "$WORK/iris-direct" examples/iris.yaml --set "data.path=$WORK/iris-prepared" --set train.max_steps=5 \
  && ok "data.path may name a prepared dataset" || fail "training from data.path = prepared dataset" "$(tail -3 "$WORK/iris-direct.log")"

# --- two jobs preparing into one cache at once -------------------------------------------------
( train 2 "$WORK/conc-a" examples/digits.yaml --set train.max_steps=2 --set "data.cache=$WORK/shared" ) &
( train 1 "$WORK/conc-b" examples/digits.yaml --set train.max_steps=2 --set "data.cache=$WORK/shared" ) &
wait
n=$(cat "$WORK/conc-a.log" "$WORK/conc-b.log" | grep -c "data: prepared")
if [ -f "$WORK/conc-a/summary.json" ] && [ -f "$WORK/conc-b/summary.json" ] && [ "$n" = 1 ] \
   && "$TANDEM" inspect "$(ls -d "$WORK"/shared/digits.csv-*[0-9a-f] | head -1)" >/dev/null 2>&1; then
  ok "two jobs on one cache path at once: one prepared, the other waited and reused; the dataset verifies"
else fail "concurrent preparation" "prepared $n times; $(tail -2 "$WORK/conc-a.log" "$WORK/conc-b.log")"; fi

# --- a damaged dataset is rebuilt with one warning -----------------------------------------------
d=$(ls -d "$WORK"/shared/digits.csv-*[0-9a-f] | head -1)
truncate -s -4 "$d/columns/c0010.f4"
train 2 "$WORK/damaged" examples/digits.yaml --set train.max_steps=2 --set "data.cache=$WORK/shared"
if [ -f "$WORK/damaged/summary.json" ] && [ "$(grep -c "warning: prepared dataset" "$WORK/damaged.log")" = 1 ] && grep -q "c0010.f4" "$WORK/damaged.log"; then
  ok "a truncated column is detected and rebuilt: $(grep -m1 "warning: prepared" "$WORK/damaged.log" | cut -c1-150)"
else fail "damaged dataset" "$(head -3 "$WORK/damaged.log")"; fi

# --- bad input: every rank ends with the real line; nothing prepared is left --------------------
{ head -40 examples/data/iris.csv; echo "5.1,3.5,1.4"; sed -n '41,$p' examples/data/iris.csv; } >"$WORK/bad.csv"
expect_error "malformed record on 2 ranks" 2 "bad.csv:41: expected 5 fields" examples/iris.yaml --set "data.path=$WORK/bad.csv" --set "data.cache=$WORK/badcache"
out="$WORK/bad-$(echo "malformed record on 2 ranks" | tr -c 'a-z0-9' '-').log"
if grep -q "rank 0: error: .*bad.csv:41" "$out" && [ -z "$(ls "$WORK/badcache" 2>/dev/null | grep -v '\.lock$')" ]; then
  ok "the job reports bad.csv:41 once (the lowest rank that found it) and no prepared dataset is left"
else fail "bad input on every rank / leftovers" "$(grep error "$out"; ls -a "$WORK/badcache")"; fi

# --- a full disk during preparation names the path and leaves nothing half-written -------------
mkdir -p "$WORK/full"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=64k tmpfs "$WORK/full" 2>/dev/null; then
  train 2 "$WORK/fullrun" examples/digits.yaml --set train.max_steps=2 --set "data.cache=$WORK/full"; rc=$?
  if [ $rc -ne 0 ] && grep -q "error: cannot write $WORK/full/.digits.csv-.*: No space left on device" "$WORK/fullrun.log" \
     && [ -z "$(ls -A "$WORK/full" | grep -v '\.lock$')" ]; then
    ok "disk full while preparing: $(grep -m1 -o 'error: cannot write.*' "$WORK/fullrun.log" | sed "s|$WORK/||" | cut -c1-110); nothing left"
  else fail "disk full while preparing (rc $rc)" "$(grep -m1 error "$WORK/fullrun.log"; ls -A "$WORK/full")"; fi
  umount "$WORK/full"
else
  echo "skip  disk-full test: needs root to mount a small tmpfs"
fi

summary
