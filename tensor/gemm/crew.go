package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// A goroutine started on an idle core begins running only after the operating system wakes
// that core: 70-100 µs on the virtual machines Vigil was tuned on, a quarter of a
// 1024×256×256 product. So the regions after the first go to a crew of long-lived helpers
// that poll for work for helperSpin after their last task before they park; when products
// follow one another a helper starts within a microsecond.
const helperSpin = 2 * time.Millisecond

// job is one product's shared arguments.
type job struct {
	k           *kernel
	dst, a, b   []float32
	s           Shape
	alpha, beta float32
	p           split
	team        *team        // shares the packing of transposed A, or nil
	left        atomic.Int32 // regions not yet finished
}

// helper is a long-lived goroutine that computes one region of a job at a time.
type helper struct {
	job    atomic.Pointer[job] // set to hand over work; cleared by the helper when done
	region int                 // which region of job to compute; written before job is set
	parked atomic.Bool         // the helper is blocked on wake, or about to be
	wake   chan struct{}
}

// crew holds the helpers and the job they share. Only one product at a time uses it; others
// start goroutines. Reusing one job keeps a threaded product free of heap allocations.
var crew struct {
	sync.Mutex
	helpers []*helper
	job     job
	team    team
}

// yield lets other goroutines and, where the system allows, other threads run: when the
// machine has more runnable threads than cores, a helper that is not running may be waiting
// for the core of the goroutine that polls for it.
func yield() {
	runtime.Gosched()
	osYield()
}

// loop runs tasks handed to h, polling while it has been idle for less than helperSpin.
func (h *helper) loop() {
	for {
		last := time.Now()
		for time.Since(last) < helperSpin {
			if j := h.job.Load(); j != nil {
				h.run(j)
				last = time.Now()
				continue
			}
			yield()
		}
		// Publish parked before the last look at job; give pairs it with the converse,
		// so either this look sees the job or give sees parked and sends a wake-up.
		h.parked.Store(true)
		if h.job.Load() == nil {
			<-h.wake
		}
		h.parked.Store(false)
	}
}

func (h *helper) run(j *job) {
	compute(j.k, j.dst, j.a, j.b, j.s, j.alpha, j.beta, j.p.region(h.region, j.s.M, j.s.N), j.team, h.region)
	h.job.Store(nil)
	j.left.Add(-1)
}

// give hands region t of j to h.
func (h *helper) give(j *job, t int) {
	h.region = t
	h.job.Store(j)
	if h.parked.Load() {
		select {
		case h.wake <- struct{}{}:
		default:
		}
	}
}

// runParallel computes the p.n regions of a product, the first on the calling goroutine.
// Regions that split N share the packing of transposed A through a team.
func runParallel(k *kernel, dst, a, b []float32, s Shape, alpha, beta float32, p split) {
	shareA := p.alongN && s.TransA
	aLen := (s.M + k.mr - 1) / k.mr * k.mr * kBlocks(s.K)
	if !crew.TryLock() {
		var tm *team
		if shareA {
			tm = new(team)
			tm.reset(p.n, aLen)
		}
		var wg sync.WaitGroup
		for t := 1; t < p.n; t++ {
			wg.Go(func() { compute(k, dst, a, b, s, alpha, beta, p.region(t, s.M, s.N), tm, t) })
		}
		compute(k, dst, a, b, s, alpha, beta, p.region(0, s.M, s.N), tm, 0)
		wg.Wait()
		return
	}
	defer crew.Unlock()
	for len(crew.helpers) < p.n-1 {
		h := &helper{wake: make(chan struct{}, 1)}
		crew.helpers = append(crew.helpers, h)
		go h.loop()
	}
	j := &crew.job
	j.k, j.dst, j.a, j.b, j.s, j.alpha, j.beta, j.p = k, dst, a, b, s, alpha, beta, p
	j.team = nil
	if shareA {
		crew.team.reset(p.n, aLen)
		j.team = &crew.team
	}
	j.left.Store(int32(p.n - 1))
	for t := 1; t < p.n; t++ {
		crew.helpers[t-1].give(j, t)
	}
	compute(k, dst, a, b, s, alpha, beta, p.region(0, s.M, s.N), j.team, 0)
	// Parking here would add the wake-up latency back; yield until the helpers finish.
	for j.left.Load() > 0 {
		yield()
	}
	j.dst, j.a, j.b = nil, nil, nil // do not keep the operands alive
}
