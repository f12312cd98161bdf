package gemm

import (
	"sync"
	"sync/atomic"
)

// Cache blocking. A kc×nc block of packed B, at most bBlock floats (512 KiB), stays in L2
// while each mr×kc sliver of A sweeps across its panels. K blocks are long so that each tile
// of C is loaded and stored once for K up to kcMax: on the Zen 5 cores Vigil was tuned on,
// streaming A and B from L2 over one block of 1024 ran 2-3% faster than three blocks of 342
// that keep more in L1 but go over C three times. Blocks of B narrow as they lengthen, to
// leave L2 room for A and C.
const (
	kcMax  = 1024      // longest K block
	ncMax  = 512       // widest block of B
	bBlock = 128 << 10 // floats in the largest block of B
)

// kBlocks returns the length of the K blocks: K split evenly into blocks of at most kcMax.
// It depends on K alone, so every goroutine and thread count sums in the same order.
func kBlocks(k int) int {
	n := (k + kcMax - 1) / kcMax
	return (k + n - 1) / n
}

// nBlock returns the width of the blocks of B for K blocks of length kc: a whole number of
// panels, as many as fit in bBlock floats up to ncMax columns. It affects speed only.
func nBlock(k *kernel, kc int) int {
	return max(min(ncMax, bBlock/kc)/k.nr, 1) * k.nr
}

// workspace holds one goroutine's packing buffers.
type workspace struct {
	b    []float32 // packed block of B: panels of nr columns, k-major within a panel
	a    []float32 // packed slivers of A: mr rows each, k-major
	tile []float32 // one mr×nr tile for edges of dst
}

// workspaces holds the workspaces not in use. It is a free list rather than a sync.Pool: a Pool
// keeps the last item put on a P private to that P, so a goroutine running on another P would
// allocate a new workspace, and steady-state training would allocate now and then. The list holds
// as many workspaces as products ever ran at once.
var workspaces struct {
	sync.Mutex
	free []*workspace
}

// getWorkspace returns a workspace for kernel k with room for aLen floats of packed A; putWorkspace
// gives it back.
func getWorkspace(k *kernel, aLen int) *workspace {
	var w *workspace
	workspaces.Lock()
	if n := len(workspaces.free); n > 0 {
		w = workspaces.free[n-1]
		workspaces.free = workspaces.free[:n-1]
	}
	workspaces.Unlock()
	if w == nil {
		w = new(workspace)
	}
	w.b = grow(w.b, bBlock)
	w.a = grow(w.a, aLen)
	w.tile = grow(w.tile, k.mr*k.nr)
	return w
}

