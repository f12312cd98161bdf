package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/vigil-ml/vigil/internal/atomicfile"
)

// SchemaVersion is the version of the report.json layout; a reader refuses other versions.
const SchemaVersion = 1

// Report is an evaluation of a classifier on held-out labels: what report.json holds and what the
// Markdown and HTML reports and their figures are drawn from. Optional numbers are pointers, nil (JSON
// null) where the metric is undefined, so the file never holds NaN.
type Report struct {
	Schema  int    `json:"schema"`
	Vigil   string `json:"vigil"`   // Vigil version that wrote the report
	Created string `json:"created"` // RFC 3339 time, UTC
	// Model identifies the evaluated model.
	Model ModelInfo `json:"model"`
	// Data identifies the labelled set.
	Data DataInfo `json:"data"`
	// N is the number of examples evaluated.
	N int `json:"n"`
	// Labels lists the heads in model order; Heads and KeywordBaseline have one entry each.
	Labels []string `json:"labels"`
	// Bootstrap describes how the confidence intervals were drawn.
	Bootstrap BootstrapInfo `json:"bootstrap"`
	// Lexicon describes the signal words behind the per-word table and the keyword baseline.
	Lexicon LexiconInfo `json:"lexicon"`
	// ShowText is true when example texts were written into the report.
	ShowText bool `json:"show_text"`
	// Heads holds the model's metrics per label.
	Heads map[string]*Head `json:"heads"`
	// KeywordBaseline holds, per label, the metrics of ranking by signal-word hits instead of the model.
	KeywordBaseline map[string]*Baseline `json:"keyword_baseline"`
	// Warnings are things a reader must know, e.g. a threshold that fell back to 0.5.
	Warnings []string `json:"warnings"`
}

// ModelInfo identifies a model directory.
type ModelInfo struct {
	// ID is the SHA-256 of model.safetensors, hex: the same weights give the same id wherever they lie.
	ID  string `json:"id"`
	Dir string `json:"dir"`
	// MaxLen is the token length messages were truncated to when scored.
	MaxLen int `json:"max_len"`
}

// DataInfo identifies the labelled set.
type DataInfo struct {
	Path string `json:"path"`
	// SHA256 is the SHA-256 of the file's bytes, hex.
	SHA256    string `json:"sha256"`
	Bytes     int64  `json:"bytes"`
	TextField string `json:"text_field"`
	IDField   string `json:"id_field,omitempty"`
}

// BootstrapInfo describes the bootstrap behind the confidence intervals.
type BootstrapInfo struct {
	// Resamples is the number drawn per head; a resample with a single class is skipped.
	Resamples int `json:"resamples"`
	// Method is "percentile": each resample draws n examples uniformly with replacement, and the
	// interval runs between the percentiles of the resampled metric.
	Method string  `json:"method"`
	Level  float64 `json:"level"` // 0.95: the 2.5th and 97.5th percentiles
	Seed   uint64  `json:"seed"`
}

// LexiconInfo describes a signal-word lexicon.
type LexiconInfo struct {
	// Name is the built-in name ("en") or the file path.
	Name  string   `json:"name"`
	Terms []string `json:"terms"`
}

// Head is the evaluation of one label's output.
type Head struct {
	Label     string `json:"label"`
	N         int    `json:"n"`
	Positives int    `json:"positives"`
	// ROCAUC and PRAUC are on the whole set; their CIs are bootstrap intervals.
	ROCAUC   float64  `json:"roc_auc"`
	ROCAUCCI Interval `json:"roc_auc_ci"`
	PRAUC    float64  `json:"pr_auc"`
	PRAUCCI  Interval `json:"pr_auc_ci"`
	// Threshold is the stored operating threshold (from the model's config.json, else 0.5; see
	// ThresholdSource); Precision, Recall, F1 and Confusion are at it.
	Threshold       float64   `json:"threshold"`
	ThresholdSource string    `json:"threshold_source"` // "config" or "default"
	Precision       float64   `json:"precision"`
	Recall          float64   `json:"recall"`
	F1              float64   `json:"f1"`
	Confusion       Confusion `json:"confusion"`
	// ECE is the expected calibration error over the 10 equal-width Reliability bins.
	ECE         float64 `json:"ece"`
	Reliability []Bin   `json:"reliability"`
	// Thresholds lists the operating points triage chooses from: stored, recall ≥ 0.90, recall ≥ 0.95,
	// best F1.
	Thresholds []OperatingPoint `json:"thresholds"`
	// ROC and PR are the curves, downsampled to at most MaxCurvePoints points.
	ROC []ROCPoint `json:"roc"`
	PR  []PRPoint  `json:"pr"`
	// Histogram counts scores per class in equal-width bins over [0, 1].
	Histogram Histogram `json:"histogram"`
	// SignalWords has one row per lexicon term, in lexicon order.
	SignalWords []WordRow `json:"signal_words"`
	// TopFalsePositives are the highest-scoring negatives; TopFalseNegatives the lowest-scoring positives.
	TopFalsePositives []Example `json:"top_false_positives"`
	TopFalseNegatives []Example `json:"top_false_negatives"`
}

