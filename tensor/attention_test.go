package tensor

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"testing"
)

// attnDims describes q, k and v [batch, seq, heads·dim] for the float64
// attention reference.
type attnDims struct{ batch, seq, heads, dim int }

// at returns the flat index of element d of head h at position i of batch b.
func (s attnDims) at(b, i, h, d int) int { return ((b*s.seq+i)*s.heads+h)*s.dim + d }

// row returns the offset of query i's probabilities for batch b and head h
// in a [batch, heads, seq, seq] array.
func (s attnDims) row(b, h, i int) int { return ((b*s.heads+h)*s.seq + i) * s.seq }

// attentionProbsRef64 returns softmax(q·kᵀ/√d + (1-mask)·min_float) for every
// batch, head and query, [batch, heads, seq, seq]: the additive mask of
// Hugging Face BERT, spelled out. A nil mask keeps every key.
func attentionProbsRef64(s attnDims, q, k, mask []float64) []float64 {
	p := make([]float64, s.batch*s.heads*s.seq*s.seq)
	scale := 1 / math.Sqrt(float64(s.dim))
	for b := range s.batch {
		for h := range s.heads {
			for i := range s.seq {
				row := p[s.row(b, h, i):][:s.seq]
				top := math.Inf(-1)
				for j := range row {
					for d := range s.dim {
						row[j] += q[s.at(b, i, h, d)] * k[s.at(b, j, h, d)]
					}
					row[j] *= scale
					if mask != nil {
						row[j] += (1 - mask[b*s.seq+j]) * -math.MaxFloat64
					}
					top = max(top, row[j])
				}
				var sum float64
				for j := range row {
					row[j] = math.Exp(row[j] - top)
					sum += row[j]
				}
				for j := range row {
					row[j] /= sum
				}
			}
		}
	}
	return p
}

// attentionRef64 returns softmax(q·kᵀ/√d + mask)·v per head with the heads
// concatenated. drop, [batch, heads, seq, seq] or nil, multiplies the
// probabilities (dropout with a fixed mask).
func attentionRef64(s attnDims, q, k, v, mask, drop []float64) []float64 {
	p := attentionProbsRef64(s, q, k, mask)
	out := make([]float64, len(q))
	for b := range s.batch {
		for h := range s.heads {
			for i := range s.seq {
				for j := range s.seq {
					w := p[s.row(b, h, i)+j]
					if drop != nil {
						w *= drop[s.row(b, h, i)+j]
					}
					for d := range s.dim {
						out[s.at(b, i, h, d)] += w * v[s.at(b, j, h, d)]
					}
				}
			}
		}
	}
	return out
}

// attentionRefGrad64 returns the gradients of Σ dy·attentionRef64 for q, k
// and v.
func attentionRefGrad64(s attnDims, q, k, v, mask, drop, dy []float64) (dq, dk, dv []float64) {
	p := attentionProbsRef64(s, q, k, mask)
	dq, dk, dv = make([]float64, len(q)), make([]float64, len(k)), make([]float64, len(v))
	scale := 1 / math.Sqrt(float64(s.dim))
	dp := make([]float64, s.seq) // gradient of one query's probabilities
	for b := range s.batch {
		for h := range s.heads {
			for i := range s.seq {
				row := p[s.row(b, h, i):][:s.seq]
				var dot float64
				for j := range s.seq {
					m := 1.0
					if drop != nil {
						m = drop[s.row(b, h, i)+j]
					}
					var g float64
					for d := range s.dim {
						g += dy[s.at(b, i, h, d)] * v[s.at(b, j, h, d)]
						dv[s.at(b, j, h, d)] += row[j] * m * dy[s.at(b, i, h, d)]
					}
					dp[j] = g * m
					dot += dp[j] * row[j]
				}
				for j := range s.seq {
					ds := row[j] * (dp[j] - dot) * scale
					for d := range s.dim {
						dq[s.at(b, i, h, d)] += ds * k[s.at(b, j, h, d)]
						dk[s.at(b, j, h, d)] += ds * q[s.at(b, i, h, d)]
					}
				}
			}
		}
	}
	return dq, dk, dv
}

// attentionDropout64 returns the probability multipliers Attention applies
// with dropout p when its stream key comes from a fresh NewRNG(seed).
func attentionDropout64(s attnDims, p float32, seed uint64) []float64 {
	m := newDropMask(int(NewRNG(seed).Uint64()), p)
	drop := make([]float64, s.batch*s.heads*s.seq*s.seq)
	for i := range drop {
		drop[i] = float64(m.at(i))
	}
	return drop
}

