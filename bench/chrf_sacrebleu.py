#!/usr/bin/env python3
"""Writes crates/fuzzy/testdata/chrf_sacrebleu.tsv: sentence pairs and the
chrF sacrebleu gives them, the reference values of tmkit's `chrf` test.

    target/bench-venv/bin/pip install sacrebleu==2.6.0
    target/bench-venv/bin/python bench/chrf_sacrebleu.py

The sentences are written here (no corpus is copied): pairs of different
sentences, sentences with words dropped, swapped, retyped or recased, with
punctuation and numbers changed, spacing changed (tabs, no-break spaces), and
edge cases (empty, whitespace only, shorter than 6 characters). Fixed seed.
"""

import os
import random

import sacrebleu
from sacrebleu.metrics import CHRF

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "crates", "fuzzy", "testdata", "chrf_sacrebleu.tsv")

SENTENCES = [
    "The file could not be opened.",
    "The folder could not be found.",
    "Click Save to keep your changes.",
    "Are you sure you want to delete 3 files?",
    "The member for Calgary raised a point of order.",
    "I would like to thank the minister for his answer.",
    "A man in a red jacket is riding a bicycle.",
    "Two dogs are playing in the snow.",
    "She has lived in Montreal since 1998.",
    "Unable to connect to the server %s.",
    "Show hidden files",
    "Quit",
    "Error: permission denied (code 13)",
    "The government will table the bill next week.",
    "We must protect our fisheries on both coasts.",
    "Tom doesn't know what Mary wants.",
    "Press Ctrl+Q to quit the application.",
    "Naïve café owners café-hop in Zürich — déjà vu!",
    "Page 3 of 12",
    "The committee heard 42 witnesses over two days.",
]


def variants(s, rng):
    words = s.split()
    out = []
    if len(words) > 2:
        i = rng.randrange(len(words))
        out.append(" ".join(words[:i] + words[i + 1:]))
        j = rng.randrange(len(words) - 1)
        w = list(words)
        w[j], w[j + 1] = w[j + 1], w[j]
        out.append(" ".join(w))
    k = rng.randrange(len(s))
    out.append(s[:k] + "x" + s[k + 1:])
    out.append(s.lower())
    out.append(s.upper())
    out.append(s.rstrip(".!?") + "!")
    out.append(s.replace(" ", "\u00a0", 1).replace(" ", "\t", 1))
    out.append("".join(ch for ch in s if not ch.isdigit()) + " 2024")
    out.append(s + " " + s)
    return out


def field(t):
    return t.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def main():
    rng = random.Random(16)
    pairs = []
    for s in SENTENCES:
        for v in variants(s, rng):
            pairs.append((v, s))
            pairs.append((s, v))
    for _ in range(120):
        a, b = rng.sample(SENTENCES, 2)
        pairs.append((a, b))
    pairs += [("", "Quit"), ("Quit", ""), ("", ""), ("   ", "Quit"), ("ab", "abc"),
              ("Quit", "Quit"), ("a", "a"), ("aaaaaaa", "aaa"), ("Qu it", "Quit")]
    chrf = CHRF()  # chrF2: char_order 6, word_order 0, beta 2, whitespace removed
    assert chrf.char_order == 6 and chrf.word_order == 0 and chrf.beta == 2
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(f"# chrF (sacrebleu {sacrebleu.__version__}, CHRF() defaults)"
                "\thypothesis\treference; made by bench/chrf_sacrebleu.py\n")
        for hyp, ref in pairs:
            score = chrf.sentence_score(hyp, [ref]).score
            f.write(f"{score!r}\t{field(hyp)}\t{field(ref)}\n")
    print(f"{len(pairs)} pairs written to {OUT}")


if __name__ == "__main__":
    main()
