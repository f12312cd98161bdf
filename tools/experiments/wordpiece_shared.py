#!/usr/bin/env python3
"""The GermEval experiment's text segmented by a WordPiece vocabulary whose continuation pieces share
ids with the words they spell (wordpiece-shared.sh runs it).

WordPiece gives a piece inside a word ("##angriff" in "messer ##angriff") another id than the same
letters as a word ("angriff"), so a German compound learns nothing from its parts. Here every word is
segmented exactly as TOKENIZER (a Vigil tokenizer.json) segments it, and each piece is written without
its "##", so both spellings become one entry (segmented.py says how the result reaches Vigil). Word
boundaries inside a sequence are given up in exchange. A word the vocabulary cannot spell is written
as it is and becomes [UNK], as before.

  wordpiece_shared.py OUT TOKENIZER_JSON NEWS EXTRA GERMEVAL_DIR
"""
import json
import sys

from segmented import SPECIALS, write_data, write_tokenizer, words


def wordpiece(vocab, prefix, max_chars, word):
    """The pieces of word by greedy longest match first, as Vigil's WordPiece splits it; None: [UNK]."""
    if len(word) > max_chars:
        return None
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:
            piece = word[start:end] if start == 0 else prefix + word[start:end]
            if piece in vocab:
                break
            end -= 1
        if end == start:
            return None
        pieces.append(word[start:end])
        start = end
    return pieces


def load_wordpiece(path):
    """The vocabulary, continuation prefix and longest word of the WordPiece model in tokenizer.json."""
    with open(path, encoding="utf-8") as f:
        model = json.load(f)["model"]
    if model.get("type") != "WordPiece":
        sys.exit(f"{path}: model type {model.get('type')!r}, want WordPiece")
    return model["vocab"], model["continuing_subword_prefix"], model["max_input_chars_per_word"]


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    out, template, news, extra, germeval = sys.argv[1:]
    vocab, prefix, max_chars = load_wordpiece(template)

    def segment(text):
        pieces = []
        for w in words(text):
            pieces.extend(wordpiece(vocab, prefix, max_chars, w) or [w])
        return " ".join(pieces)

    by_id = sorted(vocab, key=vocab.get)[SPECIALS:]
    n = write_tokenizer(out, template, (p[len(prefix):] if p.startswith(prefix) else p for p in by_id))
    write_data(out, segment, news, extra, germeval)
    print(f"{out}: {n} vocabulary entries (from {len(vocab)})", file=sys.stderr)


if __name__ == "__main__":
    main()
