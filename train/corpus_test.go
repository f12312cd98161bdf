package train

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/data"
	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tokenize"
)

func TestPacking(t *testing.T) {
	tok := testTokenizer(t)
	dir := t.TempDir()
	// Ids: the=5 a=6 threat=7 was=8 made..sleep=9..16 play=17 ##ing=21; [CLS]=2 [SEP]=3.
	path := writeCorpus(t, dir, "c.txt", []string{"the a threat", "was", "", "made at night we meet harbour dolls sleep", "playing"})
	tests := []struct {
		name       string
		lineByLine bool
		want       [][]int32
	}{
		{"packed", false, [][]int32{
			{2, 5, 6, 7, 3, 8},
			{2, 9, 10, 11, 12, 13}, // the [SEP] closing "was" is not carried over alone
			{2, 14, 15, 16, 3, 17},
			{2, 21, 3},
		}},
		{"line by line", true, [][]int32{{2, 5, 6, 7, 3}, {2, 8, 3}, {2, 9, 10, 11, 12, 3}, {2, 17, 21, 3}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := CorpusConfig{Files: []string{path}, SeqLen: 6, LineByLine: tc.lineByLine}
			rd := &seqReader{cfg: &cfg, tok: tok}
			if err := rd.open(seqPos{}); err != nil {
				t.Fatal(err)
			}
			defer rd.close()
			var got [][]int32
			var positions []seqPos
			for {
				s, ok, err := rd.sequence()
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					break
				}
				if s.index != int64(len(got)) {
					t.Errorf("sequence %d has index %d", len(got), s.index)
				}
				got = append(got, s.ids)
				positions = append(positions, rd.position())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("sequences\n%v\nwant\n%v", got, tc.want)
			}
			// Reopening at the position after any sequence continues with the following ones.
			for i, p := range positions {
				rd2 := &seqReader{cfg: &cfg, tok: tok}
				if err := rd2.open(p); err != nil {
					t.Fatal(err)
				}
				var rest [][]int32
				for {
					s, ok, err := rd2.sequence()
					if err != nil || !ok {
						break
					}
					rest = append(rest, s.ids)
				}
				rd2.close()
				if !reflect.DeepEqual(rest, tc.want[i+1:]) && !(len(rest) == 0 && i+1 == len(tc.want)) {
					t.Errorf("after sequence %d (%+v): %v, want %v", i, p, rest, tc.want[i+1:])
				}
			}
		})
	}
}

// original undoes masking, one string per sequence.
func original(b MLMBatch) []string {
	var seqs []string
	for _, s := range originalIDs(b) {
		seqs = append(seqs, fmt.Sprint(s))
	}
	return seqs
}

// originalIDs undoes masking: labels hold the original ids of the corrupted positions.
func originalIDs(b MLMBatch) [][]int32 {
	var seqs [][]int32
	for i := range b.Size {
		var s []int32
		for j := range b.Len {
			k := i*b.Len + j
			if b.AttentionMask[k] == 0 {
				break
			}
			if b.Labels[k] != IgnoreIndex {
				s = append(s, b.Labels[k])
			} else {
				s = append(s, b.IDs[k])
			}
		}
		seqs = append(seqs, s)
	}
	return seqs
}

func testCorpusConfig(path string) CorpusConfig {
	return CorpusConfig{
		Files: []string{path}, SeqLen: 16, BatchSize: 3, Seed: 9,
		HoldoutEvery: 5, EvalSequences: 4, ShuffleBlock: 7,
	}
}

