// Package train holds the one training loop every stage of Vigil uses — pretraining, domain
// adaptation and fine-tuning — and the masked-language-modelling data pipeline that feeds pretraining.
//
// A Trainer never knows which model it trains: it takes a Model (parameters and a summed loss on a
// batch), a Stream of batches that can say where it stands, and a run directory. It owns the rest:
// AdamW with biases and layer norms exempt from weight decay, a warmup-then-decay Schedule, global
// gradient-norm clipping, gradient accumulation normalised by the whole update's target count,
// periodic evaluation, metrics.jsonl, and atomic checkpoints in the run directory's trainer_state/
// from which a run resumes exactly: the resumed run ends with the same weights, bit for bit, as one
// that was never interrupted. Exactness assumes the same build and GOMAXPROCS (the engine splits work
// by core count) and unchanged input files, which run.json records by hash (see CheckInputs).
//
// With Select set, every evaluation also scores the model on held-out data; Dir then keeps the
// best-scoring weights and Config.Patience stops a run that no longer improves. LRScale gives each
// parameter its own learning-rate multiplier per step (layer-wise decay, a frozen encoder).
//
// For fine-tuning, ClassSet and ClassStream turn a labelled set into classification batches,
// Classifier trains a model's multi-label head with per-label positive weights, SelectByPRAUC scores
// it on dev by mean PR-AUC, and Calibrate fits a temperature per label on dev, folds it into the
// classifier's weights and picks the decision thresholds.
//
// Corpus turns text files into MLM batches: lines are tokenized, packed into sequences of up to
// SeqLen tokens, split into a held-out and a training part by a fixed rule, shuffled within bounded
// blocks and masked dynamically, each epoch differently but reproducibly.
package train
