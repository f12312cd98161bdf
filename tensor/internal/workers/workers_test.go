package workers

import "testing"

func TestRunCoversEveryChunkOnce(t *testing.T) {
	var g Group
	for _, n := range []int{0, 1, 2, 3, 17} {
		hits := make([]int, n)
		Run(n, &g, func(c int) { hits[c]++ })
		for c, h := range hits {
			if h != 1 {
				t.Errorf("n=%d: chunk %d ran %d times", n, c, h)
			}
		}
	}
}

func TestRunAllocatesNothing(t *testing.T) {
	var g Group
	sum := make([]int, 4)
	fn := func(c int) { sum[c] += c }
	Run(4, &g, fn)
	if a := testing.AllocsPerRun(100, func() { Run(4, &g, fn) }); a != 0 {
		t.Errorf("Run allocates %g times per call", a)
	}
}
