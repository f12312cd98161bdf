package eval

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// GateRow compares one metric of one head with the baseline.
type GateRow struct {
	Label  string
	Metric string // "roc_auc" or "pr_auc"
	// Baseline and Current are the metric's values; Drop is Baseline − Current.
	Baseline, Current, Drop float64
	// Regressed is true when Drop exceeds the allowed drop.
	Regressed bool
}

// GateResult is the outcome of comparing a report with a baseline report.
type GateResult struct {
	MaxDrop float64
	// Rows compare every head present in both reports, in the current report's label order.
	Rows []GateRow
	// MissingInCurrent lists heads of the baseline the current report lacks; MissingInBaseline the
	// reverse. Either fails the gate: the reports do not measure the same thing.
	MissingInCurrent  []string
	MissingInBaseline []string
}

// Gate compares current with baseline: it fails when any head's ROC-AUC or PR-AUC is more than maxDrop
// below the baseline's, or when a head is missing from either report.
func Gate(current, baseline *Report, maxDrop float64) GateResult {
	g := GateResult{MaxDrop: maxDrop}
	for _, l := range baseline.Labels {
		if current.Heads[l] == nil {
			g.MissingInCurrent = append(g.MissingInCurrent, l)
		}
	}
	for _, l := range current.Labels {
		b, c := baseline.Heads[l], current.Heads[l]
		if b == nil {
			g.MissingInBaseline = append(g.MissingInBaseline, l)
			continue
		}
		for _, m := range []struct {
			name        string
			base, value float64
		}{{"roc_auc", b.ROCAUC, c.ROCAUC}, {"pr_auc", b.PRAUC, c.PRAUC}} {
			drop := m.base - m.value
			g.Rows = append(g.Rows, GateRow{
				Label: l, Metric: m.name, Baseline: m.base, Current: m.value, Drop: drop,
				Regressed: drop > maxDrop+gateSlack,
			})
		}
	}
	return g
}

// gateSlack absorbs floating-point noise, so a drop equal to the allowed one passes.
const gateSlack = 1e-12

// Passed reports whether no metric regressed and both reports have the same heads.
func (g GateResult) Passed() bool {
	return len(g.MissingInCurrent) == 0 && len(g.MissingInBaseline) == 0 &&
		!slices.ContainsFunc(g.Rows, func(r GateRow) bool { return r.Regressed })
}

// Err is nil when the gate passed, else an error that names what failed.
func (g GateResult) Err() error {
	if g.Passed() {
		return nil
	}
	var failed []string
	for _, r := range g.Rows {
		if r.Regressed {
			failed = append(failed, fmt.Sprintf("%s %s dropped %.4f", r.Label, r.Metric, r.Drop))
		}
	}
	for _, l := range g.MissingInCurrent {
		failed = append(failed, fmt.Sprintf("head %s missing from the report", l))
	}
	for _, l := range g.MissingInBaseline {
		failed = append(failed, fmt.Sprintf("head %s missing from the baseline", l))
	}
	return fmt.Errorf("regression gate failed (max drop %g): %s", g.MaxDrop, strings.Join(failed, "; "))
}

// WriteTable writes the comparison as an aligned text table, one row per head and metric, marking
// regressions, then a line per missing head.
func (g GateResult) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "head\tmetric\tbaseline\tcurrent\tdrop\tstatus")
	for _, r := range g.Rows {
		status := "ok"
		if r.Regressed {
			status = fmt.Sprintf("REGRESSED (max drop %g)", g.MaxDrop)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.4f\t%.4f\t%+.4f\t%s\n", r.Label, r.Metric, r.Baseline, r.Current, r.Drop, status)
	}
	for _, l := range g.MissingInCurrent {
		fmt.Fprintf(tw, "%s\t\t\t\t\tERROR: missing from the report\n", l)
	}
	for _, l := range g.MissingInBaseline {
		fmt.Fprintf(tw, "%s\t\t\t\t\tERROR: missing from the baseline\n", l)
	}
	return tw.Flush()
}
