package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/vigil-ml/vigil/data"
	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tokenize"
)

// MLMBatch is a batch of masked-language-model sequences, row-major [Size, Len], each row padded
// with [PAD] to the longest sequence of the batch.
type MLMBatch struct {
	IDs           []int32 // input ids after masking
	Labels        []int32 // original ids at the positions to predict, IgnoreIndex elsewhere
	AttentionMask []int32 // 1 for tokens, 0 for padding
	Size, Len     int
	Targets       int // labels that are not IgnoreIndex
	NTokens       int // tokens that are not padding
}

// Count is the number of positions to predict.
func (b MLMBatch) Count() int { return b.Targets }

// Tokens is the number of tokens, padding excluded.
func (b MLMBatch) Tokens() int { return b.NTokens }

// CorpusConfig configures a Corpus.
type CorpusConfig struct {
	Files []string
	Data  data.Options
	// SeqLen is the length of a sequence, [CLS] and [SEP] included.
	SeqLen int
	// LineByLine makes each line one sequence, [CLS] line [SEP], cut to SeqLen; otherwise lines are
	// packed (see Corpus).
	LineByLine bool
	// BatchSize is the number of sequences in a micro-batch.
	BatchSize int
	Mask      MaskConfig
	// Seed fixes masking and shuffling.
	Seed uint64
	// HoldoutEvery and EvalSequences define the held-out split: sequence i (counting from 0 in corpus
	// order) is held out when i%HoldoutEvery == HoldoutEvery-1 and i < HoldoutEvery*EvalSequences.
	// EvalSequences 0 holds nothing out.
	HoldoutEvery  int
	EvalSequences int
	// ShuffleBlock is the number of training sequences shuffled together; memory holds one block.
	// 1 keeps corpus order.
	ShuffleBlock int
	// PieceDropout, when positive, splits the words of every training sequence afresh each epoch,
	// each longest vocabulary match passed over with this probability
	// (tokenize.Tokenizer.SampleSplit), so that the embeddings of a word's shorter pieces learn from
	// the word's contexts too. A sequence the longer split takes past SeqLen is cut there. The
	// held-out sequences keep the greedy split. It must lie in [0, 1).
	PieceDropout float64
}

// Corpus is a Stream of MLM batches read from text files, for pretraining and domain adaptation.
//
// Lines are tokenized without special tokens. Packed (the default), a sequence is [CLS] followed by
// the tokens of consecutive lines, each line closed by [SEP], up to SeqLen tokens; a line that does
// not fit continues in the next sequence, which never starts with a lone [SEP]. Line by line, a
// sequence is [CLS] line [SEP], cut to SeqLen. Every epoch reads the files again from the start,
// builds the same sequences, shuffles the training ones within blocks of ShuffleBlock sequences and
// masks them anew; masks and block orders are fixed functions of (Seed, epoch, sequence index). A
// micro-batch never spans two epochs, so an epoch's last one may be smaller.
//
// The files are streamed: memory holds one shuffle block and the held-out set, never the corpus.
// State is the reading position at the start of the current block (file, byte offset, the unplaced
// tokens of a line split across sequences) and how much of the block was used; Restore re-reads only
// that block.
type Corpus struct {
	cfg    CorpusConfig
	tok    *tokenize.Tokenizer
	masker *Masker
	rd     *seqReader
	eval   []MLMBatch

	epoch      int
	blockStart seqPos
	block      []sequence
	order      []int
	taken      int
	atEnd      bool // the reader reached the end of the corpus in this epoch
}

// CorpusStats describes one pass over a corpus.
type CorpusStats struct {
	Train, HeldOut int64 // sequences
	Tokens         int64 // tokens of all sequences, [CLS] and [SEP] included
	Unknown        int64 // [UNK] tokens among them
	Lines          int64 // records read
	// Counts holds, per vocabulary id, the occurrences in the training sequences (not the held-out
	// ones): the word frequencies ContextFreeLoss predicts from.
	Counts []int64
}

// ErrNoSequences reports a corpus that yields no sequence: every record is empty or the files hold
// none.
var ErrNoSequences = errors.New("corpus yields no sequences")

// evalEpoch is the epoch number the held-out sequences are masked with, once, so every evaluation
// measures the same predictions.
const evalEpoch = -1

// shuffleSalt and splitSalt keep block orders and sampled splits independent of the masks drawn
// from the same seed.
const (
	shuffleSalt = 0x3c6ef372fe94f82b
	splitSalt   = 0xa54ff53a5f1d36f1
)

