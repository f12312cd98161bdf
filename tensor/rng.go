package tensor

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// RNG is a deterministic random source for parameter initialisation and
// dropout. It uses the PCG generator from math/rand/v2, whose output for a
// given seed is fixed by its specification, and its own samplers, so the same
// seed yields the same numbers on every platform and Go release.
type RNG struct {
	pcg rand.PCG
}

// NewRNG returns a generator seeded with seed.
func NewRNG(seed uint64) *RNG {
	r := &RNG{}
	r.pcg.Seed(seed, seed^0x9e3779b97f4a7c15)
	return r
}

// Uint64 returns 64 uniformly random bits.
func (r *RNG) Uint64() uint64 { return r.pcg.Uint64() }

// Float64 returns a uniform value in [0, 1) with 53 random bits.
func (r *RNG) Float64() float64 { return float64(r.pcg.Uint64()>>11) * 0x1p-53 }

// Float32 returns a uniform value in [0, 1) with 24 random bits.
func (r *RNG) Float32() float32 { return float32(r.pcg.Uint64()>>40) * 0x1p-24 }

// IntN returns a uniform value in [0, n). It panics if n <= 0.
func (r *RNG) IntN(n int) int {
	if n <= 0 {
		panic("tensor: RNG.IntN: n must be positive")
	}
	// Lemire's multiply-shift with rejection of the biased low range.
	bound := uint64(n)
	hi, lo := bits.Mul64(r.pcg.Uint64(), bound)
	if lo < bound {
		threshold := -bound % bound
		for lo < threshold {
			hi, lo = bits.Mul64(r.pcg.Uint64(), bound)
		}
	}
	return int(hi)
}

// Normal returns a standard normal draw (Box–Muller, one value per pair of
// uniforms, so the state advances by exactly two outputs per call).
func (r *RNG) Normal() float64 {
	u := 1 - r.Float64() // (0, 1], keeps the logarithm finite
	v := r.Float64()
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*v)
}

// MarshalBinary encodes the generator's state, for checkpoints.
func (r *RNG) MarshalBinary() ([]byte, error) { return r.pcg.MarshalBinary() }

// UnmarshalBinary restores a state written by MarshalBinary.
func (r *RNG) UnmarshalBinary(data []byte) error { return r.pcg.UnmarshalBinary(data) }
