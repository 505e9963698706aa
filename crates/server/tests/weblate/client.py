"""Weblate's tmserver machinery (TMServerTranslation) against a running
`tmkit serve`, without a database.

Usage: python client.py BASE_URL CASES_JSON, where CASES_JSON is a list of
[name, prefix, source_language, target_language, text]. Prints one JSON
object: the language pairs Weblate downloads, the outcome of its settings
check, and for each case the suggestions Weblate keeps (threshold 75).
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weblate.settings_test")
os.environ.setdefault("CI_DATABASE", "postgresql")

import django  # noqa: E402

django.setup()

from weblate.machinery.tmserver import TMServerTranslation  # noqa: E402


def machine(base, prefix):
    return TMServerTranslation({"url": base + prefix})


def main():
    base, cases = sys.argv[1], json.loads(sys.argv[2])
    tmserver = machine(base, "/tmserver")
    out = {"languages": sorted(list(p) for p in tmserver.download_languages())}
    try:
        tmserver.validate_settings()
        out["validate"] = "ok"
    except Exception as error:  # the message is what the test shows
        out["validate"] = f"{type(error).__name__}: {error}"
    for name, prefix, source, target, text in cases:
        found = machine(base, prefix).download_translations(
            source, target, text, None, None, 75
        )
        out[name] = [[s["source"], s["text"], s["quality"]] for s in found]
    print(json.dumps(out, ensure_ascii=False))


main()
