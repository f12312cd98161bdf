#!/usr/bin/env python3
"""Write the German thesaurus OpenThesaurus (Debian mythes-de, LGPL) as text, one synonym group per line.

A masked-LM that reads "töten, ermorden, umbringen, kaltmachen, umlegen" learns to predict each word
from its synonyms, so rare and colloquial words get embeddings near common ones. Each group of
/usr/share/mythes/th_de_DE_v2.dat (a line "-|term|term|...") is written once, with its usage notes
such as "(ugs.)" or "(Oberbegriff)" removed and its terms joined by ", "; groups of one term are
dropped. Usage: thesaurus_de.py OUT.txt
"""
import re
import sys

SOURCE = "/usr/share/mythes/th_de_DE_v2.dat"
NOTE = re.compile(r"\([^()]*\)")


def groups(path=SOURCE):
    seen = set()
    with open(path, encoding="utf-8") as f:
        next(f)  # encoding line
        for line in f:
            if not line.startswith("-|"):
                continue
            terms = []
            for term in line.rstrip("\n").split("|")[1:]:
                term = " ".join(NOTE.sub(" ", term).split())
                if term and term not in terms:
                    terms.append(term)
            group = ", ".join(terms)
            if len(terms) > 1 and group not in seen:
                seen.add(group)
                yield group


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: thesaurus_de.py OUT.txt")
    n = 0
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        for g in groups():
            out.write(g + "\n")
            n += 1
    print(f"{n} synonym groups written to {sys.argv[1]}", file=sys.stderr)


if __name__ == "__main__":
    main()