func TestAttentionAgainstReference(t *testing.T) {
	for _, tc := range []struct {
		name string
		dims attnDims
		mask []float32
		p    float32
	}{
		{"pad-tail", attnDims{2, 5, 2, 3}, []float32{1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 0},
		{"scattered-mask", attnDims{2, 4, 3, 2}, []float32{0, 1, 1, 0, 1, 0, 1, 1}, 0},
		{"no-mask", attnDims{1, 6, 1, 4}, nil, 0},
		{"dropout", attnDims{2, 5, 2, 3}, []float32{1, 1, 1, 1, 1, 1, 1, 1, 1, 0}, 0.3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.dims
			shape := []int{s.batch, s.seq, s.heads * s.dim}
			var mask *Tensor
			var mask64, drop []float64
			if tc.mask != nil {
				mask, _ = FromData(tc.mask, s.batch, s.seq)
				mask64 = to64(tc.mask)
			}
			const seed = 5
			if tc.p > 0 {
				drop = attentionDropout64(s, tc.p, seed)
			}
			checkAgainstRef(t, refCase{
				name:   "Attention " + tc.name,
				shapes: [][]int{shape, shape, shape},
				ref: func(in [][]float64) []float64 {
					return attentionRef64(s, in[0], in[1], in[2], mask64, drop)
				},
				refGrad: func(in [][]float64, dy []float64) [][]float64 {
					dq, dk, dv := attentionRefGrad64(s, in[0], in[1], in[2], mask64, drop, dy)
					return [][]float64{dq, dk, dv}
				},
				run: func(tp *Tape, in []*Tensor) *Tensor {
					return tp.Attention(in[0], in[1], in[2], mask, s.heads, tc.p, NewRNG(seed))
				},
			})
		})
	}
}

// packedCase describes sequences of the given lengths packed into
// [tokens, heads·dim] for AttentionPacked, and the padded layout [batch,
// longest, heads·dim] the float64 reference computes them in.
type packedCase struct {
	lens       []int
	heads, dim int
}

func (c packedCase) starts() []int32 {
	s := []int32{0}
	for _, n := range c.lens {
		s = append(s, s[len(s)-1]+int32(n))
	}
	return s
}

func (c packedCase) padded() attnDims {
	return attnDims{len(c.lens), max(1, slices.Max(c.lens)), c.heads, c.dim}
}

// pad returns packed rows x in the padded layout, with zero rows as padding,
// and the padded layout's key mask.
func (c packedCase) pad(x []float64) (out, mask []float64) {
	s, hidden, starts := c.padded(), c.heads*c.dim, c.starts()
	out, mask = make([]float64, s.batch*s.seq*hidden), make([]float64, s.batch*s.seq)
	for b, n := range c.lens {
		copy(out[b*s.seq*hidden:], x[int(starts[b])*hidden:int(starts[b+1])*hidden])
		for i := range n {
			mask[b*s.seq+i] = 1
		}
	}
	return out, mask
}

// unpad returns the rows of the padded layout x that hold real tokens.
func (c packedCase) unpad(x []float64) []float64 {
	s, hidden := c.padded(), c.heads*c.dim
	var out []float64
	for b, n := range c.lens {
		out = append(out, x[b*s.seq*hidden:][:n*hidden]...)
	}
	return out
}

// dropout returns, in the padded [batch, heads, seq, seq] layout, the
// multipliers AttentionPacked applies with dropout p and a stream key from a
// fresh NewRNG(seed): its probabilities are stored per sequence, head, query
// and key without padding.
func (c packedCase) dropout(p float32, seed uint64) []float64 {
	s := c.padded()
	m := newDropMask(int(NewRNG(seed).Uint64()), p)
	drop, at := make([]float64, s.batch*s.heads*s.seq*s.seq), 0
	for b, n := range c.lens {
		for h := range c.heads {
			for i := range n {
				for j := range n {
					drop[s.row(b, h, i)+j] = float64(m.at(at))
					at++
				}
			}
		}
	}
	return drop
}

