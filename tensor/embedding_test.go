package tensor

import "testing"

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
