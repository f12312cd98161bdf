#!/usr/bin/env python3
"""How much a Vigil classifier adds to the TF-IDF baseline on GermEval (needs Debian python3-sklearn).

Fits the reference baseline of ../shared/data/README.md (TF-IDF word 1-2-grams + character 2-5-grams,
logistic regression, C=3) on train.csv, then prints test ROC-AUC and PR-AUC for TF-IDF alone, for the
Vigil scores in SCORES.csv (the `violence` column; tools/soup -scores writes it for test.csv) and for
rank averages of the two with TF-IDF weighted 0.3, 0.5 and 0.7; first, TF-IDF's scores on dev.csv,
to set beside the dev scores `train finetune` reports; last, Vigil's lead over TF-IDF on test with a 95%
interval from a paired bootstrap (the same resampled rows score both), which says whether a gap is
larger than the test set's noise; and where each model ranks the test positives and negatives on
average. --show-text N also prints the N positives Vigil ranks furthest below TF-IDF, with their text.

  go run ./tools/soup -data ../shared/data/germeval-vio/test.csv -scores /tmp/scores.csv runs/RUN/ft-full-s4{2,3,4,5,6,7}
  /usr/bin/python3 tools/experiments/tfidf_ensemble.py [--show-text N] /tmp/scores.csv
"""
import argparse
import csv
import os
import sys

import numpy as np
from scipy.sparse import hstack
from scipy.stats import rankdata
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score

DATA = os.environ.get("GERMEVAL", "../shared/data/germeval-vio")


def load(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], np.array([int(r["violence"]) for r in rows])


def reference_features():
    """The reference baseline's features: TF-IDF of word 1-2-grams and of character 2-5-grams."""
    return [TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)]


def linear_scores(features, train, y, *sets):
    """Fits the baseline's logistic regression (C=3, balanced classes) on the features of train once
    and returns its probabilities for each of sets."""
    x = hstack([f.fit_transform(train) for f in features]).tocsr()
    lr = LogisticRegression(C=3, max_iter=3000, class_weight="balanced").fit(x, y)
    return [lr.predict_proba(hstack([f.transform(s) for f in features]).tocsr())[:, 1] for s in sets]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--show-text", type=int, default=0, metavar="N",
                   help="list the N positives Vigil ranks furthest below TF-IDF, with their text")
    p.add_argument("scores", help="CSV of Vigil's test probabilities (a violence column)")
    args = p.parse_args()
    scores, show = args.scores, args.show_text
    train, y = load(os.path.join(DATA, "train.csv"))
    test, yt = load(os.path.join(DATA, "test.csv"))
    with open(scores, encoding="utf-8", newline="") as f:
        vigil = np.array([float(r["violence"]) for r in csv.DictReader(f)])
    if len(vigil) != len(yt):
        sys.exit(f"{scores}: {len(vigil)} scores for {len(yt)} test texts")
    dev, yd = load(os.path.join(DATA, "dev.csv"))
    d, tfidf = linear_scores(reference_features(), train, y, dev, test)
    print(f"TF-IDF on dev: ROC-AUC {roc_auc_score(yd, d):.3f}, PR-AUC {average_precision_score(yd, d):.3f}\n")
    rows = [("TF-IDF", tfidf), ("Vigil", vigil)]
    for a in (0.3, 0.5, 0.7):
        rows.append((f"rank average, TF-IDF weight {a}", a * rankdata(tfidf) + (1 - a) * rankdata(vigil)))
    print("| scores | test ROC-AUC | test PR-AUC |\n|---|---:|---:|")
    for name, s in rows:
        print(f"| {name} | {roc_auc_score(yt, s):.3f} | {average_precision_score(yt, s):.3f} |")
    print()
    paired_bootstrap(yt, vigil, tfidf)
    misses(yt, vigil, tfidf, test, show)


def misses(y, a, b, texts, show):
    """Prints where each model ranks the positives and the negatives on average (percentiles of the
    test set) and, with show > 0, the texts of the show positives Vigil ranks furthest below TF-IDF."""
    ra, rb = rankdata(a) / len(a), rankdata(b) / len(b)
    for name, cls in (("positives", y == 1), ("negatives", y == 0)):
        print(f"mean percentile rank of the test {name}: Vigil {100 * ra[cls].mean():.0f}, TF-IDF {100 * rb[cls].mean():.0f}")
    pos = np.flatnonzero(y == 1)
    for i in pos[np.argsort(ra[pos] - rb[pos])][:show]:
        print(f"  Vigil {100 * ra[i]:3.0f}  TF-IDF {100 * rb[i]:3.0f}  {texts[i][:120]}")


def paired_bootstrap(y, a, b, resamples=2000, seed=0):
    """Prints Vigil's lead over TF-IDF on test with a 95% interval from a paired, stratified bootstrap:
    each resample draws the positives and the negatives with replacement, the same rows for both."""
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    draws = [np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))]) for _ in range(resamples)]
    for name, metric in (("ROC-AUC", roc_auc_score), ("PR-AUC", average_precision_score)):
        d = np.array([metric(y[i], a[i]) - metric(y[i], b[i]) for i in draws])
        lo, hi = np.percentile(d, [2.5, 97.5])
        print(f"Vigil minus TF-IDF, test {name}: {metric(y, a) - metric(y, b):+.3f} [{lo:+.3f}, {hi:+.3f}], "
              f"Vigil ahead in {100 * np.mean(d > 0):.0f}% of {resamples} paired resamples")

if __name__ == "__main__":
    main()
