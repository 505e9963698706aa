#!/bin/sh
# Load on `tmkit serve`: tmserver lookups of the dev queries over 64
# connections on loopback (wrk, from Debian), on the 1.65M-unit memory;
# then the same while a 100k-unit import runs through the API; then, with
# PEER=N, translate-toolkit 3.18.1's tmserver (the last release that has
# one) on the first N units, the same queries and load.
#
#     bench/serve_load.sh                 # tmkit alone
#     PEER=100000 bench/serve_load.sh     # and translate-toolkit's tmserver
#     SECS=30 CONNS=64 bench/serve_load.sh
#
# Needs target/release/tmkit (cargo build --release --bin tmkit), wrk
# (apt-get install wrk) and, for PEER, a venv:
#     python3 -m venv target/bench-tt-venv
#     target/bench-tt-venv/bin/pip install 'translate-toolkit[tmserver]==3.18.1'
# Imports the memory once into target/bench-serve/tm (kept: delete it to
# import again). Reads ../shared/bigtm/ (never copied into the repository);
# docs/BENCHMARKS.md ("tmkit serve under load") records a run.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
B="$ROOT/target/release/tmkit"
BIG=${TMKIT_BIGTM:-"$ROOT/../shared/bigtm/bigtm.tsv.gz"}
QUERIES=${TMKIT_QUERIES:-"$ROOT/../shared/bigtm/dev_queries.tsv"}
W="$ROOT/target/bench-serve"
SECS=${SECS:-30}
CONNS=${CONNS:-64}
PEER=${PEER:-0}
mkdir -p "$W"
echo "machine: $(nproc) cores, $(uptime | sed 's/.*load average/load average/')"
echo "tmkit: $(cd "$ROOT" && git rev-parse --short HEAD); wrk: $(wrk -v 2>&1 | head -n 1)"

if [ ! -d "$W/tm" ]; then
  # Exit 2: 1,224 units hold control characters that TMX cannot, skipped.
  "$B" import "$BIG" --db "$W/tm" --src-lang fr --tgt-lang en 2> "$W/import-errors.log" || [ $? -eq 2 ]
fi

# Request paths of the dev queries, quoted as Weblate quotes them.
python3 - "$QUERIES" "$W/paths.txt" <<'PY'
import csv, sys
from urllib.parse import quote
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE))
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for r in rows:
        out.write("/tmserver/fr/en/unit/" + quote(r["fr_query"][:500], safe="") + "\n")
PY
echo "queries: $(wc -l < "$W/paths.txt")"

# serve DIR: starts tmkit serve on DIR, sets ADDR and PID.
serve() {
  rm -f "$W/serve.log"
  "$B" serve --db "$1" --addr 127.0.0.1:0 --token-file "$W/token" --max-body 64 --timeout 600 2> "$W/serve.log" &
  PID=$!
  until grep -q 'listening on' "$W/serve.log" 2>/dev/null; do
    kill -0 "$PID" || { cat "$W/serve.log"; exit 1; }
    sleep 0.1
  done
  ADDR=$(sed -n 's/.*listening on http:\/\///p' "$W/serve.log")
}
load() { # load LABEL URL
  echo "== $1"
  TMKIT_PATHS="$W/paths.txt" wrk -t 2 -c "$CONNS" -d "${SECS}s" -s "$HERE/serve_paths.lua" "$2" | grep '^result:'
}

head -c 24 /dev/urandom | base64 > "$W/token"
serve "$W/tm"
t0=$(date +%s.%N)
curl -s -o /dev/null "http://$ADDR$(head -n 1 "$W/paths.txt")"
echo "first lookup (builds the pair's memory): $(echo "$(date +%s.%N) - $t0" | bc) s"
load "tmkit serve: $CONNS connections of tmserver lookups, ${SECS} s" "http://$ADDR"