func TestAttentionPackedAgainstReference(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    packedCase
		p    float32
	}{
		{"uneven", packedCase{[]int{3, 1, 5}, 2, 3}, 0},
		{"empty-sequence", packedCase{[]int{2, 0, 4}, 1, 4}, 0},
		{"one-sequence", packedCase{[]int{6}, 3, 2}, 0},
		{"dropout", packedCase{[]int{4, 2, 5}, 2, 3}, 0.3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := tc.c, tc.c.padded()
			tokens, hidden := int(c.starts()[len(c.lens)]), c.heads*c.dim
			const seed = 5
			var drop []float64
			if tc.p > 0 {
				drop = c.dropout(tc.p, seed)
			}
			shape := []int{tokens, hidden}
			checkAgainstRef(t, refCase{
				name:   "AttentionPacked " + tc.name,
				shapes: [][]int{shape, shape, shape},
				ref: func(in [][]float64) []float64 {
					q, mask := c.pad(in[0])
					k, _ := c.pad(in[1])
					v, _ := c.pad(in[2])
					return c.unpad(attentionRef64(s, q, k, v, mask, drop))
				},
				refGrad: func(in [][]float64, dy []float64) [][]float64 {
					q, mask := c.pad(in[0])
					k, _ := c.pad(in[1])
					v, _ := c.pad(in[2])
					dyPad, _ := c.pad(dy)
					dq, dk, dv := attentionRefGrad64(s, q, k, v, mask, drop, dyPad)
					return [][]float64{c.unpad(dq), c.unpad(dk), c.unpad(dv)}
				},
				run: func(tp *Tape, in []*Tensor) *Tensor {
					return tp.AttentionPacked(in[0], in[1], in[2], c.starts(), c.starts(), c.heads, tc.p, NewRNG(seed))
				},
			})
		})
	}
}

// TestAttentionPackedMatchesPadded checks that packing gives, on the real
// tokens, the values and gradients of Attention over the padded batch.
func TestAttentionPackedMatchesPadded(t *testing.T) {
	c := packedCase{[]int{7, 3, 16, 1}, 4, 8}
	s := c.padded()
	hidden, starts := c.heads*c.dim, c.starts()
	tokens := int(starts[len(c.lens)])
	r := NewRNG(3)
	packed := []*Tensor{randParam(r, 1, tokens, hidden), randParam(r, 1, tokens, hidden), randParam(r, 1, tokens, hidden)}
	dy := randFloats(r, tokens*hidden)
	tp := NewTape()
	y := tp.AttentionPacked(packed[0], packed[1], packed[2], starts, starts, c.heads, 0, nil)
	tp.BackwardWith(y, dy)

	var padded [3]*Tensor
	var mask64 []float64
	for i, x := range packed {
		var d []float64
		d, mask64 = c.pad(to64(x.Data))
		padded[i] = NewParam("padded", s.batch, s.seq, hidden)
		copy(padded[i].Data, to32(d))
	}
	mask, _ := FromData(to32(mask64), s.batch, s.seq)
	dyPad, _ := c.pad(to64(dy))
	tp2 := NewTape()
	y2 := tp2.Attention(padded[0], padded[1], padded[2], mask, c.heads, 0, nil)
	tp2.BackwardWith(y2, to32(dyPad))
	if e := normErr(y.Data, c.unpad(to64(y2.Data))); e > 1e-6 {
		t.Errorf("output differs from padded attention: relative error %.3g", e)
	}
	for i := range packed {
		if e := normErr(packed[i].Grad, c.unpad(to64(padded[i].Grad))); e > 1e-6 {
			t.Errorf("gradient of input %d differs from padded attention: relative error %.3g", i, e)
		}
	}
}

