#!/usr/bin/env bash
# How long masked-LM pretraining stays on its plateau (attention still near uniform, each masked token
# predicted from token frequencies alone), as a function of the sequence length, on a synthetic corpus
# where context decides everything: 3,000 lines of 20 words that follow the cycle alpha, bravo, ...,
# zulu from a random start, so a masked word is given by either neighbour, while without context the
# loss cannot go far below ln 26 = 3.26. For each sequence length it trains `tiny` with a constant
# learning rate and prints the training loss every 50 steps.
#
#   tools/experiments/plateau.sh                 # SEQ_LENS="16 32 64" STEPS=1500, a few minutes
#
# tools/experiments/plateau_torch.py runs the same experiment in PyTorch.
set -euo pipefail

OUT=${OUT:-runs/plateau}
SEQ_LENS=${SEQ_LENS:-16 32 64}
STEPS=${STEPS:-1500}
LR=${LR:-1e-3}
SEED=${SEED:-1}
TRAIN=${TRAIN:-$OUT/train}

mkdir -p "$OUT"
[[ -x $TRAIN ]] || go build -o "$TRAIN" ./cmd/train
awk -v seed="$SEED" 'BEGIN {
	split("alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu", w, " ")
	srand(seed)
	for (i = 0; i < 3000; i++) {
		s = int(rand() * 26); line = ""
		for (j = 0; j < 20; j++) line = line (j ? " " : "") w[(s + j) % 26 + 1]
		print line
	}
}' >"$OUT/cycle.txt"
# quiet NAME CMD...: runs CMD with its output in $OUT/NAME.log, shown only when it fails.
quiet() {
	local log=$OUT/$1.log
	shift
	"$@" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
}

rm -rf "$OUT/tok"
quiet tok "$TRAIN" tokenizer --corpus "$OUT/cycle.txt" --vocab-size 200 --out "$OUT/tok"
for n in $SEQ_LENS; do
	rm -rf "$OUT/seq$n"
	quiet "seq$n" "$TRAIN" pretrain --model tiny --tokenizer "$OUT/tok" --data "$OUT/cycle.txt" --seq-len "$n" \
		--batch-size 16 --lr "$LR" --warmup 0 --set decay=constant --max-steps "$STEPS" --eval-every 0 \
		--save-every "$STEPS" --set eval_sequences=0 --seed "$SEED" --out "$OUT/seq$n"
	printf 'seq %-3s' "$n"
	grep -o '"step":[0-9]*,"loss":[0-9.]*' "$OUT/seq$n/metrics.jsonl" | awk -F'[:,]' '$2 % 50 == 0 {printf " %d:%.2f", $2, $4}'
	echo
done
