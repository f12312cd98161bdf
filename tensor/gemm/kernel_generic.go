package gemm

import "runtime"

// genericKernel is the portable micro-kernel.
var genericKernel = &kernel{name: "generic", mr: 4, nr: 16, tile: tileGeneric, peak: peakGeneric}

func tileGeneric(kc int, a []float32, rsa, csa int, b, c []float32, ldc int, alpha, beta float32, load bool) {
	const mr, nr = 4, 16
	var acc [mr][nr]float32
	for p := range kc {
		bp := (*[nr]float32)(b[p*nr:])
		for r := range mr {
			ar := a[r*rsa+p*csa]
			for j, bv := range bp {
				acc[r][j] += ar * bv
			}
		}
	}
	for r := range mr {
		row := c[r*ldc : r*ldc+nr]
		for j := range row {
			v := float32(alpha * acc[r][j])
			if load {
				v += float32(beta * row[j])
			}
			row[j] = v
		}
	}
}

func peakGeneric(iters int) int64 {
	var x [8]float32
	const m, d = 0.9999999, 1e-7
	for range iters {
		for i := range x {
			x[i] = x[i]*m + d
		}
	}
	var s float32
	for _, v := range x {
		s += v
	}
	runtime.KeepAlive(s)
	return int64(iters) * int64(len(x)) * 2
}
