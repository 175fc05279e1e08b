#!/usr/bin/env bash
# End-to-end tests of the prepared dataset and its cache under mpirun: mapped data trains to the
# same params_sha256 as in-memory data on 1, 2 and 3 ranks; preparation by 2 and 3 ranks (each
# parsing its byte range) writes the same bytes as 1 rank, across quoted line breaks, CRLF, a BOM,
# fewer rows than ranks, one row, a header only; a second run reuses the dataset;
# two jobs preparing into one cache at once; a damaged dataset is rebuilt; bad input ends every
# rank with the file's real line and leaves no prepared dataset.
# Usage: TANDEM=.build/debug/tandem scripts/e2e-data.sh   (scripts/test.sh runs it)
. "$(dirname "$0")/lib.sh"
setup_mpi_env
set +e
. "$(dirname "$0")/e2e-lib.sh"

# --- mapped (cache) vs in-memory (cache: off), 1/2/3 ranks ---------------------------------
# Each rank count prepares into its own cache (2 and 3 ranks parse by byte ranges): the prepared
# files must be byte-identical to the 1-rank preparation, and training gives the in-memory params_sha256.
for ex in digits breast_cancer; do
  for np in 1 2 3; do
    train $np "$WORK/$ex-mem$np" examples/$ex.yaml --set train.max_steps=10 --set data.cache=off || fail "$ex in memory on $np ranks" "$(tail -3 "$WORK/$ex-mem$np.log")"
    train $np "$WORK/$ex-map$np" examples/$ex.yaml --set train.max_steps=10 --set "data.cache=$WORK/cache$np" || fail "$ex mapped on $np ranks" "$(tail -3 "$WORK/$ex-map$np.log")"
    a=$(field "$WORK/$ex-mem$np" params_sha256); b=$(field "$WORK/$ex-map$np" params_sha256)
    if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "$ex on $np rank(s): mapped data gives the in-memory params_sha256 ${a:0:16}"; else fail "$ex on $np ranks: mapped vs in memory" "$a vs $b"; fi
    grep -q "data: prepared" "$WORK/$ex-map$np.log" || fail "$ex on $np ranks did not prepare" "$(head -2 "$WORK/$ex-map$np.log")"
    if [ $np -gt 1 ]; then
      if grep -q "data: $np ranks parsed" "$WORK/$ex-map$np.log" && cmp -s "$WORK"/cache1/$ex.csv-*[0-9a-f]/SHA256SUMS "$WORK"/cache$np/$ex.csv-*[0-9a-f]/SHA256SUMS; then
        ok "$ex: prepared by $np ranks in parallel, every file byte-identical to 1 rank's ($(grep -m1 -o "rows per rank: [0-9, ]*" "$WORK/$ex-map$np.log"))"
      else fail "$ex: parallel preparation on $np ranks differs from 1 rank's" "$(diff "$WORK"/cache1/$ex.csv-*[0-9a-f]/SHA256SUMS "$WORK"/cache$np/$ex.csv-*[0-9a-f]/SHA256SUMS | head -4)"; fi
    fi
  done
  train 2 "$WORK/$ex-again" examples/$ex.yaml --set train.max_steps=2 --set "data.cache=$WORK/cache3"
  grep -q "data: reusing prepared dataset" "$WORK/$ex-again.log" && ! grep -q "data: prepared" "$WORK/$ex-again.log" \
    && ok "$ex: later runs reuse it: $(grep -m1 reusing "$WORK/$ex-again.log" | cut -c1-120)" || fail "$ex: no reuse on the second run" "$(head -2 "$WORK/$ex-again.log")"
done

# --- range boundaries: tandem prepare on 1, 2 and 3 ranks gives the same bytes (or the same error) --
python3 - "$WORK" <<'PY'
import sys
w = sys.argv[1]
def write(name, text):
    open(f"{w}/{name}.csv", "w", newline="").write(text)
