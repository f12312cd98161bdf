#!/usr/bin/env bash
# Prints the Markdown tables of a finished (or running) tools/experiments/germeval.sh run: the
# held-out MLM curve of the generic pretraining and of the German adaptation (with the loss without
# context, when run.json records it), and the test metrics of every fine-tuned variant.
# Needs jq.
#
#   tools/experiments/germeval-summary.sh            # OUT=runs/germeval
set -euo pipefail

OUT=${OUT:-runs/germeval}
command -v jq >/dev/null || { echo "germeval-summary: jq not found" >&2; exit 1; }

# curve DIR: step, cumulative training tokens, eval loss and perplexity at every evaluation, a
# sparkline of the perplexity (log scale) and the throughput over the run's wall time.
curve() {
	local dir=$1 wall=""
	[[ -s $dir/metrics.jsonl ]] || return 0
	[[ -s $dir.wall ]] && wall=$(awk '{print $2}' "$dir.wall")
	echo "### $(basename "$dir")"
	echo
	echo "| step | tokens | eval loss | perplexity |"
	echo "|---:|---:|---:|---:|"
	jq -rR 'fromjson? | [.step, .tokens, (.eval_loss // ""), (.eval_ppl // "")] | @tsv' "$dir/metrics.jsonl" |
		awk -F'\t' -v wall="$wall" '
			{ tok += $2; steps = $1 }
			$3 != "" { printf "| %d | %.2fM | %.3f | %.1f |\n", $1, tok/1e6, $3, $4; p[++n] = log($4) }
			END {
				split("▁ ▂ ▃ ▄ ▅ ▆ ▇ █", bar, " ")
				lo = hi = p[1]; for (i = 1; i <= n; i++) { if (p[i] < lo) lo = p[i]; if (p[i] > hi) hi = p[i] }
				s = ""; for (i = 1; i <= n; i++) s = s bar[hi > lo ? 1 + int(7 * (hi - p[i]) / (hi - lo) + 0.5) : 1]
				printf "\nperplexity, first to last evaluation (log scale, high bar = low perplexity): %s\n", s
				if (wall != "") printf "%d steps, %.2fM tokens in %d s wall: %.0f tokens/s\n", steps, tok/1e6, wall, tok/wall
			}'
	if [[ -s $dir/run.json ]]; then
		jq -r '.data.context_free_loss // empty |
			"held-out loss without context (word frequencies and the visible token): \(.*1000|round/1000) (perplexity \(exp*10|round/10))"' "$dir/run.json"
	fi
	echo
}

curve "$OUT/pre"
curve "$OUT/adapt"

echo "| variant | test ROC-AUC [95% CI] | test PR-AUC [95% CI] | F1 at stored threshold (P / R) | best dev PR-AUC | fine-tune wall |"
echo "|---|---|---|---|---|---|"
for v in ft-full ft-noadapt ft-nopre; do
	r=$OUT/$v/report-test/report.json
	[[ -s $r ]] || continue
	dev=$(jq -nR '[inputs | fromjson? | .eval.pr_auc // empty] | max' "$OUT/$v/metrics.jsonl")
	wall=$(awk '{print $2 " s"}' "$OUT/$v.wall" 2>/dev/null || echo "")
	jq -r --arg v "$v" --arg dev "$dev" --arg wall "$wall" '.heads.violence |
		"| \($v) | \(.roc_auc*1000|round/1000) [\(.roc_auc_ci.lo*1000|round/1000), \(.roc_auc_ci.hi*1000|round/1000)] | \(.pr_auc*1000|round/1000) [\(.pr_auc_ci.lo*1000|round/1000), \(.pr_auc_ci.hi*1000|round/1000)] | \(.f1*1000|round/1000) (\(.precision*1000|round/1000) / \(.recall*1000|round/1000)) at \(.threshold*10000|round/10000) | \($dev|tonumber*1000|round/1000) | \($wall) |"' "$r"
done
for r in "$OUT"/ft-*/report-test/report.json; do
	[[ -s $r ]] && break
done
if [[ -s $r ]]; then
	jq -r '.lexicon.name as $lex | .keyword_baseline.violence |
		"| keyword count (lexicon \($lex), same test report) | \(.roc_auc*1000|round/1000) [\(.roc_auc_ci.lo*1000|round/1000), \(.roc_auc_ci.hi*1000|round/1000)] | \(.pr_auc*1000|round/1000) [\(.pr_auc_ci.lo*1000|round/1000), \(.pr_auc_ci.hi*1000|round/1000)] | \(.any_hit.f1*1000|round/1000) (any match) | | |"' "$r"
fi
