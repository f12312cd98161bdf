//go:build !amd64

package gemm

// supported lists the kernels this CPU can run, fastest first.
func supported() []*kernel { return []*kernel{genericKernel} }
