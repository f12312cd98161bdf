#!/usr/bin/env bash
# GermEval violence detection with Vigil, end to end on a CPU, with the ablation:
#
#   1. tok      WordPiece tokenizer on the generic text + the GermEval train texts
#   2. pre      MLM pretraining of `small` on the generic text
#   3. adapt    continued MLM pretraining (--init pre) on the GermEval train texts
#   4. finetune the violence head on GermEval train (dev.csv picks the checkpoint, temperature and
#      threshold) once per seed in FT_SEEDS, and evaluate the seed with the best dev PR-AUC on
#      test.csv, for three starting points:
#        ft-full     from adapt   (generic text + train texts)
#        ft-noadapt  from pre     (generic text only)
#        ft-nopre    from init    (a fresh `small` with the same tokenizer and start; see step 0)
#   5. with SOUP=1, average each variant's seeds into one model (train soup, calibrated on dev.csv)
#      and evaluate it on test.csv: $OUT/<variant>-soup. The seeds then share one classifier head
#      (FT_HEAD_SEED, default SEED), so that they differ in data order and dropout only.
#
# The defaults are the third run's recipe (docs/BENCHMARKS.md, "Third run"): the generic text is the
# German news (GENERIC_LANG=de), an 8,000-entry tokenizer, 6,000 pretraining steps with sine-wave
# position embeddings and no dropout (PRE_ARGS), 600 adaptation steps, fine-tuning with dropout 0.1
# (FT_ARGS) at lr 1e-4 over three seeds: about 50 minutes on 2 cores. GENERIC_LANG=en is the first
# set-up: generic English as the generic text (the tokenizer also reads the German news, and adapt
# reads the German news with the train texts). PRE_ARGS adds pretrain flags to init and pre, ADAPT_ARGS
# to adapt and FT_ARGS to every fine-tuning run; set one empty to add none.
#
# Every step is skipped when its marker $OUT/<step>.done exists; an interrupted pretraining or
# fine-tuning run continues with --resume. Run from the repository root. The `train` binary is built
# once into $OUT/train (commit and local changes in $OUT/build.txt), so a rebuild of bin/train during
# the run cannot mix versions; TRAIN=path overrides it. With PRETRAIN_STEPS or ADAPT_STEPS empty, a
# short throughput probe sets them to fill PRETRAIN_MINUTES and ADAPT_MINUTES.
#
#   tools/experiments/germeval.sh                       # the default recipe
#   tools/experiments/germeval-summary.sh               # its tables (needs jq)
#   tools/experiments/de-extra.sh && DE_EXTRA=runs/de-extra.txt PRETRAIN_STEPS=8000 FT_POS_WEIGHT=none \
#     OUT=runs/germeval-dex tools/experiments/germeval.sh  # the fourth run: 14.6 MB more German text
#   DE_EXTRA=runs/de-extra.txt VOCAB=16000 PRETRAIN_STEPS=8000 FT_POS_WEIGHT=none VARIANTS=ft-noadapt \
#     FT_SEEDS="42 43 44 45 46 47" SOUP=1 OUT=runs/germeval-v16k-soup tools/experiments/germeval.sh
#     # the best recipe so far (seventh run): $OUT/ft-noadapt-soup, six seeds averaged into one model
set -euo pipefail

SHARED=${SHARED:-../shared/data}
OUT=${OUT:-runs/germeval}
TRAIN=${TRAIN:-}   # empty: built once into $OUT/train, so every step runs the same binary

