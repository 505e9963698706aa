#!/usr/bin/env python3
"""Makes the evaluation set of `crates/engine/examples/useful.rs`: a memory
and held-out queries, both under target/useful/ (never committed).

    python3 bench/useful_split.py [--input ../shared/bigtm/bigtm.tsv.gz]
        [--holdout 2000] [--seed 16] [--out target/useful]

Units whose French side is an exact duplicate of an earlier unit's are
dropped (the file is deduplicated on its French side already, so this only
guards the rule); then `--holdout` units drawn at random with a fixed seed
become the queries (`queries.tsv`: `line<TAB>french<TAB>english`, the line
being 0-based in the input) and the rest the memory (`memory.tsv`, the
input's lines as they are, so that tmkit imports them as it imports the
input). The input has no domain column, so the draw is not stratified; the
queries follow the domains' shares of the memory.
"""

import argparse
import gzip
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", default=os.path.join(HERE, "..", "..", "shared", "bigtm", "bigtm.tsv.gz"))
    ap.add_argument("--holdout", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--out", default=os.path.join(HERE, "..", "target", "useful"))
    a = ap.parse_args()

    lines = []
    seen = set()
    dups = 0
    with gzip.open(a.input, "rt", encoding="utf-8", newline="\n") as f:
        for i, line in enumerate(f):
            line = line.rstrip("\n")
            src = line.split("\t", 1)[0]
            if src in seen:
                dups += 1
                continue
            seen.add(src)
            lines.append((i, line))
    held = set(random.Random(a.seed).sample(range(len(lines)), a.holdout))
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "memory.tsv"), "w", encoding="utf-8", newline="\n") as mem, \
            open(os.path.join(a.out, "queries.tsv"), "w", encoding="utf-8", newline="\n") as qs:
        for k, (i, line) in enumerate(lines):
            if k in held:
                qs.write(f"{i}\t{line}\n")
            else:
                mem.write(line + "\n")
    print(f"{len(lines) + dups} units read, {dups} exact duplicate sources dropped, "
          f"{len(lines) - len(held)} in the memory, {len(held)} held out (seed {a.seed})")


if __name__ == "__main__":
    main()
