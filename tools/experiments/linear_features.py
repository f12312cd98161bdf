#!/usr/bin/env python3
"""Where the TF-IDF baseline's lead on GermEval comes from (needs Debian python3-sklearn).

Fits the reference baseline's logistic regression (tfidf_ensemble.py: C=3, balanced classes) on train.csv
with one feature set at a time and prints dev and test ROC-AUC and PR-AUC for each: the reference's
word 1-2-grams and character 2-5-grams together and apart, and, for each TOKENIZER (a Vigil
tokenizer.json), TF-IDF of the pieces that tokenizer gives Vigil's encoder, as 1-grams and 1-2-grams.
A bag of the encoder's own pieces shows what a linear model makes of the input Vigil's classifier
sees, with no pretraining and no encoder.

  /usr/bin/python3 tools/experiments/linear_features.py [TOKENIZER...]
"""
import os
import sys

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import average_precision_score, roc_auc_score

from segmented import words
from tfidf_ensemble import DATA, linear_scores, load, reference_features
from wordpiece_shared import load_wordpiece, wordpiece


def pieces(tokenizer):
    """Returns a function that splits a text into the pieces tokenizer.json gives it, "##" kept."""
    vocab, prefix, max_chars = load_wordpiece(tokenizer)

    def split(text):
        out = []
        for w in words(text):
            p = wordpiece(vocab, prefix, max_chars, w)
            out.extend(["[UNK]"] if p is None else [q if i == 0 else prefix + q for i, q in enumerate(p)])
        return out
    return split


def main():
    if any(a.startswith("-") for a in sys.argv[1:]):
        sys.exit(__doc__)
    train, y = load(os.path.join(DATA, "train.csv"))
    dev, yd = load(os.path.join(DATA, "dev.csv"))
    test, yt = load(os.path.join(DATA, "test.csv"))
    word, char = reference_features()
    rows = [("words 1-2 + characters 2-5 (the reference)", reference_features()),
            ("words 1-2", [word]),
            ("words 1", [TfidfVectorizer(ngram_range=(1, 1), sublinear_tf=True)]),
            ("characters 2-5", [char])]
    for tok in sys.argv[1:]:
        split = pieces(tok)
        for n in (1, 2):
            bag = TfidfVectorizer(ngram_range=(1, n), sublinear_tf=True, tokenizer=split, token_pattern=None,
                                  lowercase=False)
            rows.append((f"pieces {'1-2' if n == 2 else '1'} of {tok}", [bag]))
    print("| features (TF-IDF, logistic regression) | dev ROC-AUC | dev PR-AUC | test ROC-AUC | test PR-AUC |")
    print("|---|---:|---:|---:|---:|")
    for name, features in rows:
        d, t = linear_scores(features, train, y, dev, test)
        print(f"| {name} | {roc_auc_score(yd, d):.3f} | {average_precision_score(yd, d):.3f} | "
              f"{roc_auc_score(yt, t):.3f} | {average_precision_score(yt, t):.3f} |")


if __name__ == "__main__":
    main()
