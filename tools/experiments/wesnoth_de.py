#!/usr/bin/env python3
"""Write the German messages of The Battle for Wesnoth's translations, one per line.

Reads every locale/de/LC_MESSAGES/*.mo under ROOT (wesnoth-de.sh unpacks the Debian packages there),
removes markup and $variables, splits messages at line breaks and keeps the lines of four or more
words, each once. Usage: wesnoth_de.py ROOT OUT.txt
"""
import gettext
import glob
import os
import re
import sys

MARKUP = re.compile(r"<[^>]+>")
VARIABLE = re.compile(r"\$[\w.]+\|?")


def lines(root):
    for path in sorted(glob.glob(os.path.join(root, "**/locale/de/LC_MESSAGES/*.mo"), recursive=True)):
        with open(path, "rb") as f:
            catalog = gettext.GNUTranslations(f)._catalog
        for msgid, msgstr in sorted(catalog.items(), key=lambda kv: str(kv[0])):
            if not msgid or not isinstance(msgstr, str):
                continue
            text = VARIABLE.sub("", MARKUP.sub("", msgstr))
            for line in text.split("\n"):
                line = " ".join(line.split())
                if len(line.split()) >= 4:
                    yield line


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: wesnoth_de.py ROOT OUT.txt")
    seen = set()
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        for line in lines(sys.argv[1]):
            if line not in seen:
                seen.add(line)
                out.write(line + "\n")
    print(f"wrote {len(seen)} lines to {sys.argv[2]}", file=sys.stderr)


if __name__ == "__main__":
    main()
