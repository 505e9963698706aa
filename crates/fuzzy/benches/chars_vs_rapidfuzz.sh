#!/bin/sh
# The `chars` scorer on the memory of ../shared/bigtm/, index and full scan
# (crates/fuzzy/examples/bench_bigtm.rs), then rapidfuzz's `process.extract`
# (bench/rapidfuzz_lookup.py) on the same sources and the same queries, one
# after the other in one run. Figures: docs/BENCHMARKS.md.
#
#     sh crates/fuzzy/benches/chars_vs_rapidfuzz.sh [LINES] [QUERIES] [SAMPLE]
#
# LINES: the first LINES lines of bigtm.tsv.gz (default: all); QUERIES: the
# first QUERIES dev queries and held-out sources (default 50); SAMPLE: how
# many of each the full scan also runs (default 20).
set -eu
cd "$(dirname "$0")/../../.."
LINES=${1:-}
QUERIES=${2:-50}
SAMPLE=${3:-20}
VENV=target/bench-venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet rapidfuzz
fi
cargo build --release -p tmkit-fuzzy --example bench_bigtm
if [ -n "$LINES" ]; then
    set -- --lines "$LINES"
else
    set --
fi
uptime
target/release/examples/bench_bigtm "$@" --scorer chars --queries "$QUERIES" --sample "$SAMPLE"
uptime
"$VENV/bin/python" -c 'import rapidfuzz; print("rapidfuzz", rapidfuzz.__version__)'
"$VENV/bin/python" bench/rapidfuzz_lookup.py "$@" --queries "$QUERIES"
uptime
