package tensor

import (
	"math"
	"testing"
)

// crossEntropyRef returns the summed cross-entropy over rows whose target is
// not ignore, the number of such rows, and d(sum)/dlogits.
func crossEntropyRef(z []float64, targets []int32, ignore int32) (sum float64, count int, grad []float64) {
	classes := len(z) / len(targets)
	grad = make([]float64, len(z))
	for r, c := range targets {
		if c == ignore {
			continue
		}
		row := z[r*classes : (r+1)*classes]
		m := math.Inf(-1)
		for _, v := range row {
			m = max(m, v)
		}
		s := 0.0
		for _, v := range row {
			s += math.Exp(v - m)
		}
		lse := m + math.Log(s)
		sum += lse - row[c]
		count++
		for j, v := range row {
			grad[r*classes+j] = math.Exp(v - lse)
		}
		grad[r*classes+int(c)]--
	}
	return sum, count, grad
}

func TestCrossEntropyAgainstReference(t *testing.T) {
	for _, tc := range []struct {
		name    string
		classes int
		targets []int32
		sum     bool
	}{
		{"mean", 5, []int32{0, 4, 2, 2}, false},
		{"ignore", 3, []int32{1, -100, 0, -100, 2}, false},
		{"all-ignored", 3, []int32{-100, -100}, false},
		{"sum", 4, []int32{3, -100, 1}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := len(tc.targets)
			scale := func() float64 {
				_, count, _ := crossEntropyRef(make([]float64, n*tc.classes), tc.targets, -100)
				if tc.sum || count == 0 {
					return 1
				}
				return float64(float32(1 / float32(count)))
			}
			checkAgainstRef(t, refCase{
				name:   "CrossEntropy " + tc.name,
				shapes: [][]int{{n, tc.classes}},
				ref: func(in [][]float64) []float64 {
					s, _, _ := crossEntropyRef(in[0], tc.targets, -100)
					return []float64{s * scale()}
				},
				refGrad: func(in [][]float64, dy []float64) [][]float64 {
					_, _, g := crossEntropyRef(in[0], tc.targets, -100)
					for i := range g {
						g[i] *= dy[0] * scale()
					}
					return [][]float64{g}
				},
				run: func(tp *Tape, in []*Tensor) *Tensor {
					if !tc.sum {
						return tp.CrossEntropy(in[0], tc.targets, -100)
					}
					loss, count := tp.CrossEntropySum(in[0], tc.targets, -100)
					if _, want, _ := crossEntropyRef(to64(in[0].Data), tc.targets, -100); count != want {
						t.Errorf("CrossEntropySum count %d, want %d", count, want)
					}
					return loss
				},
			})
		})
	}
}

// TestCrossEntropyStable checks logits far beyond exp's float32 range.
func TestCrossEntropyStable(t *testing.T) {
	tp := NewTape()
	z := NewParam("z", 2, 3)
	copy(z.Data, []float32{1000, 0, -1000, -5000, -5001, -5002})
	loss := tp.CrossEntropy(z, []int32{1, 0}, -100)
	tp.Backward(loss)
	want := (1000 + math.Log(1+math.Exp(-1000)+math.Exp(-2000)) + math.Log(1+math.Exp(-1)+math.Exp(-2))) / 2
	if math.Abs(float64(loss.Data[0])-want) > 1e-3 {
		t.Errorf("loss %v, want %v", loss.Data[0], want)
	}
	for i, g := range z.Grad {
		if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
			t.Errorf("gradient[%d] = %v", i, g)
		}
	}
}

func TestCrossEntropyPanicsOnBadTarget(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("target 3 of 3 classes did not panic")
		}
	}()
	NewTape().CrossEntropy(NewParam("z", 1, 3), []int32{3}, -100)
}

// bceRef is the float64 BCEWithLogits reference: mean loss and d/dlogits.
func bceRef(x, y, w []float64) (float64, []float64) {
	sum, grad := 0.0, make([]float64, len(x))
	for i, v := range x {
		pw := 1.0
		if w != nil {
			pw = w[i%len(w)]
		}
		p := 1 / (1 + math.Exp(-v))
		sum += -(pw*y[i]*math.Log(p) + (1-y[i])*math.Log(1-p))
		grad[i] = (pw*y[i]*(p-1) + (1-y[i])*p) / float64(len(x))
	}
	return sum / float64(len(x)), grad
}

func TestBCEWithLogitsAgainstReference(t *testing.T) {
	targets := []float32{1, 0, 0, 1, 0.3, 1, 0, 0.7}
	for _, tc := range []struct {
		name      string
		posWeight []float32
	}{
		{"plain", nil},
		{"pos-weight", []float32{2.5, 0.5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w []float64
			if tc.posWeight != nil {
				w = to64(tc.posWeight)
			}
			checkAgainstRef(t, refCase{
				name:   "BCEWithLogits " + tc.name,
				shapes: [][]int{{4, 2}},
				ref: func(in [][]float64) []float64 {
					l, _ := bceRef(in[0], to64(targets), w)
					return []float64{l}
				},
				refGrad: func(in [][]float64, dy []float64) [][]float64 {
					_, g := bceRef(in[0], to64(targets), w)
					for i := range g {
						g[i] *= dy[0]
					}
					return [][]float64{g}
				},
				run: func(tp *Tape, in []*Tensor) *Tensor { return tp.BCEWithLogits(in[0], targets, tc.posWeight) },
			})
		})
	}
}

// TestBCEWithLogitsStable checks logits whose sigmoid rounds to 0 or 1.
func TestBCEWithLogitsStable(t *testing.T) {
	tp := NewTape()
	x := NewParam("x", 4)
	copy(x.Data, []float32{200, -200, 200, -200})
	loss := tp.BCEWithLogits(x, []float32{1, 0, 0, 1}, nil)
	tp.Backward(loss)
	if want := 100.0; math.Abs(float64(loss.Data[0])-want) > 1e-4 {
		t.Errorf("loss %v, want %v", loss.Data[0], want)
	}
	want := []float32{0, 0, 0.25, -0.25}
	for i, g := range x.Grad {
		if math.Abs(float64(g-want[i])) > 1e-7 {
			t.Errorf("gradient[%d] = %v, want %v", i, g, want[i])
		}
	}
}
