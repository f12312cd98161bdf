"""Writes scikit-learn reference values for Vigil's n-gram classifier (package ngram).

ngram promises scikit-learn's TF-IDF baseline: TfidfVectorizer word 1-2-grams (token pattern of two or
more word characters) and char_wb 2-5-grams with min_df=2, sublinear tf, smoothed idf, each block
normalised to unit length, and LogisticRegression(C=3, class_weight="balanced") at its optimum. This script draws a
small labelled corpus with the cases that matter (umlauts and ß, one-letter words, digits and
underscores, punctuation, runs of white space, words shorter than an n-gram), fits that model tightly
and writes ngram/testdata/sklearn.json: the texts, each block's vocabulary and idf, and the fitted
model's probabilities for held-out texts. The Go tests compare against it.

Regenerate from the repository root with Debian's python3-sklearn (its interpreter is /usr/bin/python3):

    /usr/bin/python3 tools/sklearnref/ngram.py
"""

import json
import os
import random

import sklearn
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

WORDS = ("ich du er wir die der das und aber nicht so ja a I x 2024 3 über Straße schön Messer "
         "abstechen töten Haus Mutter Polizei morgen heute gut schlecht weiter alle_zusammen É "
         "Grüße Ärger größte Fresse schlagen Hunde Katze Zug fahren Berlin Wien !!! ?! ... , - :)").split()
VIOLENT = {"abstechen", "töten", "Messer", "schlagen", "Fresse"}


def text(rng):
    n = rng.randint(1, 12)
    words = [rng.choice(WORDS) for _ in range(n)]
    seps = [rng.choice([" ", " ", " ", "  ", "\t", " \n "]) for _ in range(n)]
    return "".join(w + s for w, s in zip(words, seps)).strip()


def main():
    rng = random.Random(7)
    train = [text(rng) for _ in range(300)]
    labels = [int(any(w in VIOLENT for w in t.split()) and rng.random() < 0.8) for t in train]
    held = [text(rng) for _ in range(40)] + ["", "zzz qqq", "a"]
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    x = hstack([words.fit_transform(train), chars.fit_transform(train)]).tocsr()
    # newton-cholesky reaches the optimum (largest gradient component ~1e-9); the default lbfgs stops
    # at a function change of 64 ulp, with probabilities ~1e-5 short of it.
    lr = LogisticRegression(C=3, class_weight="balanced", solver="newton-cholesky", tol=1e-10).fit(x, labels)
    xh = hstack([words.transform(held), chars.transform(held)]).tocsr()
    out = {
        "sklearn": sklearn.__version__,
        "train": train,
        "labels": labels,
        "held": held,
        "blocks": [{"vocabulary": sorted(v.vocabulary_), "idf": [float(v.idf_[v.vocabulary_[g]]) for g in sorted(v.vocabulary_)]}
                   for v in (words, chars)],
        "probabilities": [float(p) for p in lr.predict_proba(xh)[:, 1]],
    }
    path = os.path.join("ngram", "testdata", "sklearn.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {path}: {len(train)} texts ({sum(labels)} positive), {len(held)} held out")


if __name__ == "__main__":
    main()
