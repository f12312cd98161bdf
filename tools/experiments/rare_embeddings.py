#!/usr/bin/env python3
"""Copy a model directory with the rare word embeddings reset or centred (needs numpy).

A test of the degeneration embedding_spread.py measures: if the pretrained rare embeddings, drawn
toward one direction by the tied MLM decoder, hurt fine-tuning, then a copy whose rare rows are
repaired should fine-tune better than the pretrained model as it is.

  /usr/bin/python3 tools/experiments/rare_embeddings.py MODE FROM_ID MODEL_DIR OUT_DIR

MODE is "random" (rows FROM_ID.. drawn afresh from N(0, 0.02), as an untrained model starts, seed 0)
or "center" (the mean of rows FROM_ID.. subtracted from each of them, which keeps their differences
and removes the shared direction). Every other file is copied unchanged.
"""
import json
import os
import shutil
import struct
import sys

import numpy as np

NAME = "bert.embeddings.word_embeddings.weight"


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("random", "center"):
        sys.exit(__doc__)
    mode, lo, src, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    if os.path.exists(dst):
        sys.exit(f"{dst} exists")
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("trainer_state*", "report*"))
    path = os.path.join(dst, "model.safetensors")
    with open(path, "r+b") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        meta = json.loads(f.read(n))[NAME]
        if meta["dtype"] != "F32":
            sys.exit(f"{path}: {NAME} is {meta['dtype']}, want F32")
        start, end = meta["data_offsets"]
        f.seek(8 + n + start)
        e = np.frombuffer(f.read(end - start), dtype=np.float32).reshape(meta["shape"]).copy()
        if not 0 < lo < len(e):
            sys.exit(f"FROM_ID {lo} is outside the vocabulary of {len(e)}")
        if mode == "random":
            e[lo:] = np.random.default_rng(0).normal(0, 0.02, e[lo:].shape)
        else:
            e[lo:] -= e[lo:].mean(axis=0)
        f.seek(8 + n + start)
        f.write(e.astype(np.float32).tobytes())
    print(f"{dst}: {mode} rows {lo}-{len(e) - 1} of {len(e)}")


if __name__ == "__main__":
    main()
