#!/usr/bin/env python3
"""Extract German running text from installed Debian packages, one paragraph per line.

Sources (install them first, see de-extra.sh): fortunes-de (sayings, anecdotes, jokes),
manpages-de (manual pages), libreoffice-help-de and debian-reference-de / debian-faq-de (HTML help).
Paragraphs shorter than MIN_CHARS characters or made mostly of non-letters are dropped, and
exact duplicates are written once. Usage: de_extra.py OUT.txt
"""
import gzip
import html.parser
import os
import re
import sys

MIN_CHARS = 40


def fortunes(root="/usr/share/games/fortunes/de"):
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if name.endswith(".dat") or name == "asciiart" or os.path.islink(path) or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for entry in f.read().split("\n%\n"):
                yield entry


ROFF_ESC = re.compile(r"\\f[BIRP]|\\f\([A-Z]{2}|\\\(..|\\[&|^e-]|\\s[+-]?\d")


def manpages(root="/usr/share/man/de"):
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if not name.endswith(".gz"):
                continue
            with gzip.open(os.path.join(dirpath, name), "rt", encoding="utf-8", errors="replace") as f:
                para = []
                for line in f:
                    line = line.rstrip("\n")
                    if line.startswith((".", "'")):
                        if line[:3] in (".PP", ".LP", ".P", ".SH", ".SS", ".TP", ".IP", ".sp", ".br"):
                            yield " ".join(para)
                            para = []
                        continue
                    para.append(ROFF_ESC.sub("", line))
                yield " ".join(para)


class HTMLText(html.parser.HTMLParser):
    BLOCK = {"p", "div", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "tr", "br", "dt", "dd", "title"}

    def __init__(self):
        super().__init__()
        self.paras, self.cur, self.skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        if tag in self.BLOCK:
            self.flush()

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1
        if tag in self.BLOCK:
            self.flush()

    def handle_data(self, data):
        if not self.skip:
            self.cur.append(data)

    def flush(self):
        self.paras.append(" ".join(self.cur))
        self.cur = []


def html_files(roots):
    for root in roots:
        for dirpath, _, files in sorted(os.walk(root)):
            for name in sorted(files):
                if not (name.endswith(".html") or name.endswith(".xhp")):
                    continue
                if root.endswith("debian-reference") and ".de." not in name:
                    continue
                p = HTMLText()
                with open(os.path.join(dirpath, name), encoding="utf-8", errors="replace") as f:
                    p.feed(f.read())
                p.flush()
                yield from p.paras


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: de_extra.py OUT.txt")
    out = sys.argv[1]
    seen, kept = set(), 0
    sources = [
        ("fortunes-de", fortunes()),
        ("manpages-de", manpages()),
        ("help", html_files(["/usr/share/libreoffice/help/de", "/usr/share/debian-reference",
                             "/usr/share/doc/debian/FAQ"])),
    ]
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as w:
        for name, paras in sources:
            n = 0
            for para in paras:
                text = " ".join(para.split())
                letters = sum(c.isalpha() for c in text)
                if len(text) < MIN_CHARS or letters < 0.6 * len(text) or text in seen:
                    continue
                seen.add(text)
                w.write(text + "\n")
                n += 1
            print(f"{name}: {n} paragraphs", file=sys.stderr)
            kept += n
        w.flush()
        os.fsync(w.fileno())
    os.replace(tmp, out)
    print(f"{out}: {kept} paragraphs", file=sys.stderr)


if __name__ == "__main__":
    main()
