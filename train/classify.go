package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/vigil-ml/vigil/data"
	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tokenize"
)

// ClassBatch is a batch of labelled texts for a multi-label classifier, row-major [Size, Len], each
// row [CLS] text [SEP] padded with [PAD] to the longest of the batch.
type ClassBatch struct {
	IDs           []int32
	AttentionMask []int32 // 1 for tokens, 0 for padding
	Targets       []float32
	Size, Len     int
	NTokens       int // tokens that are not padding
}

// Count is the number of (text, label) targets.
func (b ClassBatch) Count() int { return len(b.Targets) }

// Tokens is the number of tokens, padding excluded.
func (b ClassBatch) Tokens() int { return b.NTokens }

// input is b as the model takes it.
func (b ClassBatch) input() *model.Batch {
	return &model.Batch{Batch: b.Size, Seq: b.Len, IDs: b.IDs, AttentionMask: b.AttentionMask}
}

// ClassSet is a labelled set tokenized once, from which batches are cut.
type ClassSet struct {
	seqs    [][]int32
	targets [][]float32
	labels  int
	pad     int32

	tok   *tokenize.Tokenizer // for resegment
	texts []string
	opts  tokenize.EncodeOptions
}

// NewClassSet tokenizes every text of l as [CLS] text [SEP], cut to maxLen tokens. The targets are
// l's soft targets when it has them, else 0 and 1.
func NewClassSet(tok *tokenize.Tokenizer, l *data.Labelled, maxLen int) *ClassSet {
	s := &ClassSet{targets: make([][]float32, l.Len()), labels: len(l.LabelNames), pad: tok.PadID(),
		tok: tok, texts: l.Texts, opts: tokenize.EncodeOptions{AddSpecialTokens: true, MaxLength: maxLen}}
	s.resegment(0, 0)
	for i := range s.targets {
		row := make([]float32, s.labels)
		for j, v := range l.Labels[i] {
			switch {
			case l.Targets != nil:
				row[j] = float32(l.Targets[i][j])
			case v:
				row[j] = 1
			}
		}
		s.targets[i] = row
	}
	return s
}

// resegment tokenizes every text again with piece dropout p drawn from seed
// (tokenize.EncodeOptions.PieceDropout); p 0 gives the greedy segmentation.
func (s *ClassSet) resegment(p float64, seed uint64) {
	o := s.opts
	o.PieceDropout, o.DropoutSeed = p, seed
	encs := s.tok.EncodeBatch(s.texts, o)
	s.seqs = make([][]int32, len(encs))
	for i, e := range encs {
		s.seqs[i] = e.IDs
	}
}

// Len is the number of texts.
func (s *ClassSet) Len() int { return len(s.seqs) }

// Batch gathers the texts at idx into one padded batch.
func (s *ClassSet) Batch(idx []int) ClassBatch {
	seqs := make([][]int32, len(idx))
	targets := make([]float32, 0, len(idx)*s.labels)
	tokens := 0
	for k, i := range idx {
		seqs[k] = s.seqs[i]
		tokens += len(s.seqs[i])
		targets = append(targets, s.targets[i]...)
	}
	var in model.Batch
	model.PadBatch(&in, seqs, s.pad)
	return ClassBatch{IDs: in.IDs, AttentionMask: in.AttentionMask, Targets: targets, Size: in.Batch, Len: in.Seq, NTokens: tokens}
}

// Batches cuts the whole set, in order, into batches of up to size texts.
func (s *ClassSet) Batches(size int) []ClassBatch {
	var out []ClassBatch
	idx := make([]int, 0, size)
	for lo := 0; lo < s.Len(); lo += size {
		idx = idx[:0]
		for i := lo; i < min(lo+size, s.Len()); i++ {
			idx = append(idx, i)
		}
		out = append(out, s.Batch(idx))
	}
	return out
}

