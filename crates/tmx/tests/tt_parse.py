"""Parses a TMX file with translate-toolkit and prints its units as JSON.

Usage: python3 tt_parse.py FILE.tmx
Output: {"units": [[[lang, text], ...], ...]}, one list of variants per unit,
text as translate-toolkit's getNodeText gives it (markup content included).
Used by clients.rs to check that tmkit's TMX reads the same in another tool.
"""
import json
import sys

from translate.storage import tmx

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def main(path):
    store = tmx.tmxfile.parsefile(path)
    units = []
    for unit in store.units:
        variants = []
        for node in unit.getlanguageNodes():
            variants.append([node.get(XML_LANG), unit.getNodeText(node)])
        units.append(variants)
    json.dump({"units": units}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
