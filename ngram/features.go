// Package ngram is a linear text classifier over TF-IDF n-grams: word 1-2-grams and character 2-5-grams
// within words, weighed by a logistic regression. It is the strong classical baseline for short
// messages, computed in seconds, and the teacher whose out-of-fold scores a transformer can be
// distilled from (Teacher). The features follow scikit-learn's TfidfVectorizer (sublinear term
// frequency, smoothed idf, each block normalised to unit length), so its scores can be checked against
// that reference.
package ngram

import (
	"math"
	"slices"
	"strings"
	"unicode"
)

// Analyzer splits a lowercased text into the n-grams one feature block counts.
type Analyzer int

const (
	// Words are runs of two or more letters, digits or underscores, as 1- and 2-grams joined by a space.
	Words Analyzer = iota
	// Chars are the character 2- to 5-grams of each white-space separated word padded with a space on
	// both sides; a padded word shorter than n gives itself once.
	Chars
)

// Block is one TF-IDF feature block: an analyzer and the n-grams seen in at least MinDF training texts.
type Block struct {
	Analyzer Analyzer
	MinN     int
	MaxN     int
	MinDF    int
	index    map[string]int32
	idf      []float64
}

// ReferenceBlocks are the reference baseline's features: word 1-2-grams, and character 2-5-grams seen
// in at least two training texts.
func ReferenceBlocks() []*Block {
	return []*Block{{Analyzer: Words, MinN: 1, MaxN: 2, MinDF: 1}, {Analyzer: Chars, MinN: 2, MaxN: 5, MinDF: 2}}
}

// grams appends the n-grams of text (lowercased already) to dst.
func (b *Block) grams(dst []string, text string) []string {
	if b.Analyzer == Words {
		var words []string
		isWord := func(r rune) bool { return !(unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_') }
		for _, w := range strings.FieldsFunc(text, isWord) {
			if len([]rune(w)) >= 2 {
				words = append(words, w)
			}
		}
		for n := b.MinN; n <= b.MaxN; n++ {
			for i := 0; i+n <= len(words); i++ {
				dst = append(dst, strings.Join(words[i:i+n], " "))
			}
		}
		return dst
	}
	for _, w := range strings.Fields(text) {
		r := []rune(" " + w + " ")
		for n := b.MinN; n <= b.MaxN; n++ {
			if len(r) <= n {
				dst = append(dst, string(r))
				break
			}
			for i := 0; i+n <= len(r); i++ {
				dst = append(dst, string(r[i:i+n]))
			}
		}
	}
	return dst
}

// counts returns text's n-grams and how often each occurs.
func (b *Block) counts(text string, buf []string) (map[string]int, []string) {
	buf = b.grams(buf[:0], strings.ToLower(text))
	c := make(map[string]int, len(buf))
	for _, g := range buf {
		c[g]++
	}
	return c, buf
}

// Fit learns the block's vocabulary and inverse document frequencies from texts.
func (b *Block) Fit(texts []string) {
	df := map[string]int{}
	var buf []string
	for _, t := range texts {
		var c map[string]int
		c, buf = b.counts(t, buf)
		for g := range c {
			df[g]++
		}
	}
	var kept []string
	for g, n := range df {
		if n >= b.MinDF {
			kept = append(kept, g)
		}
	}
	slices.Sort(kept)
	b.index = make(map[string]int32, len(kept))
	b.idf = make([]float64, len(kept))
	for i, g := range kept {
		b.index[g] = int32(i)
		b.idf[i] = math.Log(float64(1+len(texts))/float64(1+df[g])) + 1
	}
}

// Len is the number of features Fit kept.
func (b *Block) Len() int { return len(b.idf) }

// Row is a sparse feature vector: indices in increasing order and their values.
type Row struct {
	Index []int32
	Value []float64
}

// transform appends text's TF-IDF vector, unit length, to row, its indices offset by offset.
func (b *Block) transform(row Row, text string, offset int32, buf []string) (Row, []string) {
	c, buf := b.counts(text, buf)
	type entry struct {
		i int32
		v float64
	}
	entries := make([]entry, 0, len(c))
	for g, n := range c {
		if i, ok := b.index[g]; ok {
			entries = append(entries, entry{offset + i, (1 + math.Log(float64(n))) * b.idf[i]})
		}
	}
	slices.SortFunc(entries, func(x, y entry) int { return int(x.i - y.i) })
	norm := 0.0 // summed in index order, so that the result does not depend on the map's order
	for _, e := range entries {
		norm += e.v * e.v
	}
	for _, e := range entries {
		row.Index = append(row.Index, e.i)
		row.Value = append(row.Value, e.v/math.Sqrt(norm))
	}
	return row, buf
}

// Features is a set of fitted blocks side by side.
type Features []*Block

// Fit fits every block on texts.
func (f Features) Fit(texts []string) {
	for _, b := range f {
		b.Fit(texts)
	}
}

// Len is the number of features of all blocks.
func (f Features) Len() int {
	n := 0
	for _, b := range f {
		n += b.Len()
	}
	return n
}

// Transform returns each text's feature row: the blocks' unit-length vectors one after the other.
func (f Features) Transform(texts []string) []Row {
	rows := make([]Row, len(texts))
	var buf []string
	for i, t := range texts {
		var offset int32
		for _, b := range f {
			rows[i], buf = b.transform(rows[i], t, offset, buf)
			offset += int32(b.Len())
		}
	}
	return rows
}
