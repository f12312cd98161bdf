package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// row is one line of the summary: a measurement, its target (empty when informational) and
// whether the target was met.
type row struct {
	what, value, target string
	pass                bool
}

// summarize prints the results as a table and reports whether every target was met.
func summarize(w io.Writer, sentences int, tr *training, enc [2]throughput, js *jsResult) bool {
	rows := []row{
		{"training time", tr.elapsed.Round(time.Millisecond).String(), "< " + targetTrain.String(), tr.elapsed < targetTrain},
		{"training peak live heap (sampled)", mib(tr.peakHeap), "< 1 GiB", tr.peakHeap < targetMemory},
		{"heap obtained from the OS (HeapSys)", mib(tr.heapSys), "", true},
		{"peak RSS through training (VmHWM)", mib(tr.vmHWM), "< 1 GiB", tr.vmHWM < targetMemory},
		{"encode, GOMAXPROCS=1", mtoks(enc[0].perSecond), "", true},
		{"encode, GOMAXPROCS=2", mtoks(enc[1].perSecond), fmt.Sprintf(">= %s", mtoks(targetThroughput)), enc[1].perSecond >= targetThroughput},
	}
	if js != nil {
		ratio := enc[1].perSecond / js.JS.PerSecond
		rows = append(rows,
			row{"@huggingface/tokenizers, 1 thread", mtoks(js.JS.PerSecond), "", true},
			row{"Vigil (2 cores) / JavaScript", fmt.Sprintf("%.1fx", ratio), fmt.Sprintf(">= %.0fx", targetVsJS), ratio >= targetVsJS},
			row{"Vigil (1 core) / JavaScript", fmt.Sprintf("%.1fx", enc[0].perSecond/js.JS.PerSecond), "", true},
		)
		if js.Rust != nil {
			rows = append(rows, row{"Rust tokenizers encodeBatch (Node binding)", mtoks(js.Rust.PerSecond), "", true})
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nmeasurement\tvalue\ttarget\tresult")
	all := true
	for _, r := range rows {
		result := ""
		if r.target != "" {
			result = "PASS"
			if !r.pass {
				result = "FAIL"
				all = false
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.what, r.value, r.target, result)
	}
	tw.Flush()
	fmt.Fprintf(w, "(%d sentences, %d tokens; medians of repeated runs on a shared machine: treat as noisy)\n", sentences, enc[0].tokens)
	return all
}

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func mtoks(perSecond float64) string { return fmt.Sprintf("%.2f M tokens/s", perSecond/1e6) }