// NewCorpus opens the files and reads the held-out sequences, which lie in the first
// HoldoutEvery×EvalSequences sequences. It fails with ErrNoSequences when the corpus yields none.
func NewCorpus(tok *tokenize.Tokenizer, cfg CorpusConfig) (*Corpus, error) {
	if cfg.SeqLen < 3 {
		return nil, fmt.Errorf("seq_len %d is too short: a sequence needs [CLS], a token and [SEP]", cfg.SeqLen)
	}
	if cfg.BatchSize < 1 {
		return nil, fmt.Errorf("batch size %d must be positive", cfg.BatchSize)
	}
	if cfg.EvalSequences < 0 || (cfg.EvalSequences > 0 && cfg.HoldoutEvery < 2) {
		return nil, fmt.Errorf("held-out split: holdout_every %d must be at least 2 and eval_sequences %d not negative",
			cfg.HoldoutEvery, cfg.EvalSequences)
	}
	if cfg.ShuffleBlock < 1 {
		return nil, fmt.Errorf("shuffle block %d must be positive", cfg.ShuffleBlock)
	}
	if !(cfg.PieceDropout >= 0 && cfg.PieceDropout < 1) {
		return nil, fmt.Errorf("piece dropout %g must lie in [0, 1)", cfg.PieceDropout)
	}
	masker, err := NewMasker(tok, cfg.Mask, cfg.Seed)
	if err != nil {
		return nil, err
	}
	c := &Corpus{cfg: cfg, tok: tok, masker: masker}
	if err := c.readEval(); err != nil {
		return nil, err
	}
	c.rd = c.newReader()
	if err := c.rd.open(seqPos{}); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Corpus) newReader() *seqReader {
	return &seqReader{cfg: &c.cfg, tok: c.tok}
}

// heldOut reports whether the sequence with corpus index i belongs to the held-out set.
func (c *Corpus) heldOut(i int64) bool {
	k := int64(c.cfg.HoldoutEvery)
	return c.cfg.EvalSequences > 0 && i%k == k-1 && i < k*int64(c.cfg.EvalSequences)
}

func (c *Corpus) readEval() error {
	rd := c.newReader()
	if err := rd.open(seqPos{}); err != nil {
		return err
	}
	defer rd.close()
	limit := int64(c.cfg.HoldoutEvery) * int64(c.cfg.EvalSequences)
	var held []sequence
	found := false
	for {
		s, ok, err := rd.sequence()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		found = true
		if c.heldOut(s.index) {
			held = append(held, s)
		}
		if s.index+1 >= limit {
			break
		}
	}
	if !found {
		return fmt.Errorf("%w (%d files)", ErrNoSequences, len(c.cfg.Files))
	}
	for len(held) > 0 {
		n := min(len(held), c.cfg.BatchSize)
		c.eval = append(c.eval, c.collate(held[:n], evalEpoch))
		held = held[n:]
	}
	return nil
}

// Eval returns the held-out batches, masked once with fixed choices.
func (c *Corpus) Eval() []MLMBatch { return c.eval }

// Next returns the next training micro-batch.
func (c *Corpus) Next() (MLMBatch, error) {
	var seqs []sequence
	reopened := false
	for len(seqs) < c.cfg.BatchSize {
		switch {
		case c.taken < len(c.block):
			seqs = append(seqs, c.block[c.order[c.taken]])
			c.taken++
		case !c.atEnd:
			if err := c.fillBlock(); err != nil {
				return MLMBatch{}, err
			}
		case len(seqs) > 0:
			return c.collate(seqs, c.epoch), nil
		case reopened:
			return MLMBatch{}, fmt.Errorf("epoch %d: %w for training", c.epoch, ErrNoSequences)
		default:
			c.epoch++
			c.block, c.taken, c.atEnd = c.block[:0], 0, false
			if err := c.rd.open(seqPos{}); err != nil {
				return MLMBatch{}, err
			}
			reopened = true
		}
	}
	return c.collate(seqs, c.epoch), nil
}

// fillBlock reads the next block of training sequences and draws its order.
func (c *Corpus) fillBlock() error {
	c.blockStart = c.rd.position()
	c.block, c.taken = c.block[:0], 0
	for len(c.block) < c.cfg.ShuffleBlock {
		s, ok, err := c.rd.sequence()
		if err != nil {
			return err
		}
		if !ok {
			c.atEnd = true
			break
		}
		if !c.heldOut(s.index) {
			c.block = append(c.block, s)
		}
	}
	c.order = c.order[:0]
	for i := range c.block {
		c.order = append(c.order, i)
	}
	r := tensor.NewRNG(mix(c.cfg.Seed^shuffleSalt, uint64(c.epoch), uint64(c.blockStart.Index)))
	for i := len(c.order) - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		c.order[i], c.order[j] = c.order[j], c.order[i]
	}
	return nil
}

