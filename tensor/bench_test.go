package tensor

import "testing"

// benchSteps runs step once to grow the arena, then times it with
// allocations reported.
func benchSteps(b *testing.B, step func()) {
	step()
	b.ReportAllocs()
	for b.Loop() {
		step()
	}
}

// BenchmarkLinear times forward and backward of a BERT-small-sized
// projection: 1024 tokens, 256 → 1024.
func BenchmarkLinear(b *testing.B) {
	r := NewRNG(1)
	x, w, bias := randParam(r, 1, 1024, 256), randParam(r, 0.02, 1024, 256), randParam(r, 0, 1024)
	dy := randFloats(r, 1024*1024)
	tp := NewTape()
	benchSteps(b, func() {
		tp.Reset()
		tp.BackwardWith(tp.Linear(x, w, bias), dy)
	})
	b.ReportMetric(3*2*1024*1024*256*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkCrossEntropy times forward and backward over 128 masked tokens and
// a 30522-word vocabulary, the MLM head's loss.
func BenchmarkCrossEntropy(b *testing.B) {
	const rows, classes = 128, 30522
	r := NewRNG(1)
	z := randParam(r, 1, rows, classes)
	targets := make([]int32, rows)
	for i := range targets {
		targets[i] = int32(r.IntN(classes))
	}
	tp := NewTape()
	benchSteps(b, func() {
		tp.Reset()
		tp.Backward(tp.CrossEntropy(z, targets, -100))
	})
}

// BenchmarkAdd times a residual add over 16×64×256 activations.
func BenchmarkAdd(b *testing.B) {
	r := NewRNG(1)
	x, y := randParam(r, 1, 16, 64, 256), randParam(r, 1, 16, 64, 256)
	tp := NewTape()
	benchSteps(b, func() {
		tp.Reset()
		tp.Add(x, y)
	})
}