// ClassStream is a Stream of training batches over a ClassSet: every epoch visits each text once,
// in an order that is a fixed function of (seed, epoch). A batch never spans two epochs, so an
// epoch's last one may be smaller.
type ClassStream struct {
	// PieceDropout, when positive, splits the texts into pieces afresh every epoch, each
	// vocabulary match passed over with this probability (tokenize.EncodeOptions.PieceDropout),
	// the draws a fixed function of (seed, epoch). It re-tokenizes the stream's ClassSet, which
	// then serves this stream only.
	PieceDropout float64

	set       *ClassSet
	size      int
	seed      uint64
	epoch     int
	next      int   // position in order of the next text
	order     []int // this epoch's permutation
	segmented int   // the epoch the set's pieces were drawn for; -1: greedy
}

// classStreamSalt and pieceDropoutSalt separate the epoch orders and the epoch segmentations from
// each other and from other generators seeded with the same seed.
const (
	classStreamSalt  = 0xbb67ae8584caa73b
	pieceDropoutSalt = 0x3c6ef372fe94f82b
)

// NewClassStream returns a stream of batches of batchSize texts from set, which must not be empty.
func NewClassStream(set *ClassSet, batchSize int, seed uint64) (*ClassStream, error) {
	if set.Len() == 0 {
		return nil, errors.New("no training texts")
	}
	if batchSize < 1 {
		return nil, fmt.Errorf("batch size %d must be positive", batchSize)
	}
	s := &ClassStream{set: set, size: batchSize, seed: seed, segmented: -1}
	s.shuffle()
	return s, nil
}

// StepsPerEpoch is the number of batches in one epoch.
func (s *ClassStream) StepsPerEpoch() int { return (s.set.Len() + s.size - 1) / s.size }

func (s *ClassStream) shuffle() {
	s.order = rand.New(rand.NewPCG(s.seed, classStreamSalt^uint64(s.epoch))).Perm(s.set.Len())
}

// Next returns the next batch, starting a new epoch when the current one is done.
func (s *ClassStream) Next() (ClassBatch, error) {
	if s.next >= len(s.order) {
		s.epoch++
		s.next = 0
		s.shuffle()
	}
	if s.PieceDropout > 0 && s.segmented != s.epoch {
		s.set.resegment(s.PieceDropout, rand.NewPCG(s.seed, pieceDropoutSalt^uint64(s.epoch)).Uint64())
		s.segmented = s.epoch
	}
	hi := min(s.next+s.size, len(s.order))
	b := s.set.Batch(s.order[s.next:hi])
	s.next = hi
	return b, nil
}

type classStreamState struct {
	Epoch int `json:"epoch"`
	Next  int `json:"next"`
}

// State encodes the position after the last batch returned.
func (s *ClassStream) State() ([]byte, error) {
	return json.Marshal(classStreamState{Epoch: s.epoch, Next: s.next})
}

// Restore returns to a position State encoded.
func (s *ClassStream) Restore(state []byte) error {
	var st classStreamState
	if err := json.Unmarshal(state, &st); err != nil {
		return fmt.Errorf("training set position: %w", err)
	}
	if st.Epoch < 0 || st.Next < 0 || st.Next > s.set.Len() {
		return fmt.Errorf("training set position %+v does not fit a set of %d texts; the data changed", st, s.set.Len())
	}
	s.epoch, s.next = st.Epoch, st.Next
	s.shuffle()
	return nil
}

// Classifier is a Model that trains a model.Model's multi-label classification head, and the encoder
// under it, with binary cross-entropy weighted per label.
type Classifier struct {
	M *model.Model
	// PosWeight multiplies each label's positive term (see PosWeights); nil weighs every term 1.
	PosWeight []float32
}

// Params returns the model's parameters.
func (c Classifier) Params() []*tensor.Tensor { return c.M.Params() }

