#!/usr/bin/env python3
"""Peer baseline for `crates/fuzzy/examples/bench_bigtm.rs`: rapidfuzz
`process.extract` over the same sources and the same queries.

    python3 -m venv /tmp/venv-rf && /tmp/venv-rf/bin/pip install rapidfuzz
    /tmp/venv-rf/bin/python bench/rapidfuzz_lookup.py [--lines N] [--holdout H]
        [--queries Q] [--top 5] [--min 50]

Memory: the first N lines of ../shared/bigtm/bigtm.tsv.gz minus H held-out
lines at the end of that prefix (lines that are the origin of a dev query are
kept), exactly as the Rust harness selects them. Queries: the first Q dev
queries and the first Q held-out sources (a full scan costs a few hundred
milliseconds a query at full size, so all 1,500 would take many minutes).
Scorer: rapidfuzz's normalized Levenshtein similarity, 100 * (1 - lev / max),
the definition of tmkit's `chars` scorer; one worker (one core).
"""

import argparse
import gzip
import os
import statistics
import time

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "bigtm")


def pct(xs, p):
    xs = sorted(xs)
    return xs[round((len(xs) - 1) * p)] * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=None)
    ap.add_argument("--holdout", type=int, default=500)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--min", type=int, default=50)
    a = ap.parse_args()

    t0 = time.perf_counter()
    sources = []
    with gzip.open(os.path.join(SHARED, "bigtm.tsv.gz"), "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if a.lines is not None and i >= a.lines:
                break
            sources.append(line.rstrip("\n").split("\t")[0])
    n = len(sources)
    dev = []
    with open(os.path.join(SHARED, "dev_queries.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            dev.append((int(cols[3]), cols[4]))
    keep = {d[0] for d in dev}
    held = [i for i in range(max(0, n - a.holdout), n) if i not in keep]
    held_set = set(held)
    keys = [i for i in range(n) if i not in held_set]
    memory = [sources[i] for i in keys]
    print(f"read {n} lines in {time.perf_counter() - t0:.1f} s; memory {len(memory)} units, "
          f"{len(held)} held out; rapidfuzz process.extract, Levenshtein.normalized_similarity, "
          f"top {a.top}, min {a.min}")

    for name, queries in (("dev queries", [d[1] for d in dev[: a.queries]]),
                          ("held-out sources", [sources[i] for i in held[: a.queries]])):
        times = []
        hits = 0
        for q in queries:
            t = time.perf_counter()
            res = process.extract(q, memory, scorer=Levenshtein.normalized_similarity,
                                  limit=a.top, score_cutoff=a.min / 100.0)
            times.append(time.perf_counter() - t)
            hits += bool(res)
        print(f"{name}: {len(times)} queries, p50 {pct(times, 0.5):.3f} ms, "
              f"p95 {pct(times, 0.95):.3f} ms, p99 {pct(times, 0.99):.3f} ms, "
              f"max {max(times) * 1e3:.3f} ms, mean {statistics.mean(times) * 1e3:.3f} ms; "
              f"{hits} with a hit")


if __name__ == "__main__":
    main()
