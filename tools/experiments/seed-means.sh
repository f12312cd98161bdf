#!/usr/bin/env bash
# Evaluates every seed of the fine-tuned variants of tools/experiments/germeval.sh runs on test and
# prints one Markdown row per run and variant: test ROC-AUC and PR-AUC of each seed and their means.
# The dev-chosen seed alone is noisy; the mean over seeds is what recipes are compared by. Each
# seed's report goes to <run>/<variant>-sNN/report-test-all (kept: a second call only reads it).
# Needs jq.
#
#   tools/experiments/seed-means.sh runs/germeval-dex runs/germeval-electra
#   VARIANTS="ft-full" SEEDS="42 43 44" tools/experiments/seed-means.sh runs/germeval
set -euo pipefail

SHARED=${SHARED:-../shared/data}
VARIANTS=${VARIANTS:-ft-full ft-noadapt ft-nopre}
SEEDS=${SEEDS:-42 43 44 45 46 47}
TRAIN=${TRAIN:-}
G=$SHARED/germeval-vio
command -v jq >/dev/null || { echo "seed-means: jq not found" >&2; exit 1; }
[[ $# -gt 0 ]] || { echo "usage: seed-means.sh RUN_DIR..." >&2; exit 2; }
if [[ -z $TRAIN ]]; then
	TRAIN=$(mktemp -d)/train
	go build -o "$TRAIN" ./cmd/train
fi

echo "| run, variant | test ROC-AUC, seeds ${SEEDS// /, } | mean | test PR-AUC | mean |"
echo "|---|---|---:|---|---:|"
for run in "$@"; do
	for v in $VARIANTS; do
		rocs=() prs=()
		for seed in $SEEDS; do
			dir=$run/$v-s$seed
			[[ -s $dir/model.safetensors ]] || continue
			report=$dir/report-test-all/report.json
			if [[ ! -s $report ]]; then
				if ! "$TRAIN" eval --model "$dir" --data "$G/test.csv" --labels violence --id-field id \
					--lexicon de --report "$dir/report-test-all" >"$dir/report-test-all.log" 2>&1; then
					cat "$dir/report-test-all.log" >&2
					exit 1
				fi
			fi
			rocs+=("$(jq -r '.heads.violence.roc_auc' "$report")")
			prs+=("$(jq -r '.heads.violence.pr_auc' "$report")")
		done
		[[ ${#rocs[@]} -gt 0 ]] || continue
		row() { printf '%s\n' "$@" | awk '{printf "%s%.3f", (NR > 1 ? " " : ""), $1; s += $1} END {printf " | %.3f", s / NR}'; }
		echo "| $run $v (${#rocs[@]} seeds) | $(row "${rocs[@]}") | $(row "${prs[@]}") |"
	done
done