# 100k units that the memory does not hold (the first 100k, numbered), as
# a TSV file imported through the API while the load runs.
if [ ! -f "$W/import.tsv" ]; then
  gzip -dc "$BIG" | head -n 100000 | awk -F '\t' '{ print "[import] " $1 "\t[import] " $2 }' > "$W/import.tsv"
fi
(
  t=$(date +%s.%N)
  curl -s -o "$W/import.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $(cat "$W/token")" \
    --data-binary @"$W/import.tsv" "http://$ADDR/api/tmkit/v1/import?name=import.tsv&src_lang=fr&tgt_lang=en" > "$W/import.code"
  echo "$(date +%s.%N) - $t" | bc > "$W/import.secs"
) &
IMPORT=$!
load "the same while a 100k-unit import runs through the API" "http://$ADDR"
wait "$IMPORT"
echo "import: HTTP $(cat "$W/import.code") in $(cat "$W/import.secs") s: $(cut -c 1-200 "$W/import.json")"
kill -TERM "$PID"; wait "$PID" || true

if [ "$PEER" -gt 0 ]; then
  TT="$ROOT/target/bench-tt-venv/bin"
  if [ ! -f "$W/tt-$PEER.db" ]; then
    gzip -dc "$BIG" | head -n "$PEER" > "$W/peer.tsv"
    # The same units as TMX for build_tmdb (control characters, which XML
    # forbids, dropped).
    python3 - "$W/peer.tsv" "$W/peer.tmx" <<'PY'
import re, sys
from xml.sax.saxutils import escape
bad = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
with open(sys.argv[2], "w", encoding="utf-8") as o:
    o.write('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header creationtool="bench" '
            'creationtoolversion="1" datatype="plaintext" segtype="sentence" adminlang="en" srclang="fr" '
            'o-tmf="bench"/><body>\n')
    for line in open(sys.argv[1], encoding="utf-8"):
        fr, en = bad.sub("", line.rstrip("\n")).split("\t")[:2]
        o.write(f'<tu><tuv xml:lang="fr"><seg>{escape(fr)}</seg></tuv><tuv xml:lang="en"><seg>{escape(en)}</seg></tuv></tu>\n')
    o.write("</body></tmx>\n")
PY
    t=$(date +%s)
    "$TT/build_tmdb" -d "$W/tt-$PEER.db" -s fr -t en "$W/peer.tmx"
    echo "translate-toolkit build_tmdb of $PEER units: $(( $(date +%s) - t )) s"
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$TT/tmserver" -d "$W/tt-$PEER.db" -b 127.0.0.1 -p "$port" > "$W/tt.log" 2>&1 &
  TPID=$!
  until curl -s -o /dev/null "http://127.0.0.1:$port/tmserver/fr/en/unit/x"; do
    kill -0 "$TPID" || { cat "$W/tt.log"; exit 1; }
    sleep 0.2
  done
  # build_tmdb 3.18.1 records a TMX's units as en→en whatever -s and -t
  # say: ask it for en/en, or it finds nothing.
  sed 's|^/tmserver/fr/en/|/tmserver/en/en/|' "$W/paths.txt" > "$W/paths-en.txt"
  TMKIT_PATHS="$W/paths-en.txt" wrk -t 2 -c "$CONNS" -d "${SECS}s" --timeout 60s -s "$HERE/serve_paths.lua" \
    "http://127.0.0.1:$port" | grep '^result:' | sed 's/^/translate-toolkit 3.18.1 tmserver, first '"$PEER"' units: /'
  kill "$TPID"; wait "$TPID" || true
  # tmkit on the same prefix, for the ratio at equal size.
  [ -d "$W/peer-tm" ] || "$B" import "$W/peer.tsv" --db "$W/peer-tm" --src-lang fr --tgt-lang en \
    > /dev/null 2>&1 || [ $? -eq 2 ]
  serve "$W/peer-tm"
  curl -s -o /dev/null "http://$ADDR$(head -n 1 "$W/paths.txt")"
  load "tmkit serve, the same first $PEER units" "http://$ADDR"
  kill -TERM "$PID"; wait "$PID" || true
fi
