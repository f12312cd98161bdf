#!/usr/bin/env python3
"""How alike a model's word embeddings are, frequent tokens against rare ones (needs numpy).

For each MODEL_DIR (a Vigil or Hugging Face BERT directory with model.safetensors), prints the mean
cosine similarity of 3,000 random pairs of word embeddings (seed 0) among ids 100-1999 (frequent:
WordPiece gives early merges the small ids) and among the upper half of the vocabulary (rare). With the
MLM decoder tied to the embeddings, a token that is rarely a target gets mostly the softmax's push away
from the contexts it is not in, the same push for every rare token, so rare embeddings drift toward one
direction: a high similarity among the rare half is that degeneration.

  /usr/bin/python3 tools/experiments/embedding_spread.py runs/germeval-dex/pre runs/germeval-v16000/pre
"""
import json
import os
import struct
import sys

import numpy as np

NAME = "bert.embeddings.word_embeddings.weight"


def embeddings(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        meta = header[NAME]
        if meta["dtype"] != "F32":
            sys.exit(f"{path}: {NAME} is {meta['dtype']}, want F32")
        start, end = meta["data_offsets"]
        f.seek(8 + n + start)
        return np.frombuffer(f.read(end - start), dtype=np.float32).reshape(meta["shape"])


def mean_cosine(unit, lo, hi, rng, pairs=3000):
    i, j = rng.integers(lo, hi, pairs), rng.integers(lo, hi, pairs)
    return float((unit[i] * unit[j]).sum(axis=1).mean())


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print("| model | vocabulary | mean cosine, ids 100-1999 | mean cosine, upper half |\n|---|---:|---:|---:|")
    for d in sys.argv[1:]:
        e = embeddings(os.path.join(d, "model.safetensors")).astype(np.float64)
        norms = np.linalg.norm(e, axis=1, keepdims=True)
        unit = e / np.where(norms == 0, 1, norms)
        rng = np.random.default_rng(0)
        v = len(e)
        print(f"| {d} | {v} | {mean_cosine(unit, 100, 2000, rng):.3f} | {mean_cosine(unit, v // 2, v, rng):.3f} |")


if __name__ == "__main__":
    main()
