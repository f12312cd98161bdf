#!/usr/bin/env bash
# How long masked-LM pretraining stays on its plateau (attention still near uniform, each masked token
# predicted from token frequencies alone), as a function of the sequence length, on a synthetic corpus
# where context decides everything: 3,000 lines of 20 words that follow the cycle alpha, bravo, ...,
# zulu from a random start, so a masked word is given by either neighbour, while without context the
# loss cannot go far below ln 26 = 3.26. For each sequence length it trains MODEL (default `tiny`) with
# a learning rate that is constant after WARMUP steps, and prints the training loss every 50 steps and
# the first step at which it is below 2.5 (the end of the plateau).
#
#   tools/experiments/plateau.sh                 # SEQ_LENS="16 32 64" STEPS=1500, a few minutes
#   MODEL=small LR=5e-4 WARMUP=100 SEQ_LENS=64 PRETRAIN_ARGS="--set position_init=sinusoidal --set dropout=0" \
#     tools/experiments/plateau.sh               # the start settings that shorten the plateau
#
# tools/experiments/plateau_torch.py runs the same experiment in PyTorch.
set -euo pipefail

OUT=${OUT:-runs/plateau}
SEQ_LENS=${SEQ_LENS:-16 32 64}
STEPS=${STEPS:-1500}
LR=${LR:-1e-3}
WARMUP=${WARMUP:-0}
MODEL=${MODEL:-tiny}
read -ra EXTRA <<<"${PRETRAIN_ARGS:-}"
SEED=${SEED:-1}
TRAIN=${TRAIN:-}

mkdir -p "$OUT"
if [[ -z $TRAIN ]]; then # build the working tree's binary afresh
	TRAIN=$OUT/train
	go build -o "$TRAIN" ./cmd/train
fi
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
	quiet "seq$n" "$TRAIN" pretrain --model "$MODEL" --tokenizer "$OUT/tok" --data "$OUT/cycle.txt" --seq-len "$n" \
		--batch-size 16 --lr "$LR" --warmup "$WARMUP" --set decay=constant --max-steps "$STEPS" --eval-every 0 \
		--save-every "$STEPS" --set eval_sequences=0 --seed "$SEED" --out "$OUT/seq$n" ${EXTRA[@]+"${EXTRA[@]}"}
	printf 'seq %-3s' "$n"
	grep -o '"step":[0-9]*,"loss":[0-9.]*' "$OUT/seq$n/metrics.jsonl" | awk -F'[:,]' '
		$2 % 50 == 0 { printf " %d:%.2f", $2, $4 }
		$4 < 2.5 && !below { below = $2 }
		END { print below ? "  below 2.5 from step " below : "  never below 2.5" }'
done
