#!/usr/bin/env bash
# The GermEval text segmented by a 16,000-entry WordPiece vocabulary with "##" dropped, so a piece
# inside a word shares its id with the same letters as a word (wordpiece_shared.py says how), for
# germeval.sh. Needs de-extra.sh's output; writes OUT (default runs/wordpiece-shared): tok/ and data/.
#
#   tools/experiments/wordpiece-shared.sh
#   SHARED=runs/wordpiece-shared/data DE_EXTRA=runs/wordpiece-shared/data/de-extra.txt \
#     TOKENIZER=runs/wordpiece-shared/tok VOCAB=16000 PRETRAIN_STEPS=8000 FT_POS_WEIGHT=none VARIANTS=ft-noadapt \
#     FT_SEEDS="42 43 44 45 46 47" SOUP=1 OUT=runs/germeval-wps tools/experiments/germeval.sh
set -euo pipefail
SHARED=${SHARED:-../shared/data}
OUT=${OUT:-runs/wordpiece-shared}
VOCAB=${VOCAB:-16000}
EXTRA=${EXTRA:-runs/de-extra.txt}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The tokenizer germeval.sh learns with the same settings.
go run ./cmd/train tokenizer --corpus "$SHARED/de/10kgnad-news.txt,$EXTRA" --corpus "$SHARED/germeval-vio/train.csv" \
	--text-field text --vocab-size "$VOCAB" --lowercase --out "$tmp/tok" >&2
/usr/bin/python3 "$(dirname "$0")/wordpiece_shared.py" "$OUT" "$tmp/tok/tokenizer.json" \
	"$SHARED/de/10kgnad-news.txt" "$EXTRA" "$SHARED/germeval-vio"