// scannedCorpus opens a corpus, closed when the test ends, and scans it once.
func scannedCorpus(t *testing.T, tok *tokenize.Tokenizer, cfg CorpusConfig) (*Corpus, CorpusStats) {
	t.Helper()
	c, err := NewCorpus(tok, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	st, err := c.Scan(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, st
}

func TestCorpusEpochsAndSplit(t *testing.T) {
	tok := testTokenizer(t)
	path := writeCorpus(t, t.TempDir(), "c.txt", testLines(120))
	cfg := testCorpusConfig(path)
	c, st := scannedCorpus(t, tok, cfg)
	if st.HeldOut != 4 || st.Train < 40 || st.Lines != 120 || st.Unknown != 0 {
		t.Fatalf("Scan = %+v", st)
	}
	var evalSeqs []string
	for _, b := range c.Eval() {
		evalSeqs = append(evalSeqs, original(b)...)
	}
	if len(evalSeqs) != 4 {
		t.Fatalf("%d held-out sequences, want 4", len(evalSeqs))
	}
	perEpoch := int((st.Train + 2) / 3)
	var epochs [2][]string
	var labels [2][]int32
	for e := range 2 {
		for i := range perEpoch {
			b, err := c.Next()
			if err != nil {
				t.Fatal(err)
			}
			want := 3
			if i == perEpoch-1 && st.Train%3 != 0 {
				want = int(st.Train % 3)
			}
			if b.Size != want {
				t.Fatalf("epoch %d batch %d has %d sequences, want %d", e, i, b.Size, want)
			}
			epochs[e] = append(epochs[e], original(b)...)
			labels[e] = append(labels[e], b.Labels...)
		}
	}
	for _, s := range evalSeqs {
		if slices.Contains(epochs[0], s) {
			t.Errorf("held-out sequence %s is trained on", s)
		}
	}
	a, b := slices.Clone(epochs[0]), slices.Clone(epochs[1])
	if slices.Equal(a, b) {
		t.Error("both epochs have the same order")
	}
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(a, b) || len(a) != int(st.Train) {
		t.Errorf("epochs hold different sequences (%d, %d; want %d)", len(a), len(b), st.Train)
	}
	if slices.Equal(labels[0], labels[1]) {
		t.Error("both epochs have the same masks")
	}
}

// TestContextFreeLoss checks the loss of the best context-free prediction on hand-made targets: one
// behind [MASK], one kept and one replaced, with known counts.
func TestContextFreeLoss(t *testing.T) {
	tok := testTokenizer(t)
	m, err := NewMasker(tok, MaskConfig{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	id := func(w string) int32 {
		v, ok := tok.TokenID(w)
		if !ok {
			t.Fatalf("no token %q", w)
		}
		return v
	}
	the, night, sleep, mask := id("the"), id("night"), id("sleep"), tok.MaskID()
	counts := make([]int64, tok.VocabSize())
	counts[the], counts[night], counts[tok.ClsID()] = 30, 10, 99 // [CLS] is never a target: not counted
	k := float64(len(testWords) + len(testStems) + len(testEnds))
	total := 40 + k
	freq := func(c float64) float64 { return (c + 1) / total }
	u := 1 / k
	tests := []struct {
		name     string
		in, want int32
		loss     float64
	}{
		{"behind [MASK]", mask, night, -math.Log(freq(10))},
		{"kept", night, night, -math.Log(freq(10) * (1 + u) / (freq(10) + u))},
		{"replaced by a frequent token", the, night, -math.Log(freq(10) * u / (freq(30) + u))},
		{"replaced by an unseen token", sleep, night, -math.Log(freq(10) * u / (freq(0) + u))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Corpus{masker: m, eval: []MLMBatch{{
				IDs:    []int32{tok.ClsID(), tc.in, tok.SepID()},
				Labels: []int32{IgnoreIndex, tc.want, IgnoreIndex},
			}}}
			got, ok := c.ContextFreeLoss(CorpusStats{Counts: counts})
			if !ok || math.Abs(got-tc.loss) > 1e-12 {
				t.Errorf("ContextFreeLoss = %g, %v; want %g", got, ok, tc.loss)
			}
		})
	}
	// Seeing the token helps only when it may be the answer: a kept target costs less than a masked one.
	if tests[1].loss >= tests[0].loss || tests[2].loss <= tests[0].loss {
		t.Errorf("losses %g (masked), %g (kept), %g (replaced)", tests[0].loss, tests[1].loss, tests[2].loss)
	}
}

// TestCorpusContextFreeLoss checks the counts Scan collects and the context-free loss on corpora whose
// answer is known: one word repeated, and twelve words equally often.
func TestCorpusContextFreeLoss(t *testing.T) {
	tok := testTokenizer(t)
	rng := tensor.NewRNG(3)
	uniform := make([]string, 3000)
	for i := range uniform {
		words := slices.Clone(testWords)
		for j := len(words) - 1; j > 0; j-- {
			k := rng.IntN(j + 1)
			words[j], words[k] = words[k], words[j]
		}
		uniform[i] = strings.Join(words, " ")
	}
	// Twelve words at 1/12 among 19 choosable tokens: 80% of targets behind [MASK] cost ln 12; 10% kept
	// cost -ln((1/12)(1+1/19)/(1/12+1/19)); 10% replaced by the same word (1/19), another of the twelve
	// (11/19) or an unused token (7/19) cost as "kept", -ln((1/12)(1/19)/(1/12+1/19)) and ln 12.
	p, u := 1.0/12, 1.0/19
	kept, other := -math.Log(p*(1+u)/(p+u)), -math.Log(p*u/(p+u))
	mixed := 0.8*math.Log(12) + 0.1*kept + 0.1*(u*kept+11*u*other+7*u*math.Log(12))
	tests := []struct {
		name      string
		lines     []string
		want, tol float64
	}{
		{"one word", slices.Repeat([]string{"night night night night"}, 600), 0, 0.01},
		{"twelve words equally often", uniform, mixed, 0.05},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testCorpusConfig(writeCorpus(t, t.TempDir(), "c.txt", tc.lines))
			cfg.SeqLen, cfg.HoldoutEvery, cfg.EvalSequences = 64, 5, 100
			c, st := scannedCorpus(t, tok, cfg)
			var counted, heldOut int64
			for _, n := range st.Counts {
				counted += n
			}
			for _, b := range c.Eval() {
				heldOut += int64(b.NTokens)
			}
			if counted+heldOut != st.Tokens || st.Counts[tok.ClsID()] != st.Train {
				t.Errorf("counts: %d training + %d held-out tokens, Scan counted %d; [CLS] %d times in %d sequences",
					counted, heldOut, st.Tokens, st.Counts[tok.ClsID()], st.Train)
			}
			loss, ok := c.ContextFreeLoss(st)
			if !ok || math.Abs(loss-tc.want) > tc.tol {
				t.Errorf("ContextFreeLoss = %g, %v; want %g ± %g", loss, ok, tc.want, tc.tol)
			}
		})
	}
	t.Run("nothing held out", func(t *testing.T) {
		cfg := testCorpusConfig(writeCorpus(t, t.TempDir(), "c.txt", uniform[:100]))
		cfg.EvalSequences = 0
		c, st := scannedCorpus(t, tok, cfg)
		if loss, ok := c.ContextFreeLoss(st); ok {
			t.Errorf("ContextFreeLoss without held-out sequences = %g, true", loss)
		}
	})
}

func TestCorpusRestore(t *testing.T) {
	tok := letterTokenizer(t)
	dir := t.TempDir()
	// Two files, one gzip-compressed, and lines long enough to be split across sequences.
	lines := testLines(90)
	for i := range lines {
		if i%7 == 0 {
			lines[i] += " " + lines[(i+1)%len(lines)] + " " + lines[(i+2)%len(lines)]
		}
	}
	a := writeCorpus(t, dir, "a.txt", lines[:50])
	gz := filepath.Join(dir, "b.txt.gz")
	if err := writeGzip(gz, lines[50:]); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lineByLine bool
		drop       float64
	}{{false, 0}, {true, 0}, {false, 0.3}} {
		cfg := testCorpusConfig(a)
		cfg.Files = []string{a, gz}
		cfg.LineByLine = tc.lineByLine
		cfg.Mask.WholeWord = tc.lineByLine
		cfg.PieceDropout = tc.drop
		ref, err := NewCorpus(tok, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var states [][]byte
		var batches []MLMBatch
		for range 80 { // several epochs
			s, err := ref.State()
			if err != nil {
				t.Fatal(err)
			}
			b, err := ref.Next()
			if err != nil {
				t.Fatal(err)
			}
			states, batches = append(states, s), append(batches, b)
		}
		ref.Close()
		for i := 0; i < len(states); i += 3 {
			c, err := NewCorpus(tok, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Restore(states[i]); err != nil {
				t.Fatalf("Restore(%s): %v", states[i], err)
			}
			for j := i; j < min(i+8, len(batches)); j++ {
				b, err := c.Next()
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(b, batches[j]) {
					t.Fatalf("%+v: restored at batch %d (%s), batch %d differs", tc, i, states[i], j)
				}
			}
			c.Close()
		}
	}
}

func TestCorpusPieceDropout(t *testing.T) {
	tok := letterTokenizer(t)
	cfg := testCorpusConfig(writeCorpus(t, t.TempDir(), "c.txt", testLines(120)))
	greedy, st := scannedCorpus(t, tok, cfg)
	cfg.PieceDropout = 0.3
	c, _ := scannedCorpus(t, tok, cfg)
	if !reflect.DeepEqual(c.Eval(), greedy.Eval()) {
		t.Error("the held-out batches differ from the greedy split's")
	}
	// split[e][i] is the i-th training sequence of epoch e; both corpora take them in one order.
	perEpoch := int((st.Train + 2) / 3)
	var split [2][]string
	changed, cut := 0, 0
	for e := range split {
		for range perEpoch {
			b, err := c.Next()
			if err != nil {
				t.Fatal(err)
			}
			g, err := greedy.Next()
			if err != nil {
				t.Fatal(err)
			}
			if b.Len > cfg.SeqLen {
				t.Fatalf("epoch %d: sequences of %d tokens, longer than seq_len %d", e, b.Len, cfg.SeqLen)
			}
			got, want := originalIDs(b), originalIDs(g)
			for k := range got {
				text, full := tok.Decode(got[k], false), tok.Decode(want[k], false)
				if !strings.HasPrefix(full, text) || (text != full && len(got[k]) < cfg.SeqLen) {
					t.Fatalf("epoch %d: sequence %q, the greedy one %q", e, text, full)
				}
				if text != full {
					cut++
				}
				if !slices.Equal(got[k], want[k]) {
					changed++
				}
			}
			split[e] = append(split[e], original(b)...)
		}
	}
	// Packed sequences fill seq_len, so most sampled splits, being longer, are cut.
	if n := 2 * int(st.Train); changed < n/2 || cut < n/4 {
		t.Errorf("of %d training sequences %d are split anew and %d cut at seq_len", n, changed, cut)
	}
	same := 0
	for i := range split[0] {
		if split[0][i] == split[1][i] {
			same++
		}
	}
	if same > len(split[0])/4 {
		t.Errorf("%d of %d sequences are split alike in both epochs", same, len(split[0]))
	}
}

func TestCorpusErrors(t *testing.T) {
	tok := testTokenizer(t)
	dir := t.TempDir()
	blank := writeCorpus(t, dir, "blank.txt", []string{"", "   ", ""})
	good := writeCorpus(t, dir, "good.txt", testLines(10))
	if _, err := NewCorpus(tok, testCorpusConfig(blank)); !errors.Is(err, ErrNoSequences) {
		t.Errorf("blank corpus: %v, want ErrNoSequences", err)
	}
	var de *data.Error
	if _, err := NewCorpus(tok, testCorpusConfig(filepath.Join(dir, "missing.txt"))); !errors.As(err, &de) {
		t.Errorf("missing file: %v, want a data.Error", err)
	}
	for name, mod := range map[string]func(*CorpusConfig){
		"seq_len":       func(c *CorpusConfig) { c.SeqLen = 2 },
		"batch":         func(c *CorpusConfig) { c.BatchSize = 0 },
		"holdout":       func(c *CorpusConfig) { c.HoldoutEvery = 1 },
		"shuffle block": func(c *CorpusConfig) { c.ShuffleBlock = 0 },
		"piece dropout": func(c *CorpusConfig) { c.PieceDropout = 1 },
	} {
		cfg := testCorpusConfig(good)
		mod(&cfg)
		if _, err := NewCorpus(tok, cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	c, err := NewCorpus(tok, testCorpusConfig(good))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, bad := range []string{`{`, `{"epoch":-1}`, `{"epoch":0,"block":{"index":0},"taken":99}`} {
		if err := c.Restore([]byte(bad)); err == nil {
			t.Errorf("Restore(%s) accepted", bad)
		}
	}
	if err := os.WriteFile(good, []byte("the\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Restore([]byte(`{"epoch":0,"block":{"mark":{"offset":500,"line":9,"records":9},"index":3},"taken":0}`)); err == nil {
		t.Error("Restore past the end of a shrunk file accepted")
	}
}
