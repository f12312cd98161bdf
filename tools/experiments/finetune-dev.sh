#!/usr/bin/env bash
# Compare fine-tuning choices on GermEval dev alone (test is never read): fine-tunes the violence head
# from INIT once per seed with germeval.sh's fine-tuning flags plus the given ones, and appends each
# seed's best dev PR-AUC and ROC-AUC to $OUT/results.txt. Later flags override earlier ones.
#
#   tools/experiments/finetune-dev.sh NAME INIT [finetune flags...]
#   SEEDS="42 43 44" tools/experiments/finetune-dev.sh pw-none runs/germeval-de/adapt --pos-weight none
#
# A run whose $OUT/NAME-sSEED.done exists is skipped. TRAIN (default bin/train) is the binary.
set -euo pipefail
if (($# < 2)); then
	echo "usage: finetune-dev.sh NAME INIT [finetune flags...]" >&2
	exit 2
fi
name=$1 init=$2
shift 2
SHARED=${SHARED:-../shared/data}
OUT=${OUT:-runs/finetune-dev}
TRAIN=${TRAIN:-bin/train}
SEEDS=${SEEDS:-42 43 44}
G=$SHARED/germeval-vio
mkdir -p "$OUT"

# best FILE FIELD: the largest value of FIELD among the dev evaluations in a metrics.jsonl.
best() {
	grep -o '"eval":{[^}]*' "$1" | grep -o "\"$2\":[0-9.e+-]*" | cut -d: -f2 | sort -g | tail -n 1
}

for seed in $SEEDS; do
	run=$OUT/$name-s$seed
	[[ -e $run.done ]] && continue
	start=$(date +%s)
	"$TRAIN" finetune --init "$init" --train "$G/train.csv" --dev "$G/dev.csv" --labels violence \
		--id-field id --max-len 128 --batch-size 32 --epochs 8 --lr 1e-4 --set warmup=60 \
		--pos-weight auto --eval-every 85 --patience 4 --set dropout=0.1 --seed "$seed" \
		--out "$run" --overwrite "$@" >"$run.log" 2>&1
	echo "$name seed $seed best dev PR-AUC $(best "$run/metrics.jsonl" pr_auc), best dev ROC-AUC $(best "$run/metrics.jsonl" roc_auc) wall_s $(($(date +%s) - start))" |
		tee -a "$OUT/results.txt"
	date -u +%FT%TZ >"$run.done"
done
