package tensor

import "testing"

// The tests in this file compare the core operations with PyTorch fixtures
// written by tools/torchref/core_ops.py: each case feeds the fixture's inputs
// to the operation, back-propagates the fixture's upstream gradient dy, and
// checks the output and every input gradient.

func TestLinearMatchesTorch(t *testing.T) {
	for _, c := range loadFixture(t, "linear") {
		tp := NewTape()
		x, w := c.param(t, "x"), c.param(t, "w")
		var b *Tensor
		if _, ok := c.Tensors["b"]; ok {
			b = c.param(t, "b")
		}
		y := tp.Linear(x, w, b)
		c.check(t, "y", y.Data, y.Shape)
		tp.BackwardWith(y, c.floats(t, "dy"))
		c.check(t, "dx", x.Grad, x.Shape)
		c.check(t, "dw", w.Grad, w.Shape)
		if b != nil {
			c.check(t, "db", b.Grad, b.Shape)
		}
	}
}

func TestMatMulMatchesTorch(t *testing.T) {
	for _, c := range loadFixture(t, "matmul") {
		tp := NewTape()
		a, b := c.param(t, "a"), c.param(t, "b")
		y := tp.MatMul(a, b, c.scalar(t, "transA") != 0, c.scalar(t, "transB") != 0)
		c.check(t, "y", y.Data, y.Shape)
		tp.BackwardWith(y, c.floats(t, "dy"))
		c.check(t, "da", a.Grad, a.Shape)
		c.check(t, "db", b.Grad, b.Shape)
	}
}

func TestEmbeddingMatchesTorch(t *testing.T) {
	for _, c := range loadFixture(t, "embedding") {
		tp := NewTape()
		table := c.param(t, "table")
		y := tp.Embedding(table, c.int32s(t, "ids"))
		c.check(t, "y", y.Data, y.Shape)
		tp.BackwardWith(y, c.floats(t, "dy"))
		c.check(t, "dtable", table.Grad, table.Shape)
	}
}

func TestElementwiseMatchesTorch(t *testing.T) {
	for _, c := range loadFixture(t, "elementwise") {
		tp := NewTape()
		var y *Tensor
		var in []*Tensor
		var grads []string
		switch c.Name {
		case "add-same", "add-row", "add-suffix":
			a, b := c.param(t, "a"), c.param(t, "b")
			y, in, grads = tp.Add(a, b), []*Tensor{a, b}, []string{"da", "db"}
		case "scale", "sum", "mean":
			x := c.param(t, "x")
			in, grads = []*Tensor{x}, []string{"dx"}
			switch c.Name {
			case "scale":
				y = tp.Scale(x, float32(c.scalar(t, "scale")))
			case "sum":
				y = tp.Sum(x)
			default:
				y = tp.Mean(x)
			}
		default:
			t.Fatalf("unknown elementwise case %q", c.Name)
		}
		c.check(t, "y", y.Data, y.Shape)
		tp.BackwardWith(y, c.floats(t, "dy"))
		for i, x := range in {
			c.check(t, grads[i], x.Grad, x.Shape)
		}
	}
}

func TestCrossEntropyMatchesTorch(t *testing.T) {
	for _, c := range loadFixture(t, "cross_entropy") {
		tp := NewTape()
		z, targets := c.param(t, "logits"), c.int32s(t, "targets")
		var y *Tensor
		if c.scalar(t, "sum") != 0 {
			var count int
			y, count = tp.CrossEntropySum(z, targets, -100)
			if want := int(c.scalar(t, "count")); count != want {
				t.Errorf("case %s: count %d, want %d", c.Name, count, want)
			}
		} else {
			y = tp.CrossEntropy(z, targets, -100)
		}
		c.check(t, "y", y.Data, y.Shape)
		tp.BackwardWith(y, c.floats(t, "dy"))
		c.check(t, "dlogits", z.Grad, z.Shape)
	}
}

func TestBCEWithLogitsMatchesTorch(t *testing.T) {
	for _, c := range loadFixture(t, "bce_with_logits") {
		tp := NewTape()
		x := c.param(t, "logits")
		var posWeight []float32
		if _, ok := c.Tensors["pos_weight"]; ok {
			posWeight = c.floats(t, "pos_weight")
		}
		y := tp.BCEWithLogits(x, c.floats(t, "targets"), posWeight)
		c.check(t, "y", y.Data, y.Shape)
		tp.BackwardWith(y, c.floats(t, "dy"))
		c.check(t, "dlogits", x.Grad, x.Shape)
	}
}