// Interval is a bootstrap confidence interval.
type Interval struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
	// Resamples is how many resamples had both classes and were used; when 0, Lo and Hi are 0 and
	// mean nothing.
	Resamples int `json:"resamples"`
}

// OperatingPoint is the outcome of flagging messages that score at or above Threshold.
type OperatingPoint struct {
	// Name is "stored", "recall_0.90", "recall_0.95" or "best_f1".
	Name      string    `json:"name"`
	Threshold float64   `json:"threshold"`
	Confusion Confusion `json:"confusion"`
	Precision float64   `json:"precision"`
	Recall    float64   `json:"recall"`
	F1        float64   `json:"f1"`
	// ToRead is the number of messages flagged, which people must read; ToReadShare is its share of
	// all messages.
	ToRead      int     `json:"to_read"`
	ToReadShare float64 `json:"to_read_share"`
}

// ROCPoint is one point of a ROC curve: the rates when flagging scores >= Threshold.
type ROCPoint struct {
	FPR       float64 `json:"fpr"`
	TPR       float64 `json:"tpr"`
	Threshold float64 `json:"threshold"`
}

// PRPoint is one point of a precision-recall curve when flagging scores >= Threshold.
type PRPoint struct {
	Recall    float64 `json:"recall"`
	Precision float64 `json:"precision"`
	Threshold float64 `json:"threshold"`
}

// Bin is one reliability bin: the examples whose score lies in (Lo, Hi] ([Lo, Hi] for the first), as
// scikit-learn's calibration_curve bins them.
type Bin struct {
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
	Count int     `json:"count"`
	// MeanScore and PositiveRate are nil for an empty bin.
	MeanScore    *float64 `json:"mean_score"`
	PositiveRate *float64 `json:"positive_rate"`
}

// Histogram counts scores per class in bins with the given edges (len(Edges) = bins + 1), bin b
// holding the scores in (Edges[b], Edges[b+1]], the first bin also Edges[0].
type Histogram struct {
	Edges    []float64 `json:"edges"`
	Positive []int     `json:"positive"`
	Negative []int     `json:"negative"`
}

// WordRow is the model's performance on the messages that contain one signal word.
type WordRow struct {
	Term      string `json:"term"`
	Count     int    `json:"count"`
	Positives int    `json:"positives"`
	// MeanScorePos and MeanScoreNeg are nil when the term has no positive (negative) message.
	MeanScorePos *float64 `json:"mean_score_pos"`
	MeanScoreNeg *float64 `json:"mean_score_neg"`
	// Precision and Recall are at the head's stored threshold, within these messages; nil when
	// nothing is flagged (precision) or no message is positive (recall).
	Precision *float64 `json:"precision"`
	Recall    *float64 `json:"recall"`
	// ROCAUC is nil unless the messages hold both classes.
	ROCAUC *float64 `json:"roc_auc"`
}

// Example is one misclassified message at the stored threshold.
type Example struct {
	ID    string  `json:"id"`
	Score float64 `json:"score"`
	// Source is "file:line".
	Source string `json:"source,omitempty"`
	// Hits lists the signal words the message contains.
	Hits []string `json:"hits"`
	// Text is present only when the report was made with show-text.
	Text string `json:"text,omitempty"`
}

// Baseline is the evaluation of the keyword baseline for one label: each message scored by its number
// of signal-word matches.
type Baseline struct {
	ROCAUC   float64  `json:"roc_auc"`
	ROCAUCCI Interval `json:"roc_auc_ci"`
	PRAUC    float64  `json:"pr_auc"`
	PRAUCCI  Interval `json:"pr_auc_ci"`
	// AnyHit is the outcome of flagging every message with at least one match.
	AnyHit OperatingPoint `json:"any_hit"`
	ROC    []ROCPoint     `json:"roc"`
	PR     []PRPoint      `json:"pr"`
}

// WriteReport writes r as indented JSON to path atomically: a failure leaves no partial file.
func WriteReport(path string, r *Report) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	if err := atomicfile.WriteBytes(path, 0o644, b.Bytes()); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// ReadReport reads a report.json and checks that it is a report of this schema with a consistent set of
// heads: what the regression gate compares against.
func ReadReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var r Report
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("report %s: %w", path, err)
	}
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("report %s: %w", path, err)
	}
	return &r, nil
}

// validate reports a wrong schema version or heads that do not match the labels.
func (r *Report) validate() error {
	if r.Schema != SchemaVersion {
		return fmt.Errorf("schema %d, want %d", r.Schema, SchemaVersion)
	}
	var problems []string
	for _, l := range r.Labels {
		if r.Heads[l] == nil {
			problems = append(problems, fmt.Sprintf("label %q has no head", l))
		}
	}
	for _, l := range slices.Sorted(maps.Keys(r.Heads)) {
		if !slices.Contains(r.Labels, l) {
			problems = append(problems, fmt.Sprintf("head %q is not among the labels [%s]", l, strings.Join(r.Labels, ", ")))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}