// TestAttentionPackedQuerySubset checks that queries for some positions
// only give those rows of the full packed attention, and the gradients the
// full attention gets when only those rows have an upstream gradient.
func TestAttentionPackedQuerySubset(t *testing.T) {
	c := packedCase{[]int{5, 3, 6, 2}, 2, 4}
	starts, hidden := c.starts(), c.heads*c.dim
	tokens := int(starts[len(c.lens)])
	picked := []int{0, 3, 4, 9, 10, 13} // none from the second and last sequences
	qStarts := []int32{0, 3, 3, 6, 6}
	r := NewRNG(8)
	q, k, v := randParam(r, 1, tokens, hidden), randParam(r, 1, tokens, hidden), randParam(r, 1, tokens, hidden)
	dySub := randFloats(r, len(picked)*hidden)

	tp := NewTape()
	full := tp.AttentionPacked(q, k, v, starts, starts, c.heads, 0, nil)
	dy := make([]float32, tokens*hidden)
	for i, row := range picked {
		copy(dy[row*hidden:(row+1)*hidden], dySub[i*hidden:(i+1)*hidden])
	}
	tp.BackwardWith(full, dy)
	var want [3][]float32
	for i, x := range []*Tensor{q, k, v} {
		want[i] = slices.Clone(x.Grad)
		x.ZeroGrad()
	}

	tp2 := NewTape()
	rows := make([]int32, len(picked))
	for i, row := range picked {
		rows[i] = int32(row)
	}
	qs := tp2.Embedding(q, rows)
	sub := tp2.AttentionPacked(qs, k, v, qStarts, starts, c.heads, 0, nil)
	for i, row := range picked {
		if e := normErr(sub.Data[i*hidden:(i+1)*hidden], to64(full.Data[row*hidden:(row+1)*hidden])); e > 1e-6 {
			t.Errorf("query row %d differs from the full attention by %.3g", row, e)
		}
	}
	tp2.BackwardWith(sub, dySub)
	for i, x := range []*Tensor{q, k, v} {
		if e := normErr(x.Grad, to64(want[i])); e > 1e-6 {
			t.Errorf("gradient of input %d differs from the full attention's by %.3g", i, e)
		}
	}
}

func TestAttentionPackedBadStarts(t *testing.T) {
	x := New(5, 4)
	for _, tc := range []struct{ q, k []int32 }{
		{nil, nil}, {[]int32{0}, []int32{0}}, {[]int32{1, 5}, []int32{1, 5}}, {[]int32{0, 4}, []int32{0, 4}},
		{[]int32{0, 3, 2, 5}, []int32{0, 3, 2, 5}}, {[]int32{0, 5}, []int32{0, 2, 5}}, {[]int32{0, 2, 5}, []int32{0, 3, 2}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("starts %v and %v: no panic", tc.q, tc.k)
				}
			}()
			NewTape().AttentionPacked(x, x, x, tc.q, tc.k, 2, 0, nil)
		}()
	}
}

// TestAttentionMaskedKeysIgnored checks that a masked key's value and key
// vectors neither change the output nor receive gradient.
func TestAttentionMaskedKeysIgnored(t *testing.T) {
	const batch, seq, hidden, heads = 2, 6, 8, 2
	mask, _ := FromData([]float32{1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 1, 1}, batch, seq)
	r := NewRNG(9)
	q, k, v := randParam(r, 1, batch, seq, hidden), randParam(r, 1, batch, seq, hidden), randParam(r, 1, batch, seq, hidden)
	tp := NewTape()
	y := tp.Attention(q, k, v, mask, heads, 0, nil)
	before := slices.Clone(y.Data)
	tp.BackwardWith(y, randFloats(r, y.Size()))
	for _, pos := range [][2]int{{0, 4}, {0, 5}, {1, 1}} {
		off := (pos[0]*seq + pos[1]) * hidden
		for j := range hidden {
			if k.Grad[off+j] != 0 || v.Grad[off+j] != 0 {
				t.Fatalf("masked key %v has gradient k %g, v %g", pos, k.Grad[off+j], v.Grad[off+j])
			}
			k.Data[off+j] += 100
			v.Data[off+j] -= 100
		}
	}
	tp.Reset()
	if after := tp.Attention(q, k, v, mask, heads, 0, nil); !slices.Equal(before, after.Data) {
		t.Error("changing masked keys and values changed the output")
	}
}

// TestAttentionAllMaskedIsUniform checks the Hugging Face behaviour for a
// sequence whose keys are all masked: every query averages the values.
func TestAttentionAllMaskedIsUniform(t *testing.T) {
	const seq, hidden = 4, 6
	r := NewRNG(4)
	q, k, v := randParam(r, 1, 1, seq, hidden), randParam(r, 1, 1, seq, hidden), randParam(r, 1, 1, seq, hidden)
	mask := New(1, seq)
	y := NewTape().Attention(q, k, v, mask, 2, 0, nil)
	want := make([]float64, y.Size())
	for i := range seq {
		for j := range seq {
			for d := range hidden {
				want[i*hidden+d] += float64(v.Data[j*hidden+d]) / seq
			}
		}
	}
	if e := normErr(y.Data, want); !(e < refTol) {
		t.Errorf("relative error %.3g from the mean of the values", e)
	}
}

