// Command samplereport writes an evaluation report for synthetic messages and scores, to look at and
// test the report's rendering without training a model.
//
// It builds chat-like messages with the English signal words, labels them for two heads (threat and
// drugs), scores them the way a good but imperfect model would (harmless messages with "sleep" or
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

// message is one synthetic message with its labels and simulated model scores.
type message struct {
	text          string
	threat, drugs bool
	scores        [2]float64
}

// Message templates. Threats, harmless uses of the same signal words, drug talk and small talk.
var (
	threats = []string{
		"you will sleep forever if you talk to the cops",
		"tell him he is dead if the money is not there friday",
		"the dolls disappear tonight, bring the van",
		"i will kill you and your brother",
		"one more word and i shoot",
		"we take him out after the match",
		"bring a knife, he has to pop off tonight",
		"dig the grave deep enough this time",
	}
	harmless = []string{
		"so tired i could sleep for a week",
		"my phone is dead again, call the landline",
		"my daughter wants new dolls for her birthday",
		"that joke killed me haha",
		"we shoot the wedding video on saturday",
		"the plants are dead, forgot to water them",
		"going to sleep, night night",
		"magic trick: watch the coin disappear",
	}
	drugTalk = []string{
		"got two grams of the white, same price as last time",
		"need some pills for the party on saturday",
		"the green is in, 10 a bag",
		"can you bring the stuff to the usual spot",
	}
	smallTalk = []string{
		"see you at lunch",
		"did you get the tickets?",
		"running late, 10 minutes",
		"happy birthday!!",
		"what time is the train tomorrow",
		"can you pick up milk & bread",
		"ok <3",
		`he wrote "<b>urgent</b>" | *again* in the group chat`,
	}
)

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
	msgs := make([]message, n)
	for i := range msgs {
		msgs[i] = synthesize(rng)
	}
	set := eval.Set{Labels: []string{"threat", "drugs"}}
	var file bytes.Buffer
	enc := json.NewEncoder(&file)
	for i, m := range msgs {
		id := fmt.Sprintf("msg-%05d", i+1)
		set.IDs = append(set.IDs, id)
		set.Sources = append(set.Sources, fmt.Sprintf("chats-2026-11.jsonl:%d", i+1))
		set.Texts = append(set.Texts, m.text)
		set.Truth = append(set.Truth, []bool{m.threat, m.drugs})
		set.Scores = append(set.Scores, m.scores[:])
		if err := enc.Encode(map[string]any{"id": id, "text": m.text, "threat": m.threat, "drugs": m.drugs}); err != nil {
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

// synthesize draws one message: about 6% threats, 5% drug talk, 25% harmless uses of signal words.
func synthesize(rng *rand.Rand) message {
	var m message
	switch u := rng.Float64(); {
	case u < 0.06:
		m.text, m.threat = pick(rng, threats), true
	case u < 0.11:
		m.text, m.drugs = pick(rng, drugTalk), true
	case u < 0.36:
		m.text = pick(rng, harmless)
	default:
		m.text = pick(rng, smallTalk)
	}
	m.scores[0] = simulatedScore(rng, m.threat, threatShift(m))
	m.scores[1] = simulatedScore(rng, m.drugs, 0)
	return m
}

// threatShift is where the simulated threat model errs: it trusts the words "sleep" and "dead" in
// harmless messages and misses threats spoken of as "dolls".
func threatShift(m message) float64 {
	switch {
	case !m.threat && (strings.Contains(m.text, "sleep") || strings.Contains(m.text, "dead")):
		return 2.5
	case m.threat && strings.Contains(m.text, "dolls"):
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

func pick(rng *rand.Rand, s []string) string { return s[rng.IntN(len(s))] }
