#!/usr/bin/env python3
"""Checks tmkit's SRX engine against SrxReference.java (java.util.regex).

    javac -d /tmp/srxref crates/segment/tools/SrxReference.java
    cargo run --release -p tmkit-segment --example score -- --dump /tmp/rs
    python3 crates/segment/tools/compare_java.py /tmp/rs

Compares, case by case, the sentences of LanguageTool's rules on
golden_en.jsonl and testdata/fr_news.jsonl, then runs the SRX cases of
testdata/srx_engine.toml through Java and compares them with the expected
sentences. Prints the agreement and the first disagreements.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
CRATE = os.path.dirname(HERE)
SHARED = os.path.join(CRATE, "..", "..", "..", "shared", "seg")
SRX = os.path.join(SHARED, "srx", "languagetool_segment.srx")
CLASSES = os.environ.get("SRXREF_CLASSES", "/tmp/srxref")


def java(srx, lang, texts):
    inp = "".join(base64.b64encode(t.encode()).decode() + "\n" for t in texts)
    r = subprocess.run(["java", "-cp", CLASSES, "SrxReference", srx, lang], input=inp.encode(), capture_output=True, check=True)
    sys.stderr.write(r.stderr.decode())
    out = []
    for line in r.stdout.decode().splitlines():
        s = base64.b64decode(line).decode()
        out.append([x for x in s.split("\x01") if x])
    return out


def norm(xs):
    return [" ".join(x.split()) for x in xs]


def compare_sets(prefix):
    for path, lang in [(os.path.join(CRATE, "testdata", "fr_news.jsonl"), "fr"), (os.path.join(SHARED, "golden_en.jsonl"), "en")]:
        cases = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
        ours = [json.loads(l) for l in open(f"{prefix}.{os.path.basename(path)}.srx.jsonl", encoding="utf-8")]
        theirs = java(SRX, lang, [c["text"] for c in cases])
        diff = [(c["text"], j, k) for c, j, k in zip(cases, theirs, ours) if norm(j) != norm(k)]
        print(f"{os.path.basename(path)} ({lang}), LanguageTool rules: {len(cases) - len(diff)}/{len(cases)} cases agree")
        for text, j, k in diff[:5]:
            print(f"  text: {text[:200]!r}\n  java: {j}\n  tmkit: {k}")


def compare_toml():
    data = tomllib.load(open(os.path.join(CRATE, "testdata", "srx_engine.toml"), "rb"))
    ok = 0
    for case in data["case"]:
        if "rules" in case:
            xml = ('<?xml version="1.0" encoding="UTF-8"?><srx xmlns="http://www.lisa.org/srx20" version="2.0">'
                   '<header segmentsubflows="yes" cascade="yes"/><body><languagerules>'
                   f'<languagerule languagerulename="T">{case["rules"]}</languagerule></languagerules>'
                   '<maprules><languagemap languagepattern=".*" languagerulename="T"/></maprules></body></srx>')
            fd, path = tempfile.mkstemp(suffix=".srx")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(xml)
        else:
            path = os.path.join(SHARED, "srx", case["srx_file"])
        got = java(path, case["lang"], [case["text"]])[0]
        if got == case["sentences"]:
            ok += 1
        else:
            print(f"  {case['name']}: java {got}, expected {case['sentences']}")
    print(f"srx_engine.toml: {ok}/{len(data['case'])} cases split by Java as expected")


if __name__ == "__main__":
    compare_sets(sys.argv[1] if len(sys.argv) > 1 else "/tmp/rs")
    compare_toml()