// corpusState is the JSON form of a Corpus position.
type corpusState struct {
	Epoch int    `json:"epoch"`
	Block seqPos `json:"block"`
	Taken int    `json:"taken"`
}

// State encodes the position after the last batch returned.
func (c *Corpus) State() ([]byte, error) {
	return json.Marshal(corpusState{Epoch: c.epoch, Block: c.blockStart, Taken: c.taken})
}

// Restore returns to a position State encoded, re-reading the block it lies in.
func (c *Corpus) Restore(state []byte) error {
	var s corpusState
	if err := json.Unmarshal(state, &s); err != nil {
		return fmt.Errorf("corpus position: %w", err)
	}
	if s.Epoch < 0 || s.Taken < 0 || s.Block.Index < 0 {
		return fmt.Errorf("corpus position %+v is invalid", s)
	}
	if err := c.rd.open(s.Block); err != nil {
		return err
	}
	c.epoch, c.atEnd = s.Epoch, false
	if err := c.fillBlock(); err != nil {
		return err
	}
	if s.Taken > len(c.block) {
		return fmt.Errorf("corpus position: block at sequence %d has %d sequences, not %d; the corpus changed",
			s.Block.Index, len(c.block), s.Taken)
	}
	c.taken = s.Taken
	return nil
}

// Scan reads the whole corpus once and counts its sequences and tokens, e.g. to turn epochs into
// steps or to measure the [UNK] rate.
func (c *Corpus) Scan(ctx context.Context, progress func(done, total int64)) (CorpusStats, error) {
	rd := c.newReader()
	var st CorpusStats
	if err := rd.open(seqPos{}); err != nil {
		return st, err
	}
	defer rd.close()
	unk := c.tok.UnkID()
	st.Counts = make([]int64, c.tok.VocabSize())
	for {
		if st.Train%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
			if progress != nil {
				progress(rd.r.Progress())
			}
		}
		s, ok, err := rd.sequence()
		if err != nil {
			return st, err
		}
		if !ok {
			break
		}
		held := c.heldOut(s.index)
		if held {
			st.HeldOut++
		} else {
			st.Train++
		}
		st.Tokens += int64(len(s.ids))
		for _, id := range s.ids {
			if id == unk {
				st.Unknown++
			}
			if !held {
				st.Counts[id]++
			}
		}
	}
	st.Lines = rd.r.Stats().Records
	return st, nil
}

