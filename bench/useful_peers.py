#!/usr/bin/env python3
"""The Python peers of `crates/engine/examples/useful.rs`: for each held-out
query, a full scan of the memory's sources with rapidfuzz's `fuzz.ratio`,
`fuzz.token_sort_ratio` and `fuzz.WRatio` (`process.extract`, their default
settings: no preprocessing) and translate-toolkit's
`LevenshteinComparer.similarity` (its Levenshtein scorer, 200-character
cut, `stoppercentage` = the threshold), keeping the best 5 at or above the
threshold. The example runs it and scores the targets as it scores tmkit's.

    python3 -m venv target/bench-venv
    target/bench-venv/bin/pip install rapidfuzz translate-toolkit sacrebleu
    target/bench-venv/bin/python bench/useful_peers.py --dir target/useful \
        [--queries 200] [--top 5] [--min 50] [--scorers ratio,WRatio,...]
        [--out peers.tsv]

Reads `DIR/memory.tsv` and `DIR/queries.tsv` (made by bench/useful_split.py)
and writes `DIR/peers.tsv` (or `--out`), one line per scorer and query:
`scorer<TAB>query index<TAB>milliseconds<TAB>hits`, then per hit
`score<TAB>target` with the target as the memory holds it (a TSV field).
"""

import argparse
import heapq
import os
import sys
import time

from rapidfuzz import fuzz, process
from translate.search.lshtein import LevenshteinComparer

ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


def tsv_text(field):
    """The text of a TSV field, as tmkit reads it (`tsv_text`)."""
    if "\\" not in field:
        return field
    out, i = [], 0
    while i < len(field):
        c = field[i]
        if c == "\\" and i + 1 < len(field) and field[i + 1] in ESCAPES:
            out.append(ESCAPES[field[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="target/useful")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--min", type=int, default=50)
    ap.add_argument("--scorers", default="ratio,token_sort_ratio,WRatio,translate")
    ap.add_argument("--out", default="peers.tsv", help="file name in --dir")
    a = ap.parse_args()

    sources, targets = [], []
    with open(os.path.join(a.dir, "memory.tsv"), encoding="utf-8", newline="\n") as f:
        for line in f:
            s, _, t = line.rstrip("\n").partition("\t")
            sources.append(tsv_text(s))
            targets.append(t)
    queries = []
    with open(os.path.join(a.dir, "queries.tsv"), encoding="utf-8", newline="\n") as f:
        for line in f:
            queries.append(tsv_text(line.rstrip("\n").split("\t")[1]))
    queries = queries[: a.queries]
    print(f"memory {len(sources)} units, {len(queries)} queries", file=sys.stderr)

    rapid = {"ratio": fuzz.ratio, "token_sort_ratio": fuzz.token_sort_ratio, "WRatio": fuzz.WRatio}
    lev = LevenshteinComparer(max_len=200)
    with open(os.path.join(a.dir, a.out), "w", encoding="utf-8", newline="\n") as out:
        for name in a.scorers.split(","):
            t_all = time.perf_counter()
            for k, q in enumerate(queries):
                t = time.perf_counter()
                if name in rapid:
                    res = process.extract(q, sources, scorer=rapid[name], limit=a.top,
                                          score_cutoff=a.min)
                    hits = [(sc, i) for _, sc, i in res]
                else:
                    scored = ((lev.similarity(q, s, a.min), i) for i, s in enumerate(sources))
                    hits = heapq.nlargest(a.top, (h for h in scored if h[0] >= a.min),
                                          key=lambda h: (h[0], -h[1]))
                ms = (time.perf_counter() - t) * 1e3
                cols = [name, str(k), f"{ms:.3f}", str(len(hits))]
                for sc, i in hits:
                    cols += [f"{sc:.3f}", targets[i]]
                out.write("\t".join(cols) + "\n")
            print(f"{name}: {len(queries)} queries in {time.perf_counter() - t_all:.1f} s",
                  file=sys.stderr)


if __name__ == "__main__":
    main()
