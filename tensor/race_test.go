//go:build race

package tensor_test

// raceEnabled reports a build with the race detector, whose instrumentation
// allocates on its own, so allocation counts are not meaningful there.
const raceEnabled = true
