package tokenize

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// TrainerOptions configures WordPiece training.
type TrainerOptions struct {
	// VocabSize is the target vocabulary size, special tokens included.
	// Training stops earlier when no pair is left to merge; the result is
	// larger only when the five special tokens and the alphabet alone
	// exceed VocabSize (they are always kept).
	VocabSize int
	// MinFrequency is the lowest count a pair must have to be merged
	// (Hugging Face's min_frequency); 0 and 1 merge every pair seen.
	MinFrequency int
	// LimitAlphabet keeps only the most frequent initial characters
	// (ties broken by code point); 0 means no limit. Characters outside
	// the alphabet are dropped from words during training.
	LimitAlphabet int
	// Lowercase and StripAccents configure the normalizer used for
	// training and stored in the result, which also cleans text and spaces
	// CJK ideographs.
	Lowercase, StripAccents bool
	// MaxWords bounds the distinct words held in memory; 0 means
	// DefaultMaxWords. When a counting goroutine holds more than its share
	// (MaxWords divided by the number of counting goroutines), its rarest
	// words are forgotten until it holds at most half its share. A word
	// seen again later starts counting from zero, so counts of rare words
	// are approximate once the bound is hit, and which words survive then
	// depends on GOMAXPROCS. Below the bound counting is exact.
	MaxWords int
}

// DefaultMaxWords is the default bound on distinct words held by a
// Trainer, about 100-200 MB of counts for typical text.
const DefaultMaxWords = 2_000_000

// chunkSize is the amount of text buffered by Add before it is handed to a
// counting goroutine.
const chunkSize = 1 << 20

// TrainStats describes the corpus seen by a Trainer.
type TrainStats struct {
	Words         int64 // word occurrences seen after pre-tokenization
	DistinctWords int   // distinct words kept for training
	// UnknownWords counts occurrences of kept words that the trained
	// vocabulary encodes as [UNK].
	UnknownWords int64
	// KeptWords counts the occurrences of the kept words, Tokens the tokens
	// the trained vocabulary cuts them into (an [UNK] counts one) and
	// WholeWords those it encodes as one token other than [UNK]. Tokens per
	// kept word is the vocabulary's fertility on its corpus: the fewer, the
	// shorter the sequences and the more words have an embedding of their own.
	KeptWords, Tokens, WholeWords int64
}

// Trainer learns a WordPiece vocabulary from text, as Hugging Face's
// WordPiece trainer does: byte-pair merges over words whose non-initial
// characters carry the "##" prefix, most frequent pair first, ties broken
// by the smaller token ids. The vocabulary holds [PAD] [UNK] [CLS] [SEP]
// [MASK] at ids 0..4, the alphabet sorted by code point, the "##" forms of
// the characters seen after the first position of a word, sorted, and then
// the merged tokens in merge order; the same text gives the same
// vocabulary. Add and Train must not be called concurrently.
type Trainer struct {
	opts  TrainerOptions
	norm  Options
	ascii [utf8.RuneSelf]uint8

	buf      []byte
	work     []chan []byte
	free     chan []byte
	next     int
	counters []*counter
	wg       sync.WaitGroup
	total    *counter // counts of text already handed to Train
}

// NewTrainer validates o and returns a Trainer.
func NewTrainer(o TrainerOptions) (*Trainer, error) {
	switch {
	case o.VocabSize < 1:
		return nil, fmt.Errorf("tokenize: trainer: VocabSize %d must be positive", o.VocabSize)
	case o.MinFrequency < 0:
		return nil, fmt.Errorf("tokenize: trainer: MinFrequency %d is negative", o.MinFrequency)
	case o.LimitAlphabet < 0:
		return nil, fmt.Errorf("tokenize: trainer: LimitAlphabet %d is negative", o.LimitAlphabet)
	case o.MaxWords < 0:
		return nil, fmt.Errorf("tokenize: trainer: MaxWords %d is negative", o.MaxWords)
	}
	if o.MaxWords == 0 {
		o.MaxWords = DefaultMaxWords
	}
	norm := DefaultOptions()
	norm.Lowercase, norm.StripAccents = o.Lowercase, o.StripAccents
	return &Trainer{opts: o, norm: norm, ascii: asciiTable(norm)}, nil
}

// Add counts the words of one line or document. The text is buffered and
// counted on other goroutines; Train waits for them.
func (tr *Trainer) Add(text string) {
	if len(tr.buf) > 0 && len(tr.buf)+len(text) >= chunkSize {
		tr.dispatch()
	}
	tr.buf = append(tr.buf, text...)
	tr.buf = append(tr.buf, '\n')
}