VOCAB=${VOCAB:-8000}
SEQ_LEN=${SEQ_LEN:-128}
PRE_BATCH=${PRE_BATCH:-32}
ADAPT_SEQ_LEN=${ADAPT_SEQ_LEN:-$SEQ_LEN}   # short sequences can leave the MLM plateau sooner (plateau.sh)
ADAPT_BATCH=${ADAPT_BATCH:-$PRE_BATCH}
PRETRAIN_MINUTES=${PRETRAIN_MINUTES:-20}
PRETRAIN_STEPS=${PRETRAIN_STEPS-6000}   # empty: derived from a measured throughput
PRE_LR=${PRE_LR:-5e-4}
PRE_EVAL_POINTS=${PRE_EVAL_POINTS:-10}
PRE_HOLDOUT=${PRE_HOLDOUT:-50}   # every PRE_HOLDOUT'th generic sequence is held out (500 at most)
ADAPT_MINUTES=${ADAPT_MINUTES:-11}
ADAPT_STEPS=${ADAPT_STEPS-600}
ADAPT_LR=${ADAPT_LR:-2e-4}
FT_LR=${FT_LR:-1e-4}
FT_EPOCHS=${FT_EPOCHS:-8}
FT_BATCH=${FT_BATCH:-32}
FT_EVAL_EVERY=${FT_EVAL_EVERY:-85}
FT_WARMUP=${FT_WARMUP:-60}
FT_PATIENCE=${FT_PATIENCE:-4}
FT_POS_WEIGHT=${FT_POS_WEIGHT:-auto}   # finetune --pos-weight: auto (negatives/positives) or none
FT_TRAIN=${FT_TRAIN:-}   # fine-tuning data in place of train.csv, e.g. synonym_aug.py's augmented copy
FT_SEEDS=${FT_SEEDS:-42 43 44}   # each variant keeps the seed with the best dev PR-AUC
SOUP=${SOUP:-}   # 1: also average each variant's seeds into one model (step 5)
VARIANTS=${VARIANTS:-ft-full ft-noadapt ft-nopre}   # the fine-tuned variants to run, in this order
SEED=${SEED:-42}
FT_HEAD_SEED=${FT_HEAD_SEED:-${SOUP:+$SEED}}   # finetune head_seed; empty: each run's --seed
GENERIC_LANG=${GENERIC_LANG:-de}
DE_EXTRA=${DE_EXTRA:-}   # more German text files for tok and pre (de-extra.sh writes one), GENERIC_LANG=de only
TOKENIZER=${TOKENIZER:-}   # a tokenizer directory to use instead of learning one (unigram-de.sh writes one)
ADAPT_MORE=${ADAPT_MORE:-}   # files read by adapt besides the train texts, e.g. thesaurus-de.sh's output
read -ra PRE_EXTRA <<<"${PRE_ARGS---set position_init=sinusoidal --set dropout=0}"
read -ra ADAPT_EXTRA <<<"${ADAPT_ARGS-}"
read -ra FT_EXTRA <<<"${FT_ARGS---set dropout=0.1}"
[[ -z $FT_HEAD_SEED ]] || FT_EXTRA+=(--set "head_seed=$FT_HEAD_SEED")

G=$SHARED/germeval-vio
# Generic English, without agnews-test.csv (different columns). The order matters: a short run reads
# the corpus from the start (shuffled within blocks), so the varied sources come first.
GENERIC=(bbc-news.txt wikitext2-test.txt reuters21578.txt newsgroups20.txt abc-news-au.txt
	gutenberg.txt state-union.txt wikitext2-valid.txt)
GENERIC=("${GENERIC[@]/#/$SHARED/generic/}")
GENERIC_DATA=()
for f in "${GENERIC[@]}"; do GENERIC_DATA+=(--data "$f"); done
DE=$SHARED/de/10kgnad-news.txt
case $GENERIC_LANG in
en)
	[[ -z $DE_EXTRA ]] || { echo "germeval: DE_EXTRA needs GENERIC_LANG=de" >&2; exit 2; }
	TOK_CORPUS=$(IFS=,; echo "${GENERIC[*]},$DE")
	ADAPT_DATA=(--data "$DE" --data "$G/train.csv")
	;;
de)
	GENERIC=("$DE")
	GENERIC_DATA=(--data "$DE")
	TOK_CORPUS=$DE
	for f in $DE_EXTRA; do
		GENERIC+=("$f")
		GENERIC_DATA+=(--data "$f")
		TOK_CORPUS+=,$f
	done
	ADAPT_DATA=(--data "$G/train.csv")
	;;
*)
	echo "germeval: GENERIC_LANG=$GENERIC_LANG: want en or de" >&2
	exit 2
	;;
esac

for f in $ADAPT_MORE; do ADAPT_DATA+=(--data "$f"); done

