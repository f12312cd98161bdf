//go:build !amd64

package vmath

// supported lists the kernels this CPU can run: only the portable one.
func supported() []*kernel { return []*kernel{genericKernel} }
