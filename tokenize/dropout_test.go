package tokenize

import (
	"slices"
	"testing"
)

func TestPieceDropout(t *testing.T) {
	tok := newTestTokenizer(t, DefaultOptions())
	const text = "The quick brown fox jumped, unaffable: hello world, café Istanbul"
	greedy := tok.Encode(text, EncodeOptions{AddSpecialTokens: true})
	if got := tok.Encode(text, EncodeOptions{AddSpecialTokens: true, DropoutSeed: 7}); !slices.Equal(got.IDs, greedy.IDs) {
		t.Fatalf("PieceDropout 0 with a seed gives %q, want the greedy %q", tokens(got), tokens(greedy))
	}
	const p, seeds = 0.5, 400
	kept, changed := 0, 0
	for seed := range uint64(seeds) {
		o := EncodeOptions{AddSpecialTokens: true, PieceDropout: p, DropoutSeed: seed}
		e := tok.Encode(text, o)
		checkEncoding(t, tok, text, e)
		if got, want := tok.Decode(e.IDs, true), tok.Decode(greedy.IDs, true); got != want {
			t.Fatalf("seed %d: %q decodes to %q, the greedy split to %q", seed, tokens(e), got, want)
		}
		if again := tok.Encode(text, o); !slices.Equal(again.IDs, e.IDs) {
			t.Fatalf("seed %d: %q, then %q", seed, tokens(e), tokens(again))
		}
		if e.Tokens[1] == "the" {
			kept++
		}
		if !slices.Equal(e.IDs, greedy.IDs) {
			changed++
		}
	}
	// "the" is passed over with probability p, and "th" is no token, so "t" follows.
	if share := float64(kept) / seeds; share < 1-p-0.1 || share > 1-p+0.1 {
		t.Errorf("\"the\" kept whole under %d of %d seeds, want about %g", kept, seeds, 1-p)
	}
	if changed < seeds*9/10 {
		t.Errorf("only %d of %d seeds change the split of a text with eleven multi-letter matches", changed, seeds)
	}
}

func TestPieceDropoutDrawsPerText(t *testing.T) {
	tok := newTestTokenizer(t, DefaultOptions())
	texts := []string{"the fox", "the dog"}
	agree := 0
	for seed := range uint64(200) {
		o := EncodeOptions{PieceDropout: 0.5, DropoutSeed: seed}
		batch := tok.EncodeBatch(texts, o)
		for i, text := range texts {
			if one := tok.Encode(text, o); !slices.Equal(one.IDs, batch[i].IDs) {
				t.Fatalf("seed %d, %q: batch %q, single %q", seed, text, tokens(batch[i]), tokens(one))
			}
		}
		if (batch[0].Tokens[0] == "the") == (batch[1].Tokens[0] == "the") {
			agree++
		}
	}
	// Independent draws agree on "the" half the time; shared draws always would.
	if agree > 140 {
		t.Errorf("two texts split their first word alike under %d of 200 seeds", agree)
	}
}

func TestPieceDropoutKeepsGreedyWhenStuck(t *testing.T) {
	tok, err := New([]string{PadToken, UnkToken, ClsToken, SepToken, MaskToken, "ab", "a", "c", "##c"}, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for seed := range uint64(50) {
		// Passing over "ab" leaves "a" followed by "##b", which is no token: the greedy split stays.
		e := tok.Encode("ab cc", EncodeOptions{PieceDropout: 0.999, DropoutSeed: seed})
		if got := tokens(e); got != "ab c ##c" {
			t.Fatalf("seed %d: %q, want \"ab c ##c\"", seed, got)
		}
	}
}

func TestSampleSplit(t *testing.T) {
	tok := newTestTokenizer(t, DefaultOptions())
	const text = "The quick brown fox jumped, unaffable: hello world, café Istanbul ☃"
	greedy := tok.Encode(text, EncodeOptions{AddSpecialTokens: true})
	if !slices.Contains(greedy.IDs, tok.UnkID()) {
		t.Fatalf("%q holds no unknown token to keep", tokens(greedy))
	}
	if got := tok.SampleSplit(nil, greedy.IDs, 0, 7); !slices.Equal(got, greedy.IDs) {
		t.Fatalf("p 0 gives %v, want %v", got, greedy.IDs)
	}
	const p, seeds = 0.5, 400
	kept, changed := 0, 0
	for seed := range uint64(seeds) {
		got := tok.SampleSplit(nil, greedy.IDs, p, seed)
		if a, b := tok.Decode(got, false), tok.Decode(greedy.IDs, false); a != b {
			t.Fatalf("seed %d: %v decodes to %q, the greedy split to %q", seed, got, a, b)
		}
		if again := tok.SampleSplit([]int32{}, greedy.IDs, p, seed); !slices.Equal(again, got) {
			t.Fatalf("seed %d: %v, then %v", seed, got, again)
		}
		if got[0] != tok.ClsID() || got[len(got)-1] != tok.SepID() {
			t.Fatalf("seed %d: %v lost its [CLS] or [SEP]", seed, got)
		}
		if got[1] == greedy.IDs[1] {
			kept++
		}
		if !slices.Equal(got, greedy.IDs) {
			changed++
		}
	}
	if share := float64(kept) / seeds; share < 1-p-0.1 || share > 1-p+0.1 {
		t.Errorf("\"the\" kept whole under %d of %d seeds, want about %g", kept, seeds, 1-p)
	}
	if changed < seeds*9/10 {
		t.Errorf("only %d of %d seeds change the split", changed, seeds)
	}
}

func TestSampleSplitKeepsOrphanPieces(t *testing.T) {
	tok := newTestTokenizer(t, DefaultOptions())
	// A packed sequence can begin inside a word: its leading continuation pieces have no start to
	// re-split with, and stay.
	e := tok.Encode("unaffable jumping", EncodeOptions{})
	if got := tokens(e); got != "un ##aff ##able jump ##ing" {
		t.Fatalf("test text encodes to %q", got)
	}
	orphan := e.IDs[1:]
	for seed := range uint64(50) {
		got := tok.SampleSplit(nil, orphan, 0.999, seed)
		if !slices.Equal(got[:2], orphan[:2]) {
			t.Fatalf("seed %d: %v, want it to start %v", seed, got, orphan[:2])
		}
		if a, b := tok.Decode(got, false), tok.Decode(orphan, false); a != b {
			t.Fatalf("seed %d: %q, want %q", seed, a, b)
		}
	}
}
