#!/usr/bin/env python3
"""Concatenation as augmentation for GermEval fine-tuning (germeval.sh FT_TRAIN=...).

A post is violent when any part of it is, so two posts written one after the other make a new
example whose label is the OR of theirs. Writes TRAIN.csv followed by K pairs per training text: the
text, then (or, at random, before it) another text drawn at random, joined by a space, labelled 1 when
either is. The partner is drawn among the texts that keep the pair within MAX space-separated units
(default 100: below the 128 tokens fine-tuning keeps of a pre-segmented text), so that a cut never
hides the part that makes a pair positive; a text longer than MAX alone gets no pairs. Each short
explicit positive then appears in many contexts, which rewards the classifier for what the violent
words say wherever they stand, as the bag-of-n-grams baselines score them.
Ids of the pairs are <id>+<id>.

  concat_aug.py TRAIN.csv OUT.csv K [MAX [SEED]]
"""
import bisect
import csv
import random
import sys

LABEL = "violence"


def main():
    if len(sys.argv) not in (4, 5, 6):
        sys.exit(__doc__)
    src, out, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else 100
    rng = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 0)
    with open(src, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    size = [len(r["text"].split()) for r in rows]
    by_size = sorted(range(len(rows)), key=size.__getitem__)
    sizes = [size[j] for j in by_size]
    pairs = []
    for i, a in enumerate(rows):
        # partners: the texts short enough to pair with a, a prefix of by_size
        n = bisect.bisect_right(sizes, limit - size[i])
        for _ in range(k if n else 0):
            b = rows[by_size[rng.randrange(n)]]
            first, second = (a, b) if rng.random() < 0.5 else (b, a)
            pairs.append({**first, "id": f"{first['id']}+{second['id']}",
                          "text": f"{first['text']} {second['text']}",
                          LABEL: str(max(int(first[LABEL]), int(second[LABEL])))})
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows + pairs)
    pos = sum(int(r[LABEL]) for r in pairs)
    print(f"{out}: {len(rows)} texts and {len(pairs)} pairs ({pos} positive)", file=sys.stderr)


if __name__ == "__main__":
    main()
