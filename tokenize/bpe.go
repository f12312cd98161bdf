package tokenize

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// contPrefix is the continuation prefix of trained vocabularies.
const contPrefix = "##"

// trainBPE learns a vocabulary from distinct words and their counts: the
// five special tokens (ids 0..4), the alphabet sorted by code point, the
// "##" forms of characters seen after the first position of a word,
// sorted by code point, then merged tokens in merge order.
func trainBPE(words []string, counts []int64, o TrainerOptions) []string {
	vocab := []string{PadToken, UnkToken, ClsToken, SepToken, MaskToken}
	alphabet := buildAlphabet(words, counts, o.LimitAlphabet)
	initial := make(map[rune]int32, len(alphabet))
	for _, r := range alphabet {
		initial[r] = int32(len(vocab))
		vocab = append(vocab, string(r))
	}
	var later []rune
	seen := make(map[rune]bool)
	for _, w := range words {
		for k, r := range w {
			if _, ok := initial[r]; ok && k > 0 && !seen[r] {
				seen[r] = true
				later = append(later, r)
			}
		}
	}
	slices.Sort(later)
	cont := make(map[rune]int32, len(later))
	for _, r := range later {
		cont[r] = int32(len(vocab))
		vocab = append(vocab, contPrefix+string(r))
	}
	b := newMerger(vocab, words, counts, initial, cont)
	return b.run(o.VocabSize, int64(max(o.MinFrequency, 1)))
}

// buildAlphabet returns the characters of words, sorted by code point,
// keeping the limit most frequent when limit > 0.
func buildAlphabet(words []string, counts []int64, limit int) []rune {
	var ascii [utf8.RuneSelf]int64
	freq := make(map[rune]int64)
	for i, w := range words {
		n := counts[i]
		for j := 0; j < len(w); j++ {
			if c := w[j]; c < utf8.RuneSelf {
				ascii[c] += n
				continue
			}
			r, size := utf8.DecodeRuneInString(w[j:])
			freq[r] += n
			j += size - 1
		}
	}
	for c, n := range ascii {
		if n > 0 {
			freq[rune(c)] = n
		}
	}
	alphabet := make([]rune, 0, len(freq))
	for r := range freq {
		alphabet = append(alphabet, r)
	}
	if limit > 0 && len(alphabet) > limit {
		slices.SortFunc(alphabet, func(a, b rune) int {
			if freq[a] != freq[b] {
				if freq[a] > freq[b] {
					return -1
				}
				return 1
			}
			return int(a - b)
		})
		alphabet = alphabet[:limit]
	}
	slices.Sort(alphabet)
	return alphabet
}

// merger holds the state of byte-pair merging: every distinct word as a
// sequence of symbol ids, weighted by its count, and the count of every
// adjacent pair, updated incrementally as pairs are merged.
type merger struct {
	vocab []string
	index map[string]int32

	syms   []int32 // symbols of all words back to back
	start  []int32 // word w occupies syms[start[w] : start[w]+size[w]]
	size   []int32
	counts []int64

	pairOf  map[uint64]int32 // (a, b) -> pair index
	pairA   []int32
	pairB   []int32
	pairN   []int64   // current count
	where   [][]int32 // words that held the pair when it was counted or created
	touched []int32   // pairs whose count grew during the current merge
	grew    []bool
	visit   []int32 // per word: last merge that visited it
	heap    pairHeap
}

func newMerger(vocab []string, words []string, counts []int64, initial, cont map[rune]int32) *merger {
	m := &merger{
		vocab:  vocab,
		index:  make(map[string]int32, len(vocab)),
		start:  make([]int32, len(words)),
		size:   make([]int32, len(words)),
		counts: counts,
		visit:  make([]int32, len(words)),
		pairOf: make(map[uint64]int32),
	}
	for i, tok := range vocab {
		m.index[tok] = int32(i)
	}
	for w, word := range words {
		m.start[w] = int32(len(m.syms))
		k := 0
		for _, r := range word {
			table := cont
			if k == 0 {
				table = initial
			}
			k++
			if id, ok := table[r]; ok {
				m.syms = append(m.syms, id)
			}
		}
		m.size[w] = int32(len(m.syms)) - m.start[w]
		s := m.word(w)
		for j := 0; j+1 < len(s); j++ {
			m.add(s[j], s[j+1], counts[w], int32(w))
		}
	}
	for p, n := range m.pairN {
		if n > 0 {
			m.heap.push(heapItem{n, m.pairA[p], m.pairB[p], int32(p)})
		}
	}
	return m
}

