"""What the experiments that hand Vigil pre-segmented text share (unigram_de.py, wordpiece_shared.py).

Vigil's tokenizer is WordPiece. To measure another segmentation without writing one, each text is
split into words as Vigil's tokenizer splits them (BertNormalizer with lowercase and accents kept,
BertPreTokenizer), the segmentation under test turns each word into pieces, and the pieces are written
separated by spaces, with a tokenizer.json that holds every piece as a whole word, so that Vigil maps
one piece to one id. The text is written in the layout of ../shared/data, which germeval.sh reads with
SHARED=OUT/data and TOKENIZER=OUT/tok.
"""
import csv
import json
import os
import unicodedata

SPECIALS = 5  # [PAD] [UNK] [CLS] [SEP] [MASK]: ids 0-4 of every Vigil tokenizer


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


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        r = csv.DictReader(f)
        return r.fieldnames, list(r)


def write_tokenizer(out, template, pieces):
    """Writes OUT/tok/tokenizer.json: TEMPLATE's settings and special tokens, then pieces as whole words."""
    with open(template, encoding="utf-8") as f:
        tok = json.load(f)
    entries = {k: v for k, v in tok["model"]["vocab"].items() if v < SPECIALS}
    for p in pieces:
        entries.setdefault(p, len(entries))
    tok["model"]["vocab"] = entries
    os.makedirs(os.path.join(out, "tok"), exist_ok=True)
    with open(os.path.join(out, "tok", "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
    return len(entries)


def write_data(out, segment, news, extra, germeval):
    """Writes NEWS, EXTRA and GERMEVAL's splits under OUT/data, each text replaced by segment(text)."""
    os.makedirs(os.path.join(out, "data", "de"), exist_ok=True)
    os.makedirs(os.path.join(out, "data", "germeval-vio"), exist_ok=True)
    for src, dst in ((news, "de/10kgnad-news.txt"), (extra, "de-extra.txt")):
        with open(src, encoding="utf-8") as f, open(os.path.join(out, "data", dst), "w", encoding="utf-8") as g:
            for line in f:
                s = segment(line)
                if s:
                    g.write(s + "\n")
    for split in ("train", "dev", "test"):
        fields, rows = read_csv(os.path.join(germeval, split + ".csv"))
        with open(os.path.join(out, "data", "germeval-vio", split + ".csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            for row in rows:
                w.writerow({**row, "text": segment(row["text"])})
