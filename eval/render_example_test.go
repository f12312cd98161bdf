package eval_test

import (
	"fmt"
	"io/fs"
	"log"
	"os"

	"github.com/vigil-ml/vigil/data"
	"github.com/vigil-ml/vigil/eval"
)

// Render turns an evaluation into what people read: a Markdown report, a self-contained HTML report
// to open or mail, and the figures.
func ExampleRender() {
	set := eval.Set{
		IDs:    []string{"m1", "m2", "m3", "m4", "m5", "m6"},
		Texts:  []string{"you will sleep forever", "so tired, need sleep", "he is dead", "phone is dead", "see you", "lunch?"},
		Labels: []string{"threat"},
		Truth:  [][]bool{{true}, {false}, {true}, {false}, {false}, {false}},
		Scores: [][]float64{{0.91}, {0.62}, {0.55}, {0.18}, {0.04}, {0.02}},
	}
	lex, err := data.NewLexicon([]string{"dead", "sleep"})
	if err != nil {
		log.Fatal(err)
	}
	r, err := eval.Evaluate(set, eval.Options{Thresholds: map[string]float64{"threat": 0.6}, Lexicon: lex, Resamples: 100})
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "report")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := eval.Render(dir, r); err != nil {
		log.Fatal(err)
	}
	fs.WalkDir(os.DirFS(dir), ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			fmt.Println(path)
		}
		return err
	})
	// Output:
	// figures/threat-calibration.png
	// figures/threat-pr.png
	// figures/threat-roc.png
	// figures/threat-scores.png
	// report.html
	// report.md
}
