package tensor

import (
	"math"
	"slices"
	"testing"
)

func TestFromData(t *testing.T) {
	x, err := FromData([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	if err != nil || x.Dim(-1) != 3 || x.Dims() != 2 || x.Size() != 6 || x.RequiresGrad() {
		t.Errorf("FromData: %v, %v", x, err)
	}
	if _, err := FromData([]float32{1, 2}, 3); err == nil {
		t.Error("FromData accepted 2 values for shape [3]")
	}
}

func TestArenaReusesMemory(t *testing.T) {
	var a Arena
	step := func() {
		for _, n := range []int{10, floatChunk, 3 * floatChunk / 2, 7} {
			s := a.Floats(n)
			if len(s) != n {
				t.Fatalf("Floats(%d) has length %d", n, len(s))
			}
			s[0] = 1 // must be zeroed again next step
		}
		for range headerBlock + 1 {
			if x := a.Tensor(2, 3); x.Data[0] != 0 || x.Grad != nil || x.requiresGrad {
				t.Fatalf("arena tensor not cleared: %+v", x)
			}
		}
		a.Reset()
	}
	step()
	step()
	if n := testing.AllocsPerRun(5, step); n != 0 {
		t.Errorf("arena step allocates %v times after warm-up, want 0", n)
	}
	if a.Bytes() < 4*(3*floatChunk) {
		t.Errorf("arena holds %d bytes, less than one step needs", a.Bytes())
	}
}

func TestArenaTensorIsZeroedAfterReuse(t *testing.T) {
	var a Arena
	x := a.Tensor(4, 8)
	for i := range x.Data {
		x.Data[i] = 1
	}
	a.Reset()
	for i, v := range a.Tensor(4, 8).Data {
		if v != 0 {
			t.Fatalf("element %d of a reused Tensor is %g, want 0", i, v)
		}
	}
}

func TestArenaSlicesDoNotOverlap(t *testing.T) {
	var a Arena
	x, y := a.Floats(5), a.Floats(5)
	x = append(x, 42) // capacity is clipped, so this must not write into y
	if y[0] != 0 || len(x) != 6 {
		t.Errorf("appending to one arena slice changed the next: %v", y)
	}
}

func TestBackwardAccumulatesIntoParameters(t *testing.T) {
	tp := NewTape()
	w := NewParam("w", 3)
	copy(w.Data, []float32{1, 2, 3})
	for range 2 {
		tp.Backward(tp.Sum(tp.Add(w, w))) // d/dw = 2 per step
		tp.Reset()
	}
	if !slices.Equal(w.Grad, []float32{4, 4, 4}) {
		t.Errorf("gradient %v after two steps, want accumulated [4 4 4]", w.Grad)
	}
	if tp.Len() != 0 {
		t.Errorf("Reset left %d operations", tp.Len())
	}
}

func TestConstantsRecordNothing(t *testing.T) {
	tp := NewTape()
	x := tp.New(2, 2)
	y := tp.Scale(tp.Add(x, x), 2)
	if tp.Len() != 0 || y.RequiresGrad() {
		t.Errorf("operations on constants recorded %d operations", tp.Len())
	}
	if prev := tp.SetGrad(false); !prev || tp.GradEnabled() {
		t.Error("SetGrad(false) did not report the previous setting or disable recording")
	}
}

func TestBackwardTwicePanics(t *testing.T) {
	tp := NewTape()
	loss := tp.Sum(NewParam("p", 2))
	tp.Backward(loss)
	defer func() {
		if recover() == nil {
			t.Error("a second Backward before Reset did not panic")
		}
	}()
	tp.Backward(loss)
}

func TestBackwardRejectsNonScalar(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Backward of a [2] tensor did not panic")
		}
	}()
	tp := NewTape()
	tp.Backward(tp.Scale(NewParam("p", 2), 1))
}

func TestRNGIsDeterministicAndRestorable(t *testing.T) {
	a, b := NewRNG(5), NewRNG(5)
	for range 100 {
		if a.Uint64() != b.Uint64() {
			t.Fatal("two generators with one seed diverged")
		}
	}
	state, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{a.Normal(), a.Float64(), float64(a.IntN(10))}
	c := NewRNG(99)
	if err := c.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	if got := []float64{c.Normal(), c.Float64(), float64(c.IntN(10))}; !slices.Equal(got, want) {
		t.Errorf("restored generator gave %v, want %v", got, want)
	}
	if NewRNG(6).Uint64() == NewRNG(5).Uint64() {
		t.Error("different seeds gave the same first value")
	}
}

func TestRNGDistributions(t *testing.T) {
	r := NewRNG(11)
	const n = 200000
	x := New(n)
	x.FillNormal(r, 1, 0.02)
	mean, sq := 0.0, 0.0
	for _, v := range x.Data {
		mean += float64(v)
	}
	mean /= n
	for _, v := range x.Data {
		sq += (float64(v) - mean) * (float64(v) - mean)
	}
	std := math.Sqrt(sq / n)
	// Standard errors: 0.02/√n ≈ 4.5e-5 for the mean, ≈ 3.2e-5 for the std.
	if math.Abs(mean-1) > 3e-4 || math.Abs(std-0.02) > 3e-4 {
		t.Errorf("FillNormal(1, 0.02): mean %v std %v", mean, std)
	}
	x.FillUniform(r, -2, 2)
	lo, hi := slices.Min(x.Data), slices.Max(x.Data)
	if lo < -2 || hi >= 2 || lo > -1.99 || hi < 1.99 {
		t.Errorf("FillUniform(-2, 2) range [%v, %v]", lo, hi)
	}
	counts := make([]int, 7)
	for range n {
		counts[r.IntN(7)]++
	}
	for i, c := range counts {
		// Expected n/7 ≈ 28571 with standard deviation ≈ 156.
		if math.Abs(float64(c)-n/7.0) > 1000 {
			t.Errorf("IntN(7) drew %d %d times of %d", i, c, n)
		}
	}
}

// TestParallelKernelIsDeterministic checks that a split kernel covers every
// item exactly once.
func TestParallelKernelIsDeterministic(t *testing.T) {
	tp := NewTape()
	for _, n := range []int{0, 1, minParallelWork - 1, 4*minParallelWork + 3} {
		dst, src := make([]float32, n), make([]float32, n)
		for i := range src {
			src[i] = float32(i)
		}
		tp.accumulate(dst, src, 1)
		tp.accumulate(dst, src, 2)
		for i, v := range dst {
			if v != 3*float32(i) {
				t.Fatalf("n=%d: item %d = %v, want %v", n, i, v, 3*float32(i))
			}
		}
	}
}
