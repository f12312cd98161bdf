// Command samplereport writes an evaluation report for synthetic messages and scores, to look at and
// test the report's rendering without training a model.
//
// It takes labelled chat messages mined with signal words from data/synth (heads threat and drugs),
// scores them the way a good but imperfect model would (harmless messages with "sleep" or
// "dead" score high, threats in coded words like "dolls" score low), evaluates them with eval.Evaluate
// and writes DIR/report.json, DIR/report.md, DIR/report.html and DIR/figures/*.png.
//
// Usage:
//
//	go run ./tools/samplereport -out DIR [-n 4000] [-seed 1] [-show-text]
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	vigil "github.com/vigil-ml/vigil"
	"github.com/vigil-ml/vigil/configs"
	"github.com/vigil-ml/vigil/data"
	"github.com/vigil-ml/vigil/data/synth"
	"github.com/vigil-ml/vigil/eval"
)

func main() {
	out := flag.String("out", "", "report directory to write")
	n := flag.Int("n", 4000, "number of synthetic messages")
	seed := flag.Uint64("seed", 1, "random seed")
	showText := flag.Bool("show-text", false, "write message texts into the report")
	flag.Parse()
	if err := run(*out, *n, *seed, *showText); err != nil {
		fmt.Fprintln(os.Stderr, "samplereport:", err)
		os.Exit(1)
	}
}

func run(dir string, n int, seed uint64, showText bool) error {
	if dir == "" {
		return errors.New("-out is required")
	}
	if n < 100 {
		return fmt.Errorf("-n %d: need at least 100 messages for both classes to appear", n)
	}
	r, err := sampleReport(n, seed, showText)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := eval.WriteReport(filepath.Join(dir, "report.json"), r); err != nil {
		return err
	}
	return eval.Render(dir, r)
}

// sampleReport generates n messages and evaluates their simulated scores.
func sampleReport(n int, seed uint64, showText bool) (*eval.Report, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	lexText, err := configs.Lexicon("en")
	if err != nil {
		return nil, err
	}
	lex, err := data.ParseLexicon(bytes.NewReader(lexText), "en")
	if err != nil {
		return nil, err
	}
	set := eval.Set{Labels: []string{"threat", "drugs"}}
	var file bytes.Buffer
	enc := json.NewEncoder(&file)
	for i, m := range synth.Mined(seed, n) {
		set.IDs = append(set.IDs, m.ID)
		set.Sources = append(set.Sources, fmt.Sprintf("chats-2026-11.jsonl:%d", i+1))
		set.Texts = append(set.Texts, m.Text)
		set.Truth = append(set.Truth, []bool{m.Threat, m.Drugs})
		set.Scores = append(set.Scores, []float64{
			simulatedScore(rng, m.Threat, threatShift(m)),
			simulatedScore(rng, m.Drugs, 0),
		})
		if err := enc.Encode(map[string]any{"id": m.ID, "text": m.Text, "threat": m.Threat, "drugs": m.Drugs}); err != nil {
			return nil, err
		}
	}
	r, err := eval.Evaluate(set, eval.Options{
		Thresholds:  map[string]float64{"threat": 0.62},
		Lexicon:     lex,
		LexiconName: "en",
		Resamples:   200,
		Seed:        seed,
		ShowText:    showText,
		TopK:        10,
	})
	if err != nil {
		return nil, err
	}
	weights := sha256.Sum256([]byte(fmt.Sprintf("synthetic model, seed %d", seed)))
	sum := sha256.Sum256(file.Bytes())
	r.Vigil = vigil.VersionString()
	r.Created = time.Now().UTC().Format(time.RFC3339)
	r.Model = eval.ModelInfo{ID: hex.EncodeToString(weights[:]), Dir: "runs/synthetic-demo", MaxLen: 128}
	r.Data = eval.DataInfo{
		Path: "synthetic/chats-2026-11.jsonl", SHA256: hex.EncodeToString(sum[:]), Bytes: int64(file.Len()),
		TextField: "text", IDField: "id",
	}
	return r, nil
}

// threatShift is where the simulated threat model errs: it trusts the words "sleep" and "dead" in
// harmless messages and misses threats spoken of as "dolls".
func threatShift(m synth.Message) float64 {
	text := strings.ToLower(m.Text)
	switch {
	case !m.Threat && (strings.Contains(text, "sleep") || strings.Contains(text, "dead")):
		return 2.5
	case m.Threat && strings.Contains(text, "dolls"):
		return -3
	}
	return 0
}

// simulatedScore draws a probability from a logistic-normal distribution centred by class.
func simulatedScore(rng *rand.Rand, positive bool, shift float64) float64 {
	z := -3.4 + 1.3*rng.NormFloat64()
	if positive {
		z = 2.2 + 1.3*rng.NormFloat64()
	}
	return 1 / (1 + math.Exp(-(z + shift)))
}
