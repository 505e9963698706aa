#!/bin/sh
# Opening the stored match index: a new `tmkit lookup` process answering one
# dev query, on the first 100k and 1M units of the 1.65M-unit memory and on
# all of it, then `tmkit bench lookup` (warm lookups, recall of the full
# scan's top-1) on each.
#
#     bench/open_bigtm.sh [SIZES]     # default SIZES: "100000 1000000 all"
#     RUNS=10 RECALL=50 bench/open_bigtm.sh
#
# Builds the release binary; imports each prefix once into
# target/bench-open/N/ (kept between runs: delete the directory to import
# again, which also times the import with index maintenance). Per size:
# RUNS new processes with the page cache warm (median wall ms and peak RSS,
# each from /usr/bin/time), then one after dropping the page cache when this
# user may (`echo 3 > /proc/sys/vm/drop_caches`; it says so when it may not).
# Reads ../shared/bigtm/ (never copied into the repository); docs/BENCHMARKS.md
# ("Opening the stored index") records a run.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
B="$ROOT/target/release/tmkit"
BIG=${TMKIT_BIGTM:-"$ROOT/../shared/bigtm/bigtm.tsv.gz"}
QUERIES=${TMKIT_QUERIES:-"$ROOT/../shared/bigtm/dev_queries.tsv"}
W="$ROOT/target/bench-open"
SIZES=${1:-"100000 1000000 all"}
RUNS=${RUNS:-10}
RECALL=${RECALL:-50}
PAIR="--src-lang fr --tgt-lang en"

(cd "$ROOT" && cargo build --release --bin tmkit)
mkdir -p "$W"
echo "machine: $(nproc) cores, $(uptime | sed 's/.*load average/load average/')"
echo "tmkit: $(cd "$ROOT" && git rev-parse --short HEAD)"

# The first dev query: the fr_query column of the first data line.
COL=$(head -n 1 "$QUERIES" | tr '\t' '\n' | grep -n -x 'fr_query' | cut -d: -f1)
Q=$(sed -n 2p "$QUERIES" | cut -f "$COL")
echo "query: $Q"

# median: the middle value of the numbers on stdin (the lower one of an even count).
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# one DB: runs the lookup once as a new process; prints "WALL_MS RSS_KB EXIT".
one() {
  t0=$(date +%s%N)
  set +e
  /usr/bin/time -o "$W/time" -f "%M" "$B" lookup --db "$1" $PAIR -- "$Q" >"$W/lookup.out" 2>"$W/lookup.err"
  code=$?
  set -e
  t1=$(date +%s%N)
  echo "$(((t1 - t0) / 1000000)) $(tail -n 1 "$W/time") $code"
}

for n in $SIZES; do
  db="$W/$n"
  if [ ! -d "$db" ]; then
    if [ "$n" = all ]; then src="$BIG"; else src="$W/bigtm-$n.tsv"; zcat "$BIG" | head -n "$n" >"$src"; fi
    echo "== import of $n units (with index maintenance)"
    /usr/bin/time -o "$W/time" -f "wall %e s, user %U s, sys %S s, peak RSS %M KB" \
      "$B" import "$src" --db "$db" $PAIR >"$W/import.out" 2>"$W/import.err" || true
    cat "$W/import.out" "$W/time"
    echo "units skipped (control characters TMX cannot hold): $(grep -c 'unit skipped' "$W/import.err" || true)"
    [ "$n" = all ] || rm -f "$src"
  fi
  units=$("$B" stats --db "$db" --json | sed 's/.*"units":\([0-9]*\).*/\1/')
  index=$(du -sk "$db/index" | cut -f1)
  total=$(du -sk "$db" | cut -f1)
  echo "== $n: $units units; index $((index / 1024)) MiB on disk, the store without it $(((total - index) / 1024)) MiB"
  one "$db" >/dev/null # warms the cache (and would build an index a store lacked)
  grep -v '^$' "$W/lookup.err" | head -n 3 || true
  head -n 2 "$W/lookup.out"
  : >"$W/runs"
  i=0
  while [ "$i" -lt "$RUNS" ]; do one "$db" >>"$W/runs"; i=$((i + 1)); done
  echo "warm, $RUNS new processes: wall ms $(cut -d' ' -f1 "$W/runs" | tr '\n' ' ')"
  echo "warm, $RUNS new processes: peak RSS KB $(cut -d' ' -f2 "$W/runs" | tr '\n' ' ')"
  echo "warm median: $(cut -d' ' -f1 "$W/runs" | median) ms, $(($(cut -d' ' -f2 "$W/runs" | median) / 1024)) MiB; exit codes $(cut -d' ' -f3 "$W/runs" | sort -u | tr '\n' ' ')"
  echo "== tmkit bench lookup, $n"
  "$B" bench lookup --db "$db" $PAIR --queries "$QUERIES" --recall-sample "$RECALL"
  # Last: what runs after it reads from disk again.
  if sync && (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then
    set -- $(one "$db")
    echo "cold (page cache dropped), one process: $1 ms, $(($2 / 1024)) MiB, exit $3"
  else
    echo "cold: not measured (this user may not write /proc/sys/vm/drop_caches)"
  fi
done