// Loss returns the summed binary cross-entropy over b's (text, label) targets.
func (c Classifier) Loss(t *tensor.Tape, b ClassBatch, rng *tensor.RNG) (*tensor.Tensor, int, error) {
	logits, err := c.M.ClassLogits(t, b.input(), rng)
	if err != nil {
		return nil, 0, err
	}
	if len(b.Targets) != logits.Size() {
		return nil, 0, fmt.Errorf("batch has %d targets for %d logits", len(b.Targets), logits.Size())
	}
	if c.PosWeight != nil && len(c.PosWeight) != logits.Dim(-1) {
		return nil, 0, fmt.Errorf("%d positive weights for %d labels", len(c.PosWeight), logits.Dim(-1))
	}
	n := len(b.Targets)
	return t.Scale(t.BCEWithLogits(logits, b.Targets, c.PosWeight), float32(n)), n, nil
}

// Load replaces the model's weights with those saved in dir, for Trainer.Load.
func (c Classifier) Load(dir string) error { return LoadWeights(c.M, dir) }

// LoadWeights replaces m's weights with those of the model saved in dir, which must have the same
// architecture and shapes.
func LoadWeights(m *model.Model, dir string) error {
	saved, _, err := model.Load(dir, model.LoadOptions{Arch: m.Arch, Labels: m.Config.Labels()})
	if err != nil {
		return err
	}
	dst, src := m.Params(), saved.Params()
	if len(dst) != len(src) {
		return fmt.Errorf("%s holds %d parameters, the model has %d", dir, len(src), len(dst))
	}
	for i, p := range dst {
		if p.Size() != src[i].Size() || p.Name != src[i].Name {
			return fmt.Errorf("%s: parameter %s does not match the model's %s", dir, src[i], p)
		}
		copy(p.Data, src[i].Data)
	}
	return nil
}

// PosWeights returns, per label of l, the ratio of negative to positive examples: the pos_weight that
// makes the positives weigh as much as the negatives in the loss. A label without a positive or
// without a negative example is an error, as nothing can be learnt from it.
func PosWeights(l *data.Labelled) ([]float32, error) {
	pos := l.Positives()
	w := make([]float32, len(pos))
	for j, p := range pos {
		neg := l.Len() - p
		if p == 0 || neg == 0 {
			return nil, fmt.Errorf("label %q has %d positive and %d negative training examples; it needs both", l.LabelNames[j], p, neg)
		}
		w[j] = float32(float64(neg) / float64(p))
	}
	return w, nil
}

// IsEncoder reports whether a parameter, by its Hugging Face name, belongs to the encoder (embeddings
// and transformer layers) rather than to a head (pooler, classifier, MLM head).
func IsEncoder(name string) bool {
	return strings.HasPrefix(name, "bert.embeddings.") || strings.HasPrefix(name, "bert.encoder.")
}

// LayerDecay returns per-parameter learning-rate multipliers for layer-wise learning-rate decay over a
// model with layers transformer layers: the heads (pooler and classifier) get 1, layer i (counting
// from 0) gets decay^(layers-i) and the embeddings decay^(layers+1), so layers nearer the input,
// which hold more general features, move less. decay 1 gives every parameter 1.
func LayerDecay(params []*tensor.Tensor, layers int, decay float64) []float64 {
	scale := make([]float64, len(params))
	for i, p := range params {
		depth := 0
		switch {
		case strings.HasPrefix(p.Name, "bert.embeddings."):
			depth = layers + 1
		default:
			if l, ok := model.LayerOf(p.Name); ok {
				depth = layers - l
			}
		}
		scale[i] = math.Pow(decay, float64(depth))
	}
	return scale
}

// Frozen returns scale with the encoder's multipliers set to 0, in a new slice, for training only the
// heads while the encoder stays as it was.
func Frozen(params []*tensor.Tensor, scale []float64) []float64 {
	out := make([]float64, len(params))
	for i, p := range params {
		out[i] = 1
		if scale != nil {
			out[i] = scale[i]
		}
		if IsEncoder(p.Name) {
			out[i] = 0
		}
	}
	return out
}
