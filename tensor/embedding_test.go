package tensor

import (
	"slices"
	"testing"
)

func TestEmbeddingAgainstReference(t *testing.T) {
	const vocab, dim = 6, 4
	ids := []int32{3, 0, 5, 3, 3, 1} // repeats exercise scatter-add
	checkAgainstRef(t, refCase{
		name:   "Embedding",
		shapes: [][]int{{vocab, dim}},
		ref: func(in [][]float64) []float64 {
			var out []float64
			for _, id := range ids {
				out = append(out, in[0][int(id)*dim:(int(id)+1)*dim]...)
			}
			return out
		},
		refGrad: func(in [][]float64, dy []float64) [][]float64 {
			g := make([]float64, vocab*dim)
			for i, id := range ids {
				for j := range dim {
					g[int(id)*dim+j] += dy[i*dim+j]
				}
			}
			return [][]float64{g}
		},
		run: func(tp *Tape, in []*Tensor) *Tensor { return tp.Embedding(in[0], ids) },
	})
}

func TestEmbeddingPanicsOnBadID(t *testing.T) {
	for _, id := range []int32{-1, 6} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Embedding with id %d of 6 did not panic", id)
				}
			}()
			NewTape().Embedding(NewParam("e", 6, 2), []int32{0, id})
		}()
	}
}

// TestEmbeddingPaddedSkipsPadRow checks that EmbeddingPadded looks up what
// Embedding does and back-propagates the same gradient except into the
// padding row, which receives none (torch's padding_idx; not a derivative,
// so it has no finite-difference check).
func TestEmbeddingPaddedSkipsPadRow(t *testing.T) {
	const vocab, dim, pad = 6, 4, 3
	ids := []int32{3, 0, 5, 3, 1}
	r := NewRNG(4)
	plain, padded := randParam(r, 1, vocab, dim), NewParam("padded", vocab, dim)
	copy(padded.Data, plain.Data)
	dy := randFloats(r, len(ids)*dim)
	tp, tp2 := NewTape(), NewTape()
	y, y2 := tp.Embedding(plain, ids), tp2.EmbeddingPadded(padded, ids, pad)
	if !slices.Equal(y.Data, y2.Data) {
		t.Fatal("EmbeddingPadded looks up other values than Embedding")
	}
	tp.BackwardWith(y, dy)
	tp2.BackwardWith(y2, dy)
	for row := range vocab {
		want := plain.Grad[row*dim : (row+1)*dim]
		if row == pad {
			want = make([]float32, dim)
		}
		if got := padded.Grad[row*dim : (row+1)*dim]; !slices.Equal(got, want) {
			t.Errorf("gradient of row %d = %v, want %v", row, got, want)
		}
	}
}