rows = [f'{i},{i * 0.25},"note {i}\nsecond line, with ""quotes""",{"a" if i % 3 else "b"}' for i in range(60)]
write("quoted", "x,v,note,y\n" + "\n".join(rows) + "\n")
write("crlf", "\ufeffx,v,note,y\r\n" + "\r\n".join(r.replace("\n", "\r\n") for r in rows))  # BOM, CRLF, no final line break
write("fewrows", "x,v,note,y\n1,2,p,a\n2,3,q,b\n")
write("onerow", "x,v,note,y\n1,2,p,3.5")  # one row: a regression target
write("headeronly", "x,v,note,y\n")
PY
for f in quoted crlf fewrows onerow headeronly; do
  task="--set data.task=classification"; [ $f = onerow ] && task="--set data.task=regression --set model.kind=linear"
  for np in 1 2 3; do
    timeout 120 "${MPIRUN[@]}" -np $np "$TANDEM" prepare examples/iris.yaml --set "data.path=$WORK/$f.csv" --set data.target=y $task \
      --set data.split.validation=0 --set data.split.test=0 --set data.split.method=random --output "$WORK/range-$f$np" >"$WORK/range-$f$np.log" 2>&1
    echo $? >"$WORK/range-$f$np.rc"
  done
  if [ "$f" = headeronly ]; then
    if [ "$(cat "$WORK"/range-${f}{1,2,3}.rc | sort -u)" != 0 ] && [ "$(grep -h -o 'headeronly.csv:1: the header has no data rows after it' "$WORK"/range-${f}{1,2,3}.log | wc -l)" -ge 3 ] \
       && [ ! -e "$WORK/range-${f}1" ] && [ ! -e "$WORK/range-${f}3" ]; then
      ok "header-only file: the same error on 1, 2 and 3 ranks, nothing prepared"
    else fail "header-only file on 1/2/3 ranks" "$(cat "$WORK"/range-${f}{1,2,3}.log | grep error | head -4)"; fi
    continue
  fi
  if [ "$(cat "$WORK"/range-${f}{1,2,3}.rc | sort -u)" = 0 ] && cmp -s "$WORK/range-${f}1/SHA256SUMS" "$WORK/range-${f}2/SHA256SUMS" \
     && cmp -s "$WORK/range-${f}1/SHA256SUMS" "$WORK/range-${f}3/SHA256SUMS"; then
    ok "$f.csv: prepared on 2 and 3 ranks byte-identical to 1 rank ($(grep -m1 -o 'rows per rank: [0-9, ]*' "$WORK/range-${f}3.log"))"
  else fail "$f.csv on 1/2/3 ranks" "$(tail -n 2 "$WORK"/range-${f}{1,2,3}.log)"; fi
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

# --- bad input: the job ends with the real line; nothing prepared is left --------------------
{ head -40 examples/data/iris.csv; echo "5.1,3.5,1.4"; sed -n '41,$p' examples/data/iris.csv; } >"$WORK/bad.csv"
expect_error "malformed record on 2 ranks" 2 "bad.csv:41: expected 5 fields" examples/iris.yaml --set "data.path=$WORK/bad.csv" --set "data.cache=$WORK/badcache"
out="$WORK/bad-$(echo "malformed record on 2 ranks" | tr -c 'a-z0-9' '-').log"
# (A job-wide error prints from the lowest rank only: JobFailure.)
if grep -q "rank 0: error: .*bad.csv:41" "$out" && [ -z "$(ls "$WORK/badcache" 2>/dev/null | grep -v '\.lock$')" ]; then
  ok "the job ends with bad.csv:41 and no prepared dataset is left"
else fail "bad input on every rank / leftovers" "$(grep error "$out"; ls -a "$WORK/badcache")"; fi

# --- a bad record in rank 1's byte range: every rank names the file's real line ------------------
python3 - "$WORK/late.csv" <<'PY'
import sys
lines = ["x,t,y"]
for i in range(200):
    lines.append(f'{i * 0.5},"multi\nline {i}",{i % 2}' if i % 4 == 0 else f"{i * 0.5},t{i % 5},{i % 2}")
bad = len("\n".join(lines).split("\n")) + 1   # the physical line of the next record
lines.append("1.5,oops")
lines += [f"{i},t1,0" for i in range(20)]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
open(sys.argv[1] + ".line", "w").write(str(bad))
PY
bad=$(cat "$WORK/late.csv.line")
expect_error "bad record in rank 1's range" 2 "late.csv:$bad: expected 3 fields" examples/iris.yaml --set "data.path=$WORK/late.csv" --set data.target=y --set "data.cache=$WORK/latecache"
out="$WORK/bad-$(echo "bad record in rank 1's range" | tr -c 'a-z0-9' '-').log"
if grep -q "rank 0: error: .*late.csv:$bad: expected 3 fields" "$out" && [ -z "$(ls "$WORK/latecache" 2>/dev/null | grep -v '\.lock$')" ]; then
  ok "rank 1's bad record ends the job with late.csv:$bad (a physical line past quoted line breaks); no prepared dataset is left"
else fail "bad record in rank 1's range on every rank / leftovers" "$(grep error "$out"; ls -a "$WORK/latecache")"; fi

# --- a number that overflows a double, in rank 1's range: the real line, on the parallel path ---
{ head -120 examples/data/iris.csv; echo "1e400,3.0,4.2,1.3,versicolor"; sed -n '121,$p' examples/data/iris.csv; } >"$WORK/overflow.csv"
expect_error "1e400 in rank 1's range" 2 "overflow.csv:121: column 'sepal_length': \"1e400\" overflows a 64-bit float" \
  examples/iris.yaml --set "data.path=$WORK/overflow.csv" --set "data.cache=$WORK/overflowcache"

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
