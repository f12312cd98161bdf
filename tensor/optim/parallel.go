package optim

import (
	"runtime"
	"sort"
)

// minChunk is the fewest elements an optimizer pass hands to another goroutine: waking one
// costs about a microsecond, the time AdamW takes for a few thousand elements.
const minChunk = 1 << 15

// chunks returns how many chunks a pass over n elements is split into.
func chunks(n int) int { return max(1, min(runtime.GOMAXPROCS(0), n/minChunk)) }

// layout holds the offsets of parameters laid end to end: parameter i holds elements
// [l[i], l[i+1]).
type layout []int

// first returns the parameter holding element e, the last one starting at or before it.
func (l layout) first(e int) int { return sort.SearchInts(l, e+1) - 1 }

// piece returns the part [a, b) of parameter i that lies in the elements [lo, hi).
func (l layout) piece(i, lo, hi int) (a, b int) {
	return max(lo-l[i], 0), min(hi, l[i+1]) - l[i]
}