needs() { [[ " $VARIANTS " == *" $1 "* ]]; }   # needs VARIANT: VARIANTS lists it
log() { printf '%s  %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
done_marker() { echo "$OUT/$1.done"; }
is_done() { [[ -e $(done_marker "$1") ]]; }
mark_done() { date -u +%FT%TZ >"$(done_marker "$1")"; }

# run_or_resume DIR CMD...: runs CMD --out DIR, or continues an interrupted run in DIR with --resume.
run_or_resume() {
	local dir=$1
	shift
	if [[ -d $dir/trainer_state ]]; then
		log "resuming $dir"
		"${@:1:2}" --out "$dir" --resume
	else
		"$@" --out "$dir" --overwrite
	fi
}

# median_tps FILE: the median tokens_per_s over the lines of a metrics.jsonl after the first (warm-up).
median_tps() {
	grep -o '"tokens_per_s":[0-9.e+]*' "$1" | tail -n +2 | cut -d: -f2 | sort -g |
		awk '{v[NR]=$1} END {if (NR == 0) exit 1; print v[int((NR+1)/2)]}'
}

# steps_for MINUTES: optimizer updates that fit MINUTES of wall time at the probed throughput, less
# 8% for evaluations and checkpoints.
steps_for() {
	awk -v m="$1" -v t="$TPS" -v b="$PRE_BATCH" -v s="$SEQ_LEN" 'BEGIN {printf "%d\n", m*60*t*0.92/(b*s)}'
}

mkdir -p "$OUT"

if [[ -z $TRAIN ]]; then
	TRAIN=$OUT/train
	if [[ ! -x $TRAIN ]]; then
		log "building $TRAIN"
		go build -o "$TRAIN" ./cmd/train
		{ git rev-parse HEAD; git status --short; } >"$OUT/build.txt"
	fi
fi

# 1. Tokenizer: lowercase, accents kept (ä ö ü ß stay distinct), or a copy of TOKENIZER's.
if ! is_done tok; then
	if [[ -n $TOKENIZER ]]; then
		log "tokenizer from $TOKENIZER"
		mkdir -p "$OUT/tok"
		cp "$TOKENIZER/tokenizer.json" "$OUT/tok/"
	else
		log "tokenizer ($VOCAB)"
		"$TRAIN" tokenizer --corpus "$TOK_CORPUS" --corpus "$G/train.csv" --text-field text \
			--vocab-size "$VOCAB" --lowercase --out "$OUT/tok"
	fi
	mark_done tok
fi

# Variant (iii)'s start, a fresh `small` with the tokenizer: --epochs 0 writes the initial weights of
# --seed, untrained, as a model directory that finetune --init accepts.
if ! is_done init; then
	log "fresh small model (init)"
	"$TRAIN" pretrain --model small --tokenizer "$OUT/tok" --epochs 0 --seed "$SEED" \
		--out "$OUT/init" --overwrite ${PRE_EXTRA[@]+"${PRE_EXTRA[@]}"}
	mark_done init
fi

# Throughput probe (not part of any result): a few steps of the real configuration.
if [[ -z $PRETRAIN_STEPS || -z $ADAPT_STEPS ]]; then
	if [[ ! -s $OUT/probe/metrics.jsonl ]]; then
		log "throughput probe"
		"$TRAIN" pretrain --model small --tokenizer "$OUT/tok" --data "${GENERIC[0]}" \
			--seq-len "$SEQ_LEN" --batch-size "$PRE_BATCH" --max-steps 8 --eval-every 0 \
			--set eval_sequences=8 --seed "$SEED" --out "$OUT/probe" --overwrite
	fi
	TPS=$(median_tps "$OUT/probe/metrics.jsonl")
	log "probed throughput: $TPS tokens/s"
	PRETRAIN_STEPS=${PRETRAIN_STEPS:-$(steps_for "$PRETRAIN_MINUTES")}
	ADAPT_STEPS=${ADAPT_STEPS:-$(steps_for "$ADAPT_MINUTES")}
fi
PRE_EVAL_EVERY=$((PRETRAIN_STEPS / PRE_EVAL_POINTS))
ADAPT_EVAL_EVERY=$((ADAPT_STEPS / 6))
log "pretrain $PRETRAIN_STEPS steps (eval every $PRE_EVAL_EVERY), adapt $ADAPT_STEPS steps"

# 2. Pretrain on the generic text, unless only ft-nopre runs. Held out: every PRE_HOLDOUT'th sequence,
#    500 at most.
if ! is_done pre && { needs ft-noadapt || needs ft-full; }; then
	log "pretrain on generic ($GENERIC_LANG)"
	start=$(date +%s)
	run_or_resume "$OUT/pre" "$TRAIN" pretrain --model small --tokenizer "$OUT/tok" \
		"${GENERIC_DATA[@]}" \
		--seq-len "$SEQ_LEN" --batch-size "$PRE_BATCH" --lr "$PRE_LR" --warmup $((PRETRAIN_STEPS / 20)) \
		--max-steps "$PRETRAIN_STEPS" --eval-every "$PRE_EVAL_EVERY" --save-every "$PRE_EVAL_EVERY" \
		--seed "$SEED" --set holdout_every="$PRE_HOLDOUT" --set eval_sequences=500 ${PRE_EXTRA[@]+"${PRE_EXTRA[@]}"}
	echo "wall_s $(($(date +%s) - start))" >"$OUT/pre.wall"
	mark_done pre
fi

# 3. Adapt on German: news + the GermEval train texts, or the train texts alone when the generic
#    text is German (never dev or test). Only ft-full needs it.
if ! is_done adapt && needs ft-full; then
	log "adapt on ${ADAPT_DATA[*]}"
	start=$(date +%s)
	run_or_resume "$OUT/adapt" "$TRAIN" pretrain --init "$OUT/pre" "${ADAPT_DATA[@]}" \
		--text-field text --seq-len "$ADAPT_SEQ_LEN" --batch-size "$ADAPT_BATCH" --lr "$ADAPT_LR" \
		--warmup $((ADAPT_STEPS / 20)) --max-steps "$ADAPT_STEPS" --eval-every "$ADAPT_EVAL_EVERY" \
		--save-every "$ADAPT_EVAL_EVERY" --seed "$SEED" --set holdout_every=50 --set eval_sequences=150 \
		${ADAPT_EXTRA[@]+"${ADAPT_EXTRA[@]}"}
	echo "wall_s $(($(date +%s) - start))" >"$OUT/adapt.wall"
	mark_done adapt
fi

# 4. Fine-tune each variant once per seed in FT_SEEDS, keep the run with the best dev PR-AUC (the
#    trainer keeps each run's best checkpoint by dev PR-AUC), and evaluate that one alone on test.
#    $OUT/<variant> links to the chosen run; $OUT/<variant>.seeds lists every seed's best dev PR-AUC.

# best_dev DIR: the best dev PR-AUC among the evaluations in DIR/metrics.jsonl.
best_dev() {
	grep -o '"eval":{[^}]*' "$1/metrics.jsonl" | grep -o '"pr_auc":[0-9.e+-]*' | cut -d: -f2 | sort -g | tail -n 1
}

finetune_eval() {
	local name=$1 init=$2 seed run
	for seed in $FT_SEEDS; do
		run=$name-s$seed
		is_done "$run" && continue
		log "finetune $run from $init"
		start=$(date +%s)
		run_or_resume "$OUT/$run" "$TRAIN" finetune --init "$init" --train "${FT_TRAIN:-$G/train.csv}" \
			--dev "$G/dev.csv" --test "$G/test.csv" --labels violence --id-field id \
			--max-len "$SEQ_LEN" --batch-size "$FT_BATCH" --epochs "$FT_EPOCHS" --lr "$FT_LR" \
			--set warmup="$FT_WARMUP" --pos-weight "$FT_POS_WEIGHT" --eval-every "$FT_EVAL_EVERY" \
			--patience "$FT_PATIENCE" --seed "$seed" ${FT_EXTRA[@]+"${FT_EXTRA[@]}"}
		echo "wall_s $(($(date +%s) - start))" >"$OUT/$run.wall"
		mark_done "$run"
	done
	if ! is_done "$name-eval"; then
		for seed in $FT_SEEDS; do
			echo "$seed $(best_dev "$OUT/$name-s$seed")"
		done >"$OUT/$name.seeds"
		seed=$(sort -k2 -g "$OUT/$name.seeds" | tail -n 1 | cut -d' ' -f1)
		log "evaluate $name on test: seed $seed has the best dev PR-AUC ($(tr '\n' ' ' <"$OUT/$name.seeds"))"
		ln -sfn "$name-s$seed" "$OUT/$name"
		cp "$OUT/$name-s$seed.wall" "$OUT/$name.wall"
		"$TRAIN" eval --model "$OUT/$name" --data "$G/test.csv" --labels violence --id-field id \
			--lexicon de --report "$OUT/$name/report-test"
		mark_done "$name-eval"
	fi
	if [[ -n $SOUP ]] && ! is_done "$name-soup"; then
		local members=()
		for seed in $FT_SEEDS; do members+=("$OUT/$name-s$seed"); done
		log "soup of $name: ${#members[@]} seeds, evaluated on test"
		"$TRAIN" soup --out "$OUT/$name-soup" --overwrite "${members[@]}"
		"$TRAIN" eval --model "$OUT/$name-soup" --data "$G/test.csv" --labels violence --id-field id \
			--lexicon de --report "$OUT/$name-soup/report-test"
		mark_done "$name-soup"
	fi
}

declare -A FROM=([ft-full]=adapt [ft-noadapt]=pre [ft-nopre]=init)
for v in $VARIANTS; do
	[[ -n ${FROM[$v]:-} ]] || { echo "germeval: unknown variant $v (want ft-full, ft-noadapt or ft-nopre)" >&2; exit 2; }
	finetune_eval "$v" "$OUT/${FROM[$v]}"
done
log "done: $OUT/ft-*/report-test/report.md"