func putWorkspace(w *workspace) {
	workspaces.Lock()
	workspaces.free = append(workspaces.free, w)
	workspaces.Unlock()
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// barrierSpins is how many times a member of a team polls the barrier before it starts
// yielding: some microseconds.
const barrierSpins = 1 << 14

// team lets the goroutines of a product split along N pack transposed A once between them:
// all their regions span the same rows, so each packs a share of the slivers of each K block
// into a buffer they all read, instead of each packing all of A for itself.
type team struct {
	n       int          // goroutines in the team
	a       []float32    // packed slivers of A for one K block, all rows
	arrived atomic.Int64 // arrivals at barriers so far
}

// reset prepares t for a product of n goroutines that packs aLen floats of A per K block.
func (t *team) reset(n, aLen int) {
	t.n = n
	t.a = grow(t.a, aLen)
	t.arrived.Store(0)
}

// wait is a member's barrier number gen, counting from 1: it returns once every member has
// called it gen times.
func (t *team) wait(gen int) {
	t.arrived.Add(1)
	// The others normally arrive within microseconds: poll before yielding the core.
	want := int64(gen) * int64(t.n)
	for spins := 0; t.arrived.Load() < want; spins++ {
		if spins >= barrierSpins {
			yield()
		}
	}
}

// packA packs member m's share of the slivers of op(A)[:, pc:pc+kc], K block number blk,
// once the others are done with the previous block, waits for their shares and returns the
// block.
func (t *team) packA(k *kernel, a []float32, s Shape, pc, kc, m, blk int) []float32 {
	if blk > 0 {
		t.wait(2 * blk)
	}
	slivers := (s.M + k.mr - 1) / k.mr
	m0, m1 := slivers*m/t.n*k.mr, min(slivers*(m+1)/t.n*k.mr, s.M)
	if m0 < m1 {
		packATransposed(k, t.a[m0*kc:], a, s.LDA, m0, m1, pc, kc)
	}
	t.wait(2*blk + 1)
	return t.a
}

// compute evaluates region r of dst serially. When t is not nil, r spans all rows and A is
// transposed: the goroutine is member m of team t, which packs A.
//
// Row-major A is read in place; only a partial sliver at the bottom edge is packed. Transposed
// A is packed a K block at a time for the whole region: read in place its k steps lie lda
// apart and, for lda a multiple of 1 KiB, crowd into a few L1 sets.
func compute(k *kernel, dst, a, b []float32, s Shape, alpha, beta float32, r region, t *team, m int) {
	mr, nr := k.mr, k.nr
	kcb := kBlocks(s.K)
	ncb := nBlock(k, kcb)
	aLen := kcb * mr
	if s.TransA && t == nil {
		aLen *= (r.m1 - r.m0 + mr - 1) / mr
	}
	w := getWorkspace(k, aLen)
	defer putWorkspace(w)
	for blk, pc := 0, 0; pc < s.K; blk, pc = blk+1, pc+kcb {
		kc := min(kcb, s.K-pc)
		ap := w.a // packed A when transposed, from row r.m0
		switch {
		case t != nil:
			ap = t.packA(k, a, s, pc, kc, m, blk)
		case s.TransA:
			packATransposed(k, w.a, a, s.LDA, r.m0, r.m1, pc, kc)
		}
		// Later K blocks accumulate onto what the earlier ones stored.
		load, bt := beta != 0, beta
		if pc > 0 {
			load, bt = true, 1
		}
		for jc := r.n0; jc < r.n1; jc += ncb {
			nc := min(ncb, r.n1-jc)
			packB(k, w.b, b, s, pc, kc, jc, nc)
			for i := r.m0; i < r.m1; i += mr {
				mt := min(mr, r.m1-i)
				// The sliver of A: row r, column p at as[r*ars + p*acs].
				var as []float32
				ars, acs := 1, mr
				switch {
				case s.TransA:
					as = ap[(i-r.m0)*kc:]
				case mt < mr:
					packA(w.a, a, s.LDA, i, mt, pc, kc, mr)
					as = w.a
				default:
					as, ars, acs = a[i*s.LDA+pc:], s.LDA, 1
				}
				for j := jc; j < jc+nc; j += nr {
					bp := w.b[(j-jc)*kc:]
					nt := min(nr, jc+nc-j)
					c := dst[i*s.LDC+j:]
					if mt == mr && nt == nr {
						k.tile(kc, as, ars, acs, bp, c, s.LDC, alpha, bt, load)
						continue
					}
					k.tile(kc, as, ars, acs, bp, w.tile, nr, alpha, 0, false)
					mergeTile(c, s.LDC, w.tile, nr, mt, nt, bt, load)
				}
			}
		}
	}
}

// mergeTile stores the top-left mt×nt corner of tile t (already scaled by alpha) into c,
// adding bt·c when load is set. The rounding matches the assembly kernels' epilogue.
func mergeTile(c []float32, ldc int, t []float32, ldt, mt, nt int, bt float32, load bool) {
	for i := range mt {
		row, src := c[i*ldc:i*ldc+nt], t[i*ldt:i*ldt+nt]
		if !load {
			copy(row, src)
			continue
		}
		for j, v := range src {
			row[j] = v + float32(bt*row[j])
		}
	}
}

// packB copies op(B)[pc:pc+kc, jc:jc+nc] into dst as panels of nr columns; within a panel,
// row p is stored at p*nr. Columns past the edge are zero.
func packB(k *kernel, dst, b []float32, s Shape, pc, kc, jc, nc int) {
	nr := k.nr
	j0 := 0
	if !s.TransB && k.packB != nil && nc >= nr {
		j0 = nc / nr * nr
		k.packB(dst, b[pc*s.LDB+jc:], s.LDB, kc, j0/nr)
	}
	for ; j0 < nc; j0 += nr {
		panel := dst[j0*kc : j0*kc+kc*nr]
		w := min(nr, nc-j0)
		if s.TransB {
			packTransposed(k, panel, b[(jc+j0)*s.LDB+pc:], s.LDB, kc, w)
		} else {
			for p := range kc {
				copy(panel[p*nr:p*nr+w], b[(pc+p)*s.LDB+jc+j0:])
			}
		}
		if w < nr {
			for p := range kc {
				clear(panel[p*nr+w : p*nr+nr])
			}
		}
	}
}

// packTransposed sets panel[p*nr+j] = src[j*ld+p] for p < kc, j < w: eight columns at a
// time with k's transpose8 when it has one, then four together so that each step writes 16
// contiguous bytes, then one by one.
func packTransposed(k *kernel, panel, src []float32, ld, kc, w int) {
	nr := k.nr
	j := 0
	if k.transpose8 != nil {
		kc8 := kc &^ 7
		for ; j+8 <= w; j += 8 {
			if kc8 > 0 {
				k.transpose8(panel[j:], nr, src[j*ld:], ld, kc8)
			}
			for c := range 8 {
				for p := kc8; p < kc; p++ {
					panel[p*nr+j+c] = src[(j+c)*ld+p]
				}
			}
		}
	}
	for ; j+4 <= w; j += 4 {
		c0 := src[j*ld:][:kc]
		c1 := src[(j+1)*ld:][:kc]
		c2 := src[(j+2)*ld:][:kc]
		c3 := src[(j+3)*ld:][:kc]
		for p := range c0 {
			d := panel[p*nr+j:][:4]
			d[0], d[1], d[2], d[3] = c0[p], c1[p], c2[p], c3[p]
		}
	}
	for ; j < w; j++ {
		for p, v := range src[j*ld:][:kc] {
			panel[p*nr+j] = v
		}
	}
}

// packA copies rows i:i+mt (mt < mr) of row-major A, columns pc:pc+kc, into dst k-major
// with stride mr, zero-filling the missing rows.
func packA(dst, a []float32, lda, i, mt, pc, kc, mr int) {
	for p := range kc {
		row := dst[p*mr : p*mr+mr]
		for r := range mt {
			row[r] = a[(i+r)*lda+pc+p]
		}
		clear(row[mt:])
	}
}

// packATransposed packs rows m0:m1 of op(A), columns pc:pc+kc, for A stored K×M: slivers of
// mr rows, each kc×mr and k-major, one after another, the last zero-filled past m1. Whole
// slivers go eight at a time, reading each stored row of A sequentially: going sliver by
// sliver instead reads kc lines lda apart, which for lda a multiple of 1 KiB share a few L1
// sets and miss every time.
func packATransposed(k *kernel, dst, a []float32, lda, m0, m1, pc, kc int) {
	const group = 8
	mr := k.mr
	full := (m1 - m0) / mr * mr
	for g := 0; g < full; g += group * mr {
		ge := min(g+group*mr, full)
		if k.packA != nil {
			k.packA(dst[g*kc:], a[pc*lda+m0+g:], lda, kc, (ge-g)/mr)
			continue
		}
		for p := range kc {
			src := a[(pc+p)*lda+m0+g : (pc+p)*lda+m0+ge]
			for s := 0; s < len(src); s += mr {
				copy(dst[(g+s)*kc+p*mr:][:mr], src[s:])
			}
		}
	}
	if full < m1-m0 {
		sliver := dst[full*kc:][:kc*mr]
		src := a[pc*lda+m0+full:]
		for p := range kc {
			n := copy(sliver[p*mr:p*mr+mr], src[p*lda:p*lda+m1-m0-full])
			clear(sliver[p*mr+n : p*mr+mr])
		}
	}
}