// TestAttentionDeterministicSplit runs enough (batch, head) pairs to be
// split across goroutines and checks the result and gradients are
// bit-identical to a run on one goroutine.
func TestAttentionDeterministicSplit(t *testing.T) {
	const batch, seq, hidden, heads = 4, 32, 64, 4
	run := func() [][]float32 {
		r := NewRNG(21)
		q, k, v := randParam(r, 1, batch, seq, hidden), randParam(r, 1, batch, seq, hidden), randParam(r, 1, batch, seq, hidden)
		mask := New(batch, seq)
		for b := range batch {
			for i := range seq - 3*b {
				mask.Data[b*seq+i] = 1
			}
		}
		tp := NewTape()
		y := tp.Attention(q, k, v, mask, heads, 0.1, r)
		tp.BackwardWith(y, randFloats(r, y.Size()))
		return [][]float32{slices.Clone(y.Data), q.Grad, k.Grad, v.Grad}
	}
	want := run()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	got := run()
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("tensor %d differs between one goroutine and several", i)
		}
	}
}

// TestAttentionDropoutOnlyWhenTraining checks that dropout changes the
// output while recording and is skipped with gradients disabled.
func TestAttentionDropoutOnlyWhenTraining(t *testing.T) {
	r := NewRNG(8)
	q, k, v := randParam(r, 1, 2, 5, 4), randParam(r, 1, 2, 5, 4), randParam(r, 1, 2, 5, 4)
	tp := NewTape()
	plain := slices.Clone(tp.Attention(q, k, v, nil, 2, 0, nil).Data)
	if dropped := tp.Attention(q, k, v, nil, 2, 0.5, NewRNG(1)); slices.Equal(plain, dropped.Data) {
		t.Error("dropout 0.5 left the output unchanged")
	}
	tp.SetGrad(false)
	if eval := tp.Attention(q, k, v, nil, 2, 0.5, NewRNG(1)); !slices.Equal(plain, eval.Data) {
		t.Error("dropout applied with gradients disabled")
	}
}

func TestAttentionGolden(t *testing.T) {
	for _, c := range loadFixture(t, "attention") {
		t.Run(c.Name, func(t *testing.T) {
			q, k, v := c.param(t, "q"), c.param(t, "k"), c.param(t, "v")
			_, maskShape := c.want(t, "mask")
			mask, err := FromData(c.floats(t, "mask"), maskShape...)
			if err != nil {
				t.Fatal(err)
			}
			tp := NewTape()
			y := tp.Attention(q, k, v, mask, int(c.scalar(t, "heads")), 0, nil)
			c.check(t, "y", y.Data, y.Shape)
			tp.BackwardWith(y, c.floats(t, "dy"))
			c.check(t, "dq", q.Grad, q.Shape)
			c.check(t, "dk", k.Grad, k.Shape)
			c.check(t, "dv", v.Grad, v.Shape)
		})
	}
}

func ExampleTape_Attention() {
	tp := NewTape()
	// One sequence of three positions, one head of width 2; the last
	// position is padding, so every query attends to the first two only.
	x, _ := FromData([]float32{1, 0, 0, 1, 9, 9}, 1, 3, 2)
	mask, _ := FromData([]float32{1, 1, 0}, 1, 3)
	y := tp.Attention(x, x, x, mask, 1, 0, nil)
	fmt.Printf("%.3f\n", y.Data)
	// Output: [0.670 0.330 0.330 0.670 0.500 0.500]
}

func BenchmarkAttention(b *testing.B) {
	for _, c := range []struct{ batch, seq, hidden, heads, kept int }{
		{16, 64, 256, 4, 64},
		{16, 64, 256, 4, 32}, // half of every sequence is padding
		{8, 128, 256, 4, 128},
	} {
		b.Run(fmt.Sprintf("b%d-s%d-h%d-kept%d", c.batch, c.seq, c.hidden, c.kept), func(b *testing.B) {
			r := NewRNG(1)
			shape := []int{c.batch, c.seq, c.hidden}
			q, k, v := randParam(r, 1, shape...), randParam(r, 1, shape...), randParam(r, 1, shape...)
			mask := New(c.batch, c.seq)
			for i := range c.batch {
				for j := range c.kept {
					mask.Data[i*c.seq+j] = 1
				}
			}
			dy := randFloats(r, q.Size())
			tp := NewTape()
			b.ReportAllocs()
			for b.Loop() {
				tp.Reset()
				tp.BackwardWith(tp.Attention(q, k, v, mask, c.heads, 0.1, r), dy)
			}
		})
	}
}
