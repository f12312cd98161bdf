package eval_test

import (
	"fmt"
	"os"

	"github.com/vigil-ml/vigil/eval"
)

func ExampleROCAUC() {
	scores := []float64{0.9, 0.8, 0.8, 0.3, 0.1}
	labels := []bool{true, false, true, false, false}
	roc, _ := eval.ROCAUC(scores, labels)
	ap, _ := eval.PRAUC(scores, labels)
	fmt.Printf("ROC-AUC %.3f, PR-AUC %.3f\n", roc, ap)
	_, err := eval.ROCAUC([]float64{0.4, 0.6}, []bool{true, true})
	fmt.Println(err)
	// Output:
	// ROC-AUC 0.917, PR-AUC 0.833
	// eval: ROC-AUC: only one class present
}

// To review every threat while reading as few messages as possible, pick the highest threshold that
// still finds 90% of the positives and count the messages flagged there.
func ExampleThresholdForRecall() {
	scores := []float64{0.95, 0.9, 0.7, 0.6, 0.4, 0.35, 0.3, 0.2, 0.1, 0.05}
	labels := []bool{true, false, true, false, true, false, false, false, false, false}
	t, _ := eval.ThresholdForRecall(scores, labels, 0.9)
	c := eval.At(scores, labels, t)
	fmt.Printf("threshold %.2f: read %d of %d messages, recall %.2f, precision %.2f\n",
		t, c.Flagged(), c.N(), c.Recall(), c.Precision())
	// Output:
	// threshold 0.40: read 5 of 10 messages, recall 1.00, precision 0.60
}

func ExampleGate() {
	head := func(roc, pr float64) *eval.Report {
		return &eval.Report{Schema: eval.SchemaVersion, Labels: []string{"threat"},
			Heads: map[string]*eval.Head{"threat": {Label: "threat", ROCAUC: roc, PRAUC: pr}}}
	}
	g := eval.Gate(head(0.91, 0.55), head(0.90, 0.60), 0.01)
	g.WriteTable(os.Stdout)
	fmt.Println(g.Err())
	// Output:
	// head    metric   baseline  current  drop     status
	// threat  roc_auc  0.9000    0.9100   -0.0100  ok
	// threat  pr_auc   0.6000    0.5500   +0.0500  REGRESSED (max drop 0.01)
	// regression gate failed (max drop 0.01): threat pr_auc dropped 0.0500
}