func (m *merger) word(w int) []int32 {
	return m.syms[m.start[w] : m.start[w]+m.size[w]]
}

// add changes the count of pair (a, b) by n; when n grows it, word w is
// recorded as holding the pair.
func (m *merger) add(a, b int32, n int64, w int32) {
	key := uint64(uint32(a))<<32 | uint64(uint32(b))
	p, ok := m.pairOf[key]
	if !ok {
		p = int32(len(m.pairN))
		m.pairOf[key] = p
		m.pairA = append(m.pairA, a)
		m.pairB = append(m.pairB, b)
		m.pairN = append(m.pairN, 0)
		m.where = append(m.where, nil)
		m.grew = append(m.grew, false)
	}
	m.pairN[p] += n
	if n > 0 {
		if l := m.where[p]; len(l) == 0 || l[len(l)-1] != w {
			m.where[p] = append(l, w)
		}
		if !m.grew[p] {
			m.grew[p] = true
			m.touched = append(m.touched, p)
		}
	}
}

// run merges the most frequent pair (ties: smallest symbol ids) until the
// vocabulary has size tokens or no pair reaches minFreq.
func (m *merger) run(size int, minFreq int64) []string {
	m.touched = m.touched[:0]
	for i := range m.grew {
		m.grew[i] = false
	}
	for iter := int32(1); len(m.vocab) < size && m.heap.len() > 0; iter++ {
		top := m.heap.pop()
		if n := m.pairN[top.pair]; n != top.count {
			if n > 0 {
				top.count = n
				m.heap.push(top)
			}
			continue
		}
		if top.count < minFreq {
			break
		}
		tok := m.vocab[top.a] + strings.TrimPrefix(m.vocab[top.b], contPrefix)
		id, ok := m.index[tok]
		if !ok {
			id = int32(len(m.vocab))
			m.index[tok] = id
			m.vocab = append(m.vocab, tok)
		}
		where := m.where[top.pair]
		m.where[top.pair] = nil
		for _, w := range where {
			if m.visit[w] != iter {
				m.visit[w] = iter
				m.mergeWord(int(w), top.a, top.b, id)
			}
		}
		for _, p := range m.touched {
			m.grew[p] = false
			if n := m.pairN[p]; n > 0 {
				m.heap.push(heapItem{n, m.pairA[p], m.pairB[p], p})
			}
		}
		m.touched = m.touched[:0]
	}
	return m.vocab
}

// mergeWord replaces each non-overlapping (a, b), left to right, by id in
// word w and updates the counts of the pairs around it.
func (m *merger) mergeWord(w int, a, b, id int32) {
	s := m.word(w)
	n := m.counts[w]
	ww := int32(w)
	j := 0
	for i := 0; i < len(s); {
		if i+1 < len(s) && s[i] == a && s[i+1] == b {
			if j > 0 {
				m.add(s[j-1], a, -n, ww)
				m.add(s[j-1], id, n, ww)
			}
			if i+2 < len(s) {
				m.add(b, s[i+2], -n, ww)
				m.add(id, s[i+2], n, ww)
			}
			m.add(a, b, -n, ww)
			s[j] = id
			i += 2
		} else {
			s[j] = s[i]
			i++
		}
		j++
	}
	m.size[w] = int32(j)
}

// heapItem is a candidate merge; stale items are refreshed when popped.
type heapItem struct {
	count int64
	a, b  int32
	pair  int32
}

// before orders items by count, highest first, then by symbol ids.
func (x heapItem) before(y heapItem) bool {
	if x.count != y.count {
		return x.count > y.count
	}
	if x.a != y.a {
		return x.a < y.a
	}
	return x.b < y.b
}

// pairHeap is a binary heap of merge candidates.
type pairHeap struct{ items []heapItem }

func (h *pairHeap) len() int { return len(h.items) }

func (h *pairHeap) push(x heapItem) {
	h.items = append(h.items, x)
	i := len(h.items) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !h.items[i].before(h.items[parent]) {
			break
		}
		h.items[i], h.items[parent] = h.items[parent], h.items[i]
		i = parent
	}
}

func (h *pairHeap) pop() heapItem {
	top := h.items[0]
	last := len(h.items) - 1
	h.items[0] = h.items[last]
	h.items = h.items[:last]
	for i := 0; ; {
		l, best := 2*i+1, i
		if l < last && h.items[l].before(h.items[best]) {
			best = l
		}
		if r := l + 1; r < last && h.items[r].before(h.items[best]) {
			best = r
		}
		if best == i {
			break
		}
		h.items[i], h.items[best] = h.items[best], h.items[i]
		i = best
	}
	return top
}
