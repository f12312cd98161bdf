#!/usr/bin/env python3
"""A Unigram (SentencePiece) segmentation of the GermEval experiment's text, in a form Vigil reads
(needs Debian python3-sentencepiece; unigram-de.sh runs it).

Vigil's tokenizer is WordPiece. To measure what a Unigram vocabulary would change without writing
one, every text is normalised and split into words as the WordPiece tokenizer does (BertNormalizer
with lowercase and accents kept, BertPreTokenizer), SentencePiece's Unigram model (VOCAB entries,
learnt on the German news, the Debian text and the train texts) segments each word, and the pieces
are written separated by spaces: word starts bare, the rest prefixed with U+01C2, so that a WordPiece
vocabulary holding every piece as a whole word maps each piece to one id. That vocabulary is written
as OUT/tok/tokenizer.json (TEMPLATE supplies the other settings), the segmented text under OUT/data in
the layout of ../shared/data, which tools/experiments/germeval.sh reads with SHARED=OUT/data.

  unigram_de.py OUT VOCAB TEMPLATE_TOKENIZER_JSON NEWS EXTRA GERMEVAL_DIR
"""
import csv
import json
import os
import sys
import unicodedata

import sentencepiece as spm

MARK = "\u01c2"
WORD_START = "\u2581"


def is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or
            0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or
            0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def words(text):
    """The words of text as Vigil's lowercasing BertNormalizer and BertPreTokenizer produce them."""
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD:
            continue
        cat = unicodedata.category(ch)
        if ch in "\t\n\r" or cat == "Zs":
            out.append(" ")
        elif cat.startswith("C"):
            continue
        elif is_cjk(cp) or is_punct(ch):
            out.append(" " + ch + " ")
        else:
            out.append(ch)
    return "".join(out).lower().split()


def surface(piece):
    """The whole-word form of a SentencePiece piece: word starts bare, the rest marked."""
    if piece == WORD_START:
        return MARK + MARK
    if piece.startswith(WORD_START):
        return piece[1:]
    return MARK + piece


def segment(sp, text):
    return " ".join(surface(p) for w in words(text) for p in sp.encode(w, out_type=str))


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        r = csv.DictReader(f)
        return r.fieldnames, list(r)


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    out, vocab, template, news, extra, germeval = sys.argv[1:]
    os.makedirs(os.path.join(out, "data", "de"), exist_ok=True)
    os.makedirs(os.path.join(out, "data", "germeval-vio"), exist_ok=True)
    os.makedirs(os.path.join(out, "tok"), exist_ok=True)

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

    with open(template, encoding="utf-8") as f:
        tok = json.load(f)
    entries = {k: v for k, v in tok["model"]["vocab"].items() if v < 5}  # [PAD] [UNK] [CLS] [SEP] [MASK]
    for i in range(sp.get_piece_size()):
        if not (sp.is_unknown(i) or sp.is_control(i)):
            entries.setdefault(surface(sp.id_to_piece(i)), len(entries))
    tok["model"]["vocab"] = entries
    with open(os.path.join(out, "tok", "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)

    for src, dst in ((news, "de/10kgnad-news.txt"), (extra, "de-extra.txt")):
        with open(src, encoding="utf-8") as f, open(os.path.join(out, "data", dst), "w", encoding="utf-8") as g:
            for line in f:
                s = segment(sp, line)
                if s:
                    g.write(s + "\n")
    for split in ("train", "dev", "test"):
        fields, rows = read_csv(os.path.join(germeval, split + ".csv"))
        with open(os.path.join(out, "data", "germeval-vio", split + ".csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            for row in rows:
                w.writerow({**row, "text": segment(sp, row["text"])})
    print(f"{out}: {len(entries)} vocabulary entries", file=sys.stderr)


if __name__ == "__main__":
    main()