// ContextFreeLoss returns the held-out masked-LM loss of the best predictor that ignores context: it
// sees only the token at each target's position and knows the training tokens' frequencies
// st.Counts (add-one smoothed over the tokens the masker can choose). Behind [MASK] it predicts the
// frequencies; behind a visible token v, which is kept or a uniform random replacement equally
// often, p(y) ∝ freq(y)·([y = v] + 1/K) for K choosable tokens. A model on the masked-LM plateau
// scores about this; an eval loss below it measures what the model learnt from context. ok is false
// without held-out targets.
func (c *Corpus) ContextFreeLoss(st CorpusStats) (loss float64, ok bool) {
	var total float64
	for _, id := range c.masker.ordinary {
		total += float64(st.Counts[id]) + 1
	}
	freq := func(id int32) float64 { return (float64(st.Counts[id]) + 1) / total }
	u := 1 / float64(len(c.masker.ordinary))
	var sum float64
	n := 0
	for _, b := range c.eval {
		for i, y := range b.Labels {
			if y == IgnoreIndex {
				continue
			}
			p := freq(y)
			if v := b.IDs[i]; v != c.masker.maskID {
				same := 0.0
				if v == y {
					same = 1
				}
				p *= (same + u) / (freq(v) + u)
			}
			sum -= math.Log(p)
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// Close releases the open file.
func (c *Corpus) Close() error { return c.rd.close() }

// collate pads and masks sequences into a batch, splitting training sequences afresh under
// PieceDropout.
func (c *Corpus) collate(seqs []sequence, epoch int) MLMBatch {
	if c.cfg.PieceDropout > 0 && epoch != evalEpoch {
		split := make([]sequence, len(seqs))
		for i, s := range seqs {
			ids := c.tok.SampleSplit(make([]int32, 0, c.cfg.SeqLen), s.ids, c.cfg.PieceDropout,
				mix(c.cfg.Seed^splitSalt, uint64(epoch), uint64(s.index)))
			split[i] = sequence{ids: ids[:min(len(ids), c.cfg.SeqLen)], index: s.index}
		}
		seqs = split
	}
	n, l := len(seqs), 0
	for _, s := range seqs {
		l = max(l, len(s.ids))
	}
	b := MLMBatch{
		IDs: make([]int32, n*l), Labels: make([]int32, n*l), AttentionMask: make([]int32, n*l),
		Size: n, Len: l,
	}
	pad := c.tok.PadID()
	for i, s := range seqs {
		ids, labels, att := b.IDs[i*l:(i+1)*l], b.Labels[i*l:(i+1)*l], b.AttentionMask[i*l:(i+1)*l]
		copy(ids, s.ids)
		b.Targets += c.masker.Mask(ids[:len(s.ids)], labels[:len(s.ids)], epoch, s.index)
		b.NTokens += len(s.ids)
		for j := range ids {
			if j < len(s.ids) {
				att[j] = 1
			} else {
				ids[j], labels[j] = pad, IgnoreIndex
			}
		}
	}
	return b
}

// sequence is one packed sequence and its index in corpus order.
type sequence struct {
	ids   []int32
	index int64
}

// seqPos is a position between sequences: after the record Mark ends, with Pending tokens of that
// record (its [SEP] included) not yet placed, and Index the next sequence's index.
type seqPos struct {
	Mark    data.Mark `json:"mark"`
	Pending []int32   `json:"pending,omitempty"`
	Index   int64     `json:"index"`
}

// lineChunk is how many records are tokenized together (EncodeBatch spreads them over the cores).
const lineChunk = 256

// seqReader turns records into sequences in corpus order.
type seqReader struct {
	cfg   *CorpusConfig
	tok   *tokenize.Tokenizer
	r     data.Reader
	pos   seqPos
	lines []tokLine
	next  int
	texts []string
}

type tokLine struct {
	ids  []int32
	mark data.Mark
}

func (s *seqReader) open(p seqPos) error {
	s.close()
	r, err := data.OpenAt(s.cfg.Files, s.cfg.Data, p.Mark)
	if err != nil {
		return err
	}
	s.r = r
	s.pos = seqPos{Mark: p.Mark, Pending: slices.Clone(p.Pending), Index: p.Index}
	s.lines, s.next = s.lines[:0], 0
	return nil
}

func (s *seqReader) close() error {
	if s.r == nil {
		return nil
	}
	err := s.r.Close()
	s.r = nil
	return err
}

// position returns the current position; it shares nothing with the reader.
func (s *seqReader) position() seqPos {
	p := s.pos
	p.Pending = slices.Clone(p.Pending)
	return p
}

// line returns the next record's tokens and the mark after it.
func (s *seqReader) line() (tokLine, bool, error) {
	if s.next == len(s.lines) {
		s.texts = s.texts[:0]
		var marks []data.Mark
		for len(s.texts) < lineChunk && s.r.Next() {
			s.texts = append(s.texts, s.r.Text())
			marks = append(marks, s.r.Mark())
		}
		if err := s.r.Err(); err != nil {
			return tokLine{}, false, err
		}
		if len(s.texts) == 0 {
			return tokLine{}, false, nil
		}
		s.lines, s.next = s.lines[:0], 0
		for i, e := range s.tok.EncodeBatch(s.texts, tokenize.EncodeOptions{}) {
			s.lines = append(s.lines, tokLine{ids: e.IDs, mark: marks[i]})
		}
	}
	l := s.lines[s.next]
	s.next++
	return l, true, nil
}

// sequence returns the next sequence, or false at the end of the corpus.
func (s *seqReader) sequence() (sequence, bool, error) {
	seqLen, sep := s.cfg.SeqLen, s.tok.SepID()
	ids := make([]int32, 1, seqLen)
	ids[0] = s.tok.ClsID()
	for len(ids) < seqLen {
		if len(s.pos.Pending) == 0 {
			if s.cfg.LineByLine && len(ids) > 1 {
				break
			}
			l, ok, err := s.line()
			if err != nil {
				return sequence{}, false, err
			}
			if !ok {
				break
			}
			s.pos.Mark = l.mark
			if len(l.ids) == 0 {
				continue
			}
			if s.cfg.LineByLine {
				l.ids = l.ids[:min(len(l.ids), seqLen-2)]
			}
			s.pos.Pending = append(slices.Clip(l.ids), sep)
		}
		if len(ids) == 1 && len(s.pos.Pending) == 1 {
			s.pos.Pending = nil // a lone [SEP] left over from a split line
			continue
		}
		n := min(len(s.pos.Pending), seqLen-len(ids))
		ids = append(ids, s.pos.Pending[:n]...)
		s.pos.Pending = s.pos.Pending[n:]
	}
	if len(ids) == 1 {
		return sequence{}, false, nil
	}
	seq := sequence{ids: ids, index: s.pos.Index}
	s.pos.Index++
	return seq, true, nil
}
