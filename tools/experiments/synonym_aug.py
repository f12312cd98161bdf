#!/usr/bin/env python3
"""Synonym replacement as augmentation for GermEval fine-tuning (germeval.sh FT_TRAIN=...).

Writes TRAIN.csv followed by K copies in which each word that OpenThesaurus lists (same case, four
letters or more; thesaurus-de.sh writes the groups) is replaced with probability P by a random
one-word member of its groups. Ids of the copies end in -s0, -s1, ...

  synonym_aug.py TRAIN.csv THESAURUS.txt OUT.csv K P
"""
import collections
import csv
import random
import re
import sys

WORD = re.compile(r"[A-Za-zÄÖÜäöüß]+")


def synonyms(path):
    """Every one-word thesaurus entry mapped to the other one-word entries of its groups, sorted."""
    syn = collections.defaultdict(set)
    with open(path, encoding="utf-8") as f:
        for line in f:
            group = [w.strip() for w in line.split(",")]
            single = [w for w in group if WORD.fullmatch(w) and len(w) >= 4]
            for w in single:
                syn[w].update(v for v in single if v.lower() != w.lower())
    return {w: sorted(v) for w, v in syn.items() if v}


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    src, thesaurus, dst, k, p = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    syn = synonyms(thesaurus)
    rng = random.Random(17)
    replaced = 0

    def replace(m):
        nonlocal replaced
        w = m.group(0)
        choices = syn.get(w)
        if not choices or rng.random() >= p:
            return w
        replaced += 1
        return rng.choice(choices)

    with open(src, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(dst, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["id", "text", "violence"])
        w.writeheader()
        w.writerows(rows)
        for c in range(k):
            for r in rows:
                w.writerow({"id": f"{r['id']}-s{c}", "text": WORD.sub(replace, r["text"]), "violence": r["violence"]})
    print(f"{dst}: {len(syn)} words with synonyms, {replaced} replaced in {k} copies of {len(rows)} texts",
          file=sys.stderr)


if __name__ == "__main__":
    main()
