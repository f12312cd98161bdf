"""Writes scikit-learn reference values for Vigil's evaluation metrics.

Vigil's eval package promises scikit-learn's definitions: ROCAUC is
roc_auc_score, PRAUC is average_precision_score, confusion counts, precision,
recall and F1 are sklearn's (zero_division=0), and the reliability bins are
calibration_curve's uniform bins. This script draws random, tie-heavy and
degenerate cases and writes eval/testdata/sklearn/<family>.json; the Go tests
in eval compare against them.

A case where a metric is undefined (one class for ROC-AUC, no positive for
PR-AUC, best F1 and thresholds for a recall, or no example at all) records
"error" for it: Vigil must return an error there, never a number.

Regenerate from the repository root with Debian's python3-sklearn (its
interpreter is /usr/bin/python3):

    /usr/bin/python3 tools/sklearnref/metrics.py
"""

import json
import os

import numpy as np
import sklearn
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

OUT_DIR = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "eval", "testdata", "sklearn"
)
RECALLS = [0.5, 0.8, 0.9, 0.95, 1.0]
BINS = 10


def best_f1(y, s):
    """The threshold among the scores with the highest F1, the highest such threshold on ties."""
    best_t, best_f = None, -1.0
    for t in sorted(set(s.tolist()), reverse=True):
        f = f1_score(y, s >= t, zero_division=0)
        if f > best_f + 1e-12:
            best_t, best_f = t, f
    return best_t, best_f


def threshold_for_recall(y, s, target):
    """The highest threshold among the scores whose recall reaches target."""
    for t in sorted(set(s.tolist()), reverse=True):
        if recall_score(y, s >= t, zero_division=0) >= target - 1e-9:
            return t
    raise AssertionError("recall 1 is always reachable")


def confusion(y, s, t):
    pred = s >= t
    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[False, True]).ravel()
    return {
        "threshold": t,
        "tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn),
        "precision": precision_score(y, pred, zero_division=0),
        "recall": recall_score(y, pred, zero_division=0),
        "f1": f1_score(y, pred, zero_division=0),
    }


def calibration(y, s):
    """calibration_curve's uniform bins with their counts, and the expected calibration error."""
    prob_true, prob_pred = calibration_curve(y, s, n_bins=BINS, strategy="uniform")
    bins = np.linspace(0.0, 1.0, BINS + 1)
    counts = np.bincount(np.searchsorted(bins[1:-1], s), minlength=BINS)
    nonzero = counts[counts > 0]
    ece = float(np.sum(nonzero / len(s) * np.abs(prob_pred - prob_true)))
    return {"counts": counts.tolist(), "mean_score": prob_pred.tolist(),
            "positive_rate": prob_true.tolist(), "ece": ece}


def case(name, s, y):
    s = np.asarray(s, dtype=np.float64)
    y = np.asarray(y, dtype=bool)
    c = {"name": name, "scores": s.tolist(), "labels": y.tolist()}
    pos, neg = int(y.sum()), int((~y).sum())
    c["roc_auc"] = roc_auc_score(y, s) if pos and neg else "error"
    c["pr_auc"] = average_precision_score(y, s) if pos else "error"
    if pos:
        t, f = best_f1(y, s)
        c["best_f1"] = {"threshold": t, "f1": f}
        c["recall_thresholds"] = [
            {"recall": r, "threshold": threshold_for_recall(y, s, r)} for r in RECALLS
        ]
    else:
        c["best_f1"] = "error"
        c["recall_thresholds"] = "error"
    if len(s):
        ts = sorted({0.5, float(np.median(s)), float(s.min()), float(s.max()), float(s.max()) + 1})
        c["confusions"] = [confusion(y, s, t) for t in ts]
        if pos and neg and s.min() >= 0 and s.max() <= 1:
            c["calibration"] = calibration(y, s)
    return c


def write(family, cases):
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, family + ".json")
    with open(path, "w") as f:
        json.dump({"sklearn": sklearn.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    print("wrote", path, len(cases), "cases")


def main():
    rng = np.random.default_rng(20261126)
    random = []
    for n, prevalence in [(2, 0.5), (7, 0.4), (50, 0.3), (400, 0.1), (2000, 0.02)]:
        y = rng.random(n) < prevalence
        y[0], y[-1] = True, False  # both classes
        random.append(case(f"uniform_n{n}", rng.random(n), y))
    y = rng.random(300) < 0.2
    # model-like: positives score higher, values representable in float32 as model outputs are
    s = 1 / (1 + np.exp(-(rng.normal(size=300) + 1.5 * y)))
    random.append(case("sigmoid_float32_n300", s.astype(np.float32).astype(np.float64), y))
    random.append(case("unbounded_normal_n100", rng.normal(scale=3, size=100), rng.random(100) < 0.5))
    write("random", random)

    ties = []
    for n, decimals in [(60, 1), (500, 1), (300, 2)]:
        y = rng.random(n) < 0.3
        ties.append(case(f"rounded{decimals}_n{n}", np.round(rng.random(n), decimals), y))
    y = rng.random(200) < 0.25
    ties.append(case("hit_counts_n200", rng.poisson(0.3 + 1.2 * y).astype(float), y))
    ties.append(case("binary_scores_n40", (rng.random(40) < 0.5).astype(float), rng.random(40) < 0.5))
    ties.append(case("all_equal_n10", [0.3] * 10, [True, False, False, True, False, False, False, True, False, False]))
    ties.append(case("perfect", [0.9, 0.8, 0.7, 0.2, 0.1], [True, True, True, False, False]))
    ties.append(case("inverted", [0.9, 0.8, 0.7, 0.2, 0.1], [False, False, True, True, True]))
    ties.append(case("bin_edges", [0.0, 0.1, 0.2, 0.3, 0.30000000000000004, 0.5, 0.7, 0.9, 1.0, 0.6],
                     [False, True, False, True, False, True, False, True, True, False]))
    write("ties", ties)

    degenerate = [
        case("all_positive", [0.2, 0.9, 0.4], [True, True, True]),
        case("all_negative", [0.2, 0.9, 0.4], [False, False, False]),
        case("single_positive", [0.7], [True]),
        case("single_negative", [0.7], [False]),
        case("empty", [], []),
    ]
    write("degenerate", degenerate)


if __name__ == "__main__":
    main()
