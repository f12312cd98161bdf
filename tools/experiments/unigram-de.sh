#!/usr/bin/env bash
# The GermEval text segmented by a Unigram (SentencePiece) vocabulary instead of WordPiece, for
# germeval.sh (unigram_de.py says how). Installs Debian's python3-sentencepiece (root for apt-get),
# needs de-extra.sh's output and writes OUT (default runs/unigram-de): tok/ and data/.
#
#   tools/experiments/unigram-de.sh
#   SHARED=runs/unigram-de/data DE_EXTRA=runs/unigram-de/data/de-extra.txt TOKENIZER=runs/unigram-de/tok \
#     VOCAB=16000 FT_POS_WEIGHT=none VARIANTS=ft-nopre FT_SEEDS="42 43 44 45 46 47" OUT=runs/germeval-uni \
#     tools/experiments/germeval.sh
set -euo pipefail
SHARED=${SHARED:-../shared/data}
OUT=${OUT:-runs/unigram-de}
VOCAB=${VOCAB:-16000}
EXTRA=${EXTRA:-runs/de-extra.txt}
apt-get install -y -q python3-sentencepiece >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A small WordPiece tokenizer with the experiment's settings; only its vocabulary is replaced.
go run ./cmd/train tokenizer --corpus "$SHARED/germeval-vio/train.csv" --text-field text --vocab-size 200 \
	--lowercase --out "$tmp/tok" >&2
/usr/bin/python3 "$(dirname "$0")/unigram_de.py" "$OUT" "$VOCAB" "$tmp/tok/tokenizer.json" \
	"$SHARED/de/10kgnad-news.txt" "$EXTRA" "$SHARED/germeval-vio"
