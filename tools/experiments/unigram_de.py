#!/usr/bin/env python3
"""A Unigram (SentencePiece) segmentation of the GermEval experiment's text, in a form Vigil reads
(needs Debian python3-sentencepiece; unigram-de.sh runs it).

SentencePiece's Unigram model (VOCAB entries, learnt on the German news, the Debian text and the
train texts) segments each word (segmented.py says how the result reaches Vigil): word starts are
written bare, the rest prefixed with U+01C2.

  unigram_de.py OUT VOCAB TEMPLATE_TOKENIZER_JSON NEWS EXTRA GERMEVAL_DIR
"""
import os
import sys

import sentencepiece as spm

from segmented import read_csv, words, write_data, write_tokenizer

MARK = "\u01c2"
WORD_START = "\u2581"


def surface(piece):
    """The whole-word form of a SentencePiece piece: word starts bare, the rest marked."""
    if piece == WORD_START:
        return MARK + MARK
    if piece.startswith(WORD_START):
        return piece[1:]
    return MARK + piece


def segment(sp, text):
    return " ".join(surface(p) for w in words(text) for p in sp.encode(w, out_type=str))


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    out, vocab, template, news, extra, germeval = sys.argv[1:]
    os.makedirs(out, exist_ok=True)

    corpus = os.path.join(out, "corpus.txt")
    with open(corpus, "w", encoding="utf-8") as f:
        for path in (news, extra):
            with open(path, encoding="utf-8") as src:
                for line in src:
                    ws = words(line)
                    if ws:
                        f.write(" ".join(ws) + "\n")
        for row in read_csv(os.path.join(germeval, "train.csv"))[1]:
            f.write(" ".join(words(row["text"])) + "\n")
    # One piece fewer than the vocabulary's non-special entries: SentencePiece's own <unk> is dropped
    # and its bare word-start piece becomes MARK+MARK.
    prefix = os.path.join(out, "unigram")
    spm.SentencePieceTrainer.train(
        input=corpus, model_prefix=prefix, model_type="unigram", vocab_size=int(vocab) - 4,
        character_coverage=0.9999, bos_id=-1, eos_id=-1, unk_id=0, normalization_rule_name="identity",
        max_sentence_length=200000, num_threads=2, minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=prefix + ".model")

    pieces = (surface(sp.id_to_piece(i)) for i in range(sp.get_piece_size())
              if not (sp.is_unknown(i) or sp.is_control(i)))
    n = write_tokenizer(out, template, pieces)
    write_data(out, lambda text: segment(sp, text), news, extra, germeval)
    print(f"{out}: {n} vocabulary entries", file=sys.stderr)


if __name__ == "__main__":
    main()