// dispatch hands the buffer to the next counting goroutine in turn, so
// each goroutine sees the same chunks on every run.
func (tr *Trainer) dispatch() {
	if tr.work == nil {
		tr.start()
	}
	tr.work[tr.next%len(tr.work)] <- tr.buf
	tr.next++
	select {
	case b := <-tr.free:
		tr.buf = b[:0]
	default:
		tr.buf = make([]byte, 0, chunkSize)
	}
}

func (tr *Trainer) start() {
	n := runtime.GOMAXPROCS(0)
	tr.free = make(chan []byte, 2*n)
	tr.work = make([]chan []byte, n)
	tr.counters = make([]*counter, n)
	tr.next = 0
	for i := range n {
		ch := make(chan []byte, 1)
		c := tr.newCounter(max(1, tr.opts.MaxWords/n))
		tr.work[i], tr.counters[i] = ch, c
		tr.wg.Go(func() {
			for b := range ch {
				c.count(b)
				select {
				case tr.free <- b:
				default:
				}
			}
		})
	}
}

func (tr *Trainer) newCounter(limit int) *counter {
	return &counter{
		index: make(map[string]int32),
		limit: limit,
		sp:    newSplitter(tr.norm, &tr.ascii, false),
	}
}

// Train waits for counting to finish and learns the vocabulary from every
// text added so far. More text may be added and Train called again.
func (tr *Trainer) Train() (*Tokenizer, TrainStats, error) {
	if len(tr.buf) > 0 {
		tr.dispatch()
	}
	if tr.work != nil {
		for _, ch := range tr.work {
			close(ch)
		}
		tr.wg.Wait()
		if tr.total == nil {
			tr.total = tr.newCounter(tr.opts.MaxWords)
		}
		for _, c := range tr.counters {
			tr.total.merge(c)
		}
		tr.work, tr.counters = nil, nil
	}
	total := tr.total
	if total == nil || len(total.words) == 0 {
		return nil, TrainStats{}, errors.New("tokenize: train: empty corpus (no words)")
	}
	vocab := trainBPE(total.words, total.counts, tr.opts)
	t, err := New(vocab, tr.norm)
	if err != nil {
		return nil, TrainStats{}, fmt.Errorf("tokenize: train: %w", err)
	}
	stats := TrainStats{Words: total.seen, DistinctWords: len(total.words)}
	var word []byte
	var ids, ends []int32
	for i, w := range total.words {
		word = append(word[:0], w...)
		n := total.counts[i]
		stats.KeptWords += n
		var ok bool
		if ids, ends, ok = t.pieces(word, ids[:0], ends[:0], nil); !ok {
			stats.UnknownWords += n
			stats.Tokens += n
			continue
		}
		stats.Tokens += n * int64(len(ids))
		if len(ids) == 1 {
			stats.WholeWords += n
		}
	}
	return t, stats, nil
}

// counter counts normalized words.
type counter struct {
	index  map[string]int32
	words  []string
	counts []int64
	seen   int64 // occurrences, including those of forgotten words
	limit  int
	sp     *splitter
}

// count normalizes, splits and counts a chunk of text.
func (c *counter) count(b []byte) {
	if len(b) == 0 {
		return
	}
	text := unsafe.String(unsafe.SliceData(b), len(b)) // b is not modified while text is used
	c.sp.run(text, 0, len(text))
	for _, w := range c.sp.words {
		word := c.sp.norm[w.lo:w.hi]
		if id, ok := c.index[string(word)]; ok {
			c.counts[id]++
		} else {
			c.insert(string(word), 1)
		}
	}
	c.seen += int64(len(c.sp.words))
}

func (c *counter) merge(o *counter) {
	for i, w := range o.words {
		if id, ok := c.index[w]; ok {
			c.counts[id] += o.counts[i]
		} else {
			c.insert(w, o.counts[i])
		}
	}
	c.seen += o.seen
}

func (c *counter) insert(w string, n int64) {
	c.index[w] = int32(len(c.words))
	c.words = append(c.words, w)
	c.counts = append(c.counts, n)
	if len(c.words) > c.limit {
		c.prune(c.limit / 2)
	}
}

// prune forgets the rarest words until at most keep remain.
func (c *counter) prune(keep int) {
	sorted := slices.Clone(c.counts)
	slices.Sort(sorted)
	threshold := sorted[len(sorted)-keep-1]
	words, counts := c.words[:0], c.counts[:0]
	c.index = make(map[string]int32, keep)
	for i, w := range c.words {
		if c.counts[i] > threshold {
			c.index[w] = int32(len(words))
			words = append(words, w)
			counts = append(counts, c.counts[i])
		}
	}
	clear(c.words[len(words):])
	c.words, c.counts = words, counts
}
