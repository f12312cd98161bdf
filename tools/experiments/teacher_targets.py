#!/usr/bin/env python3
"""Soft fine-tuning targets from the TF-IDF baseline, for distilling it into a Vigil classifier (needs
Debian python3-sklearn).

Fits the reference baseline (tfidf_ensemble.reference_features, logistic regression C=3) K times on
train.csv, each time without one of K folds, and scores that fold: every training text gets a score
from a model that did not see it (out of fold), as a held-out text would. The balanced class weights
of the baseline inflate its probabilities, so the out-of-fold scores are recalibrated (a logistic
regression on their logits against the labels). Each text's target is then

    ALPHA × label + (1 − ALPHA) × calibrated score,

which, in binary cross-entropy, is ALPHA of the loss on people's labels plus (1 − ALPHA) of the loss
on the baseline's scores. OUT.csv has train.csv's id, text and a violence column holding the target;
`train finetune --soft-labels --train OUT.csv --dev dev.csv` fine-tunes on it. Prints the out-of-fold
ROC-AUC and PR-AUC, what the targets carry.

With --variants M, each training text also gets M variants, scored by the same out-of-fold model
and targeted at that score alone: each word of the text is dropped with probability 0.2, or (one
variant in three) a random span of 2 to 8 words is kept. What the baseline makes of a text with and
without each word is what a bag of n-grams knows and the encoder has to learn from few positives;
the variants show it on the posts themselves. Variant ids are <id>~<k>.

  /usr/bin/python3 tools/experiments/teacher_targets.py [--alpha A] [--folds K] [--seed S] [--variants M] OUT.csv
"""
import argparse
import csv
import os
import random

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from tfidf_ensemble import DATA, linear_scores, load, reference_features


def variant(text, rng):
    """text with each word dropped with probability 0.2 (never all), or one time in three a span of
    2 to 8 of its words."""
    words = text.split()
    if len(words) > 2 and rng.random() < 1 / 3:
        n = rng.randint(2, min(8, len(words) - 1))
        start = rng.randrange(len(words) - n + 1)
        return " ".join(words[start:start + n])
    kept = [w for w in words if rng.random() >= 0.2]
    return " ".join(kept or [rng.choice(words)])


def out_of_fold(texts, y, variants, k, seed):
    """Each text's baseline probability, and its variants', from the model fitted on the other k−1
    folds."""
    q, qv = np.zeros(len(texts)), np.zeros((len(texts), len(variants[0]) if variants else 0))
    for fit, held in StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(texts, y):
        flat = [v for i in held for v in variants[i]] if variants else []
        q[held], qv_held = linear_scores(reference_features(), [texts[i] for i in fit], y[fit],
                                         [texts[i] for i in held], flat or ["-"])
        if flat:
            qv[held] = qv_held.reshape(len(held), -1)
    return q, qv


def calibration(q, y):
    """The logistic map, fitted on logit(q) against y, that turns the scores q into probabilities."""
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(logit(q), y)
    return lambda p: lr.predict_proba(logit(p))[:, 1]


def logit(q):
    q = np.asarray(q).reshape(-1, 1)
    return np.log(q / (1 - q))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--alpha", type=float, default=0.5, help="weight of people's labels in the targets")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--variants", type=int, default=0, metavar="M", help="variants per text, targeted at the teacher alone")
    p.add_argument("out", help="CSV to write: id, text, violence (the target)")
    args = p.parse_args()
    if not 0 <= args.alpha <= 1 or args.folds < 2 or args.variants < 0:
        p.error("--alpha must lie in [0, 1], --folds be at least 2 and --variants not negative")
    path = os.path.join(DATA, "train.csv")
    with open(path, encoding="utf-8", newline="") as f:
        ids = [r["id"] for r in csv.DictReader(f)]
    texts, y = load(path)
    rng = random.Random(args.seed)
    variants = [[variant(t, rng) for _ in range(args.variants)] for t in texts] if args.variants else None
    q, qv = out_of_fold(texts, y, variants, args.folds, args.seed)
    cal = calibration(q, y)
    q = cal(q)
    print(f"out-of-fold baseline on train ({args.folds} folds): ROC-AUC {roc_auc_score(y, q):.3f}, "
          f"PR-AUC {average_precision_score(y, q):.3f}; mean score {q[y == 1].mean():.3f} on positives, "
          f"{q[y == 0].mean():.3f} on negatives")
    rows = [(i, t, args.alpha * label + (1 - args.alpha) * s) for i, t, label, s in zip(ids, texts, y, q)]
    if variants:
        qv = cal(qv.ravel()).reshape(qv.shape)
        rows += [(f"{i}~{k}", v, s) for i, vs, ss in zip(ids, variants, qv) for k, (v, s) in enumerate(zip(vs, ss))]
        print(f"variants: mean score {qv[y == 1].mean():.3f} for positives' variants, {qv[y == 0].mean():.3f} for negatives'")
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text", "violence"])
        for row in rows:
            w.writerow([row[0], row[1], f"{row[2]:.6f}"])
    os.replace(tmp, args.out)
    print(f"wrote {args.out}: {len(rows)} targets, alpha {args.alpha}")


if __name__ == "__main__":
    main()
