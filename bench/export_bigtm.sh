#!/bin/sh
# The whole 1.65M-unit memory exported as TMX, checked against the TMX 1.4
# DTD, imported again, and loaded by OmegaT, each step timed.
#
#     cargo build --release --bin tmkit
#     bench/export_bigtm.sh [WORKDIR]          # default WORKDIR: /tmp/tmkit-export-bigtm
#     TMKIT_BIGTM=sample.tsv.gz bench/export_bigtm.sh   # a smaller memory, to try the script
#
# Needs xmllint (libxml2-utils) and, for the peer, OmegaT 3.6
# (/usr/share/omegat/OmegaT.jar, Debian's omegat package) and java. Reads
# ../shared/bigtm/ (never copied into the repository). Prints one line per
# step; docs/BENCHMARKS.md records a run.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
B="$ROOT/target/release/tmkit"
TSV=${TMKIT_BIGTM:-"$ROOT/../shared/bigtm/bigtm.tsv.gz"}
DTD="$ROOT/tmx/spec/tmx14.dtd"
JAR=/usr/share/omegat/OmegaT.jar
W=${1:-/tmp/tmkit-export-bigtm}
TIME='wall %e s, user %U s, sys %S s, peak RSS %M KB'
# timed NAME CMD...: runs CMD, then prints NAME and its times (CMD's own
# stderr is left alone, and its stdout may be redirected).
exec 3>&1
timed() { name=$1; shift; /usr/bin/time -o "$W/time" -f "$name: $TIME" "$@"; s=$?; cat "$W/time" >&3; return $s; }

rm -rf "$W" && mkdir -p "$W"
units() { "$B" stats --db "$1" --json | sed 's/.*"units":\([0-9]*\).*/\1/'; }

echo "== import of $TSV"
timed import "$B" import "$TSV" --db "$W/db" --src-lang fr --tgt-lang en \
  --no-messages >"$W/import.out" 2>"$W/import.err" || true
cat "$W/import.out"
echo "skipped, by reason:"; sed 's/^[^ ]* [^ ]* //' "$W/import.err" | cut -c1-60 | sort | uniq -c | sort -rn | head -n 5
echo "units stored: $(units "$W/db")"

echo "== export as TMX"
timed export "$B" export --db "$W/db" --src-lang fr --tgt-lang en -o "$W/big.tmx"
ls -l "$W/big.tmx" | awk '{print "TMX size: " $5 " bytes"}'
echo "<tu> elements: $(grep -c '^    <tu' "$W/big.tmx")"

echo "== xmllint --stream --dtdvalid $DTD"
timed xmllint xmllint --stream --noout --nonet --dtdvalid "$DTD" "$W/big.tmx" \
  2>"$W/xmllint.err" && echo "xmllint: exit 0"
echo "xmllint messages: $(wc -l <"$W/xmllint.err") line(s)"; head -n 5 "$W/xmllint.err"

echo "== import of the exported TMX into a new store"
timed re-import "$B" import "$W/big.tmx" --db "$W/db2" >"$W/reimport.out"
cat "$W/reimport.out"
echo "units stored again: $(units "$W/db2") (first store: $(units "$W/db"))"

if [ -f "$JAR" ] && command -v java >/dev/null; then
  echo "== OmegaT 3.6 loading the same TMX (tm/auto); the document: the memory's first 20 sources"
  for p in empty big; do
    P="$W/omegat-$p"
    mkdir -p "$P/source" "$P/target" "$P/tm/auto" "$P/glossary" "$P/dictionary" "$P/omegat" "$P/config"
    zcat "$TSV" | head -n 20 | cut -f 1 | sed 's/$/\n/' >"$P/source/doc.txt"
    cat >"$P/omegat.project" <<'EOF'
<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<omegat>
  <project version="1.0">
    <source_dir>__DEFAULT__</source_dir>
    <source_dir_excludes/>
    <target_dir>__DEFAULT__</target_dir>
    <tm_dir>__DEFAULT__</tm_dir>
    <glossary_dir>__DEFAULT__</glossary_dir>
    <glossary_file>__DEFAULT__</glossary_file>
    <dictionary_dir>__DEFAULT__</dictionary_dir>
    <source_lang>fr</source_lang>
    <target_lang>en</target_lang>
    <source_tok>org.omegat.tokenizer.LuceneFrenchTokenizer</source_tok>
    <target_tok>org.omegat.tokenizer.LuceneEnglishTokenizer</target_tok>
    <sentence_seg>false</sentence_seg>
    <support_default_translations>true</support_default_translations>
    <remove_tags>false</remove_tags>
  </project>
</omegat>
EOF
  done
  ln -s "$W/big.tmx" "$W/omegat-big/tm/auto/big.tmx"
  for p in empty big; do
    P="$W/omegat-$p"
    timed "OmegaT ($p tm/auto)" java -Djava.awt.headless=true -jar "$JAR" "$P" \
      --mode=console-translate --config-dir="$P/config" --disable-project-locking \
      >"$P.out" 2>"$P.err" || echo "OmegaT ($p) failed: see $P.err"
    echo "TF_TM_LOAD_ERROR lines: $(grep -c TF_TM_LOAD_ERROR "$P.err" || true)"
    grep '^Total:\|^Remaining:' "$P/omegat/project_stats.txt" | awk '{print $1, $2, "segments"}' || true
  done
fi
