package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-ml/vigil/tensor"
)

// Architecture names a model's head as config.json's "architectures" field does.
type Architecture string

const (
	// MaskedLM is the encoder with the tied masked-language-model head, for pretraining.
	MaskedLM Architecture = "BertForMaskedLM"
	// SequenceClassification is the encoder with the pooler and a multi-label classifier.
	SequenceClassification Architecture = "BertForSequenceClassification"
	// ReplacedTokenDetection is the encoder with ELECTRA's discriminator head, which tells for every
	// token whether a generator replaced it (Clark et al., 2020). Hugging Face has no BERT class of this
	// name: its AutoModel loads the encoder as BertModel and leaves the head's tensors, named as
	// ElectraForPreTraining names them (discriminator_predictions.*), unused.
	ReplacedTokenDetection Architecture = "BertForReplacedTokenDetection"
)

// Model is a post-LN BERT encoder with one head, computing what Hugging Face's BertForMaskedLM or
// BertForSequenceClassification computes, or ELECTRA's discriminator on a BERT encoder. Its
// parameters carry Hugging Face names (Params), so checkpoints move between the two unchanged.
//
// A Model is safe for concurrent forward passes on separate tapes while its parameters do not change.
type Model struct {
	Config     Config
	Arch       Architecture
	Embeddings Embeddings
	Layers     []Layer
	MLM        *MLMHead   // nil unless Arch is MaskedLM
	Classifier *ClassHead // nil unless Arch is SequenceClassification
	RTD        *RTDHead   // nil unless Arch is ReplacedTokenDetection
	// Shift, when set, moves the word embeddings looked up, for adversarial training on the inputs.
	Shift *InputShift

	reg       registry
	positions []int32 // 0, 1, ..., max_position_embeddings-1
}

// Embeddings sums word, position and token-type embeddings, then normalises, as BertEmbeddings.
type Embeddings struct {
	Word, Position, TokenType *tensor.Tensor
	Norm                      Norm
	Pad                       int32 // the padding id: the lookup adds no gradient to its row
}

// Layer is one post-LN transformer encoder layer (BertLayer).
type Layer struct {
	Query, Key, Value, AttnOut Dense
	AttnNorm                   Norm
	Intermediate, Output       Dense
	OutNorm                    Norm
	Heads                      int
}

// MLMHead predicts masked tokens: a dense+GELU+LayerNorm transform, then the decoder, whose weight is the
// word-embedding table (tied) or, with tie_word_embeddings false, cls.predictions.decoder.weight, and
// whose bias is cls.predictions.bias.
type MLMHead struct {
	Transform     Dense
	TransformNorm Norm
	Decoder       *tensor.Tensor // [vocab, hidden]: the word embeddings when tied
	Bias          *tensor.Tensor
}

// ClassHead is BertForSequenceClassification's head: a dense+tanh pooler over the first token, dropout,
// and a linear layer with one logit per label.
type ClassHead struct {
	Pooler, Out Dense
}

// RTDHead is ELECTRA's discriminator head: a dense+GELU transform, then one logit per token, positive
// when the token looks replaced.
type RTDHead struct {
	Transform, Out Dense
}

// New returns a model of configuration c with head arch, its parameters initialised as Hugging Face
// initialises BERT from a stream seeded with seed. A classifier takes its labels from c.ID2Label. The
// model's Config names arch in Architectures.
func New(c Config, arch Architecture, seed uint64) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("model: %w", flatten(err))
	}
	labels := len(c.ID2Label)
	switch arch {
	case MaskedLM, ReplacedTokenDetection:
	case SequenceClassification:
		if labels == 0 {
			return nil, fmt.Errorf("model: %s needs at least one label in id2label", arch)
		}
	default:
		return nil, fmt.Errorf("model: architecture %q is not supported (want %s, %s or %s)", arch, MaskedLM, SequenceClassification, ReplacedTokenDetection)
	}
	c.Architectures = []string{string(arch)}
	m := &Model{Config: c, Arch: arch, positions: make([]int32, c.MaxPositionEmbeddings)}
	for i := range m.positions {
		m.positions[i] = int32(i)
	}
	h, r := c.HiddenSize, &m.reg
	m.Embeddings = Embeddings{
		Word:      r.add("bert.embeddings.word_embeddings.weight", initNormal, c.VocabSize, h),
		Position:  r.add("bert.embeddings.position_embeddings.weight", initNormal, c.MaxPositionEmbeddings, h),
		TokenType: r.add("bert.embeddings.token_type_embeddings.weight", initNormal, c.TypeVocabSize, h),
		Norm:      r.norm("bert.embeddings.LayerNorm", h, c.LayerNormEps),
		Pad:       int32(c.PadTokenID),
	}
	m.Layers = make([]Layer, c.NumHiddenLayers)
	for i := range m.Layers {
		p := "bert.encoder.layer." + strconv.Itoa(i) + "."
		m.Layers[i] = Layer{
			Query:        r.dense(p+"attention.self.query", h, h),
			Key:          r.dense(p+"attention.self.key", h, h),
			Value:        r.dense(p+"attention.self.value", h, h),
			AttnOut:      r.dense(p+"attention.output.dense", h, h),
			AttnNorm:     r.norm(p+"attention.output.LayerNorm", h, c.LayerNormEps),
			Intermediate: r.dense(p+"intermediate.dense", c.IntermediateSize, h),
			Output:       r.dense(p+"output.dense", h, c.IntermediateSize),
			OutNorm:      r.norm(p+"output.LayerNorm", h, c.LayerNormEps),
			Heads:        c.NumAttentionHeads,
		}
	}
	switch arch {
	case MaskedLM:
		m.MLM = &MLMHead{
			Transform:     r.dense("cls.predictions.transform.dense", h, h),
			TransformNorm: r.norm("cls.predictions.transform.LayerNorm", h, c.LayerNormEps),
			Decoder:       m.Embeddings.Word,
		}
		if !c.TiedDecoder() {
			m.MLM.Decoder = r.add(decoderWeight, initNormal, c.VocabSize, h)
		}
		m.MLM.Bias = r.add("cls.predictions.bias", initZeros, c.VocabSize)
	case ReplacedTokenDetection:
		m.RTD = &RTDHead{
			Transform: r.dense("discriminator_predictions.dense", h, h),
			Out:       r.dense("discriminator_predictions.dense_prediction", 1, h),
		}
	default:
		m.Classifier = &ClassHead{Pooler: r.dense("bert.pooler.dense", h, h), Out: r.dense("classifier", labels, h)}
	}
	r.initialize(seed, c.InitializerRange, m.Embeddings.Word, c.PadTokenID)
	return m, nil
}

// Params returns the trainable parameters in a fixed order; each tensor's Name is its Hugging Face name.
// A tied MLM decoder weight appears once, as the word embeddings.
func (m *Model) Params() []*tensor.Tensor { return m.reg.params }

// Param returns the parameter with the given Hugging Face name.
func (m *Model) Param(name string) (*tensor.Tensor, bool) {
	i, ok := m.reg.byName[name]
	if !ok {
		return nil, false
	}
	return m.reg.params[i], true
}

// RedrawTopLayers draws the parameters of the top n transformer layers afresh, as New draws them from
// seed, and keeps the rest. The top layers of a masked-LM encoder are shaped for predicting tokens;
// fine-tuning on few labels can do better starting them from scratch (Zhang et al., 2021). Models that
// redraw with one seed start those layers alike, as a soup of them needs.
func (m *Model) RedrawTopLayers(n int, seed uint64) error {
	layers := m.Config.NumHiddenLayers
	if n < 0 || n > layers {
		return fmt.Errorf("model: cannot redraw the top %d of %d layers", n, layers)
	}
	if n == 0 {
		return nil
	}
	fresh, err := New(m.Config, m.Arch, seed)
	if err != nil {
		return err
	}
	for i, p := range m.reg.params {
		if l, ok := LayerOf(p.Name); ok && l >= layers-n {
			copy(p.Data, fresh.reg.params[i].Data)
		}
	}
	return nil
}

// LayerOf returns the index of the transformer layer a parameter belongs to, by its Hugging Face name
// (bert.encoder.layer.N.…), and false for the embeddings and heads.
func LayerOf(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "bert.encoder.layer.")
	if !ok {
		return 0, false
	}
	num, _, _ := strings.Cut(rest, ".")
	l, err := strconv.Atoi(num)
	return l, err == nil
}

// Encode runs the encoder over b and returns the last hidden states [batch, seq, hidden], as
// BertModel's last_hidden_state. rng drives dropout; nil runs without dropout, as evaluation does.
func (m *Model) Encode(t *tensor.Tape, b *Batch, rng *tensor.RNG) (*tensor.Tensor, error) {
	if err := b.Validate(m.Config); err != nil {
		return nil, err
	}
	return t.Reshape(m.encode(t, b, rng, nil), b.Batch, b.Seq, m.Config.HiddenSize), nil
}

// packing says which positions of a batch the encoder computes. With starts nil, it is the padded
// batch: row i is flat position i. Otherwise sequence i is rows starts[i] to starts[i+1], holding
// the positions in tokens (the attended prefix of each sequence, packed without padding), or, with
// tokens nil, every position (a batch without padding).
type packing struct {
	tokens, starts []int32
	seq            int
}

// pack returns the packing that skips b's padding. It returns the padded layout when something
// the encoder computes or the heads read lies outside the attended prefixes: a mask that is not
// ones followed by zeros, a sequence with no attended position (its first token is still pooled)
// or a label on a padding position.
func pack(a *tensor.Arena, b *Batch) packing {
	padded := packing{seq: b.Seq}
	p := packing{starts: a.Int32s(b.Batch + 1), seq: b.Seq}
	for i := range b.Batch {
		n := b.Seq
		if b.AttentionMask != nil {
			row := b.AttentionMask[i*b.Seq : (i+1)*b.Seq]
			n = 0
			for n < len(row) && row[n] != 0 {
				n++
			}
			if n == 0 || slices.ContainsFunc(row[n:], func(v int32) bool { return v != 0 }) {
				return padded
			}
		}
		if b.Labels != nil && slices.ContainsFunc(b.Labels[i*b.Seq+n:(i+1)*b.Seq], func(l int32) bool { return l != IgnoreLabel }) {
			return padded
		}
		p.starts[i+1] = p.starts[i] + int32(n)
	}
	if tokens := int(p.starts[b.Batch]); tokens < b.Batch*b.Seq {
		p.tokens = a.Int32s(tokens)
		for i := range b.Batch {
			for r := p.starts[i]; r < p.starts[i+1]; r++ {
				p.tokens[r] = int32(i*b.Seq) + r - p.starts[i]
			}
		}
	}
	return p
}

// sequenceStarts returns the first encoder row of each of the batch's sequences, then the row count.
func (p packing) sequenceStarts(a *tensor.Arena, batch int) []int32 {
	if p.starts != nil {
		return p.starts
	}
	starts := a.Int32s(batch + 1)
	for i := range starts {
		starts[i] = int32(i * p.seq)
	}
	return starts
}

// row returns the encoder row of flat batch position i, or -1 when the packing skips it.
func (p packing) row(i int) int {
	if p.tokens == nil {
		return i
	}
	b, j := i/p.seq, int32(i%p.seq)
	if r := p.starts[b] + j; r < p.starts[b+1] {
		return int(r)
	}
	return -1
}

// gather returns the values of v at the packing's positions, in a slice from a (v itself when
// every position is computed).
func (p packing) gather(a *tensor.Arena, v []int32) []int32 {
	if p.tokens == nil {
		return v
	}
	out := a.Int32s(len(p.tokens))
	for r, i := range p.tokens {
		out[r] = v[i]
	}
	return out
}

// encode runs the encoder over the validated batch b. With need nil it returns the last hidden
// states of every position, [batch·seq, hidden]. Otherwise it returns those of the flat positions
// in need, [len(need), hidden], which must be increasing and, unless the batch falls back to the
// padded layout (see pack), attended: the encoder then computes no padding, and its last layer
// computes only the needed rows, since nothing reads the others (keys and values still come from
// every token).
func (m *Model) encode(t *tensor.Tape, b *Batch, rng *tensor.RNG, need []int32) *tensor.Tensor {
	a := t.Arena()
	p := packing{seq: b.Seq}
	if need != nil {
		p = pack(a, b)
	}
	at := attend{starts: p.starts}
	if p.starts == nil && b.AttentionMask != nil {
		at.mask = t.New(b.Batch, b.Seq)
		for i, v := range b.AttentionMask {
			at.mask.Data[i] = float32(v)
		}
	}
	pos := a.Int32s(b.Batch * b.Seq)
	for i := range pos {
		pos[i] = int32(i % b.Seq)
	}
	types := b.TypeIDs
	if types == nil {
		types = a.Int32s(len(b.IDs))
	}
	d := Dropout{
		Hidden:    dropout(m.Config.HiddenDropoutProb, rng),
		Attention: dropout(m.Config.AttentionProbsDropoutProb, rng),
		RNG:       rng,
	}
	h := m.Config.HiddenSize
	word := m.Embeddings.Lookup(t, p.gather(a, b.IDs))
	if m.Shift != nil {
		word = m.Shift.shift(t, word, p.sequenceStarts(a, b.Batch))
	}
	x := m.Embeddings.Forward(t, word, p.gather(a, types), p.gather(a, pos), d)
	if p.starts == nil {
		x = t.Reshape(x, b.Batch, b.Seq, h)
	}
	last := len(m.Layers) - 1
	for i := range last {
		x = m.Layers[i].Forward(t, x, at, d)
	}
	rows := a.Int32s(len(need))
	for j, i := range need {
		rows[j] = int32(p.row(int(i)))
	}
	if p.starts != nil { // packed, which only a non-nil need asks for
		at.rows, at.rowStarts = rows, a.Int32s(b.Batch+1)
		for _, i := range need {
			at.rowStarts[int(i)/b.Seq+1]++
		}
		for i := range b.Batch {
			at.rowStarts[i+1] += at.rowStarts[i]
		}
		return m.Layers[last].Forward(t, x, at, d)
	}
	x = t.Reshape(m.Layers[last].Forward(t, x, at, d), b.Batch*b.Seq, h)
	if need == nil {
		return x
	}
	return t.Embedding(x, rows)
}

// Dropout holds the encoder's dropout probabilities, on hidden states and on attention probabilities,
// and the stream that draws the masks, which may be nil when both are 0.
type Dropout struct {
	Hidden, Attention float32
	RNG               *tensor.RNG
}

// dropout returns p as float32, or 0 when there is no random stream (evaluation).
func dropout(p float64, rng *tensor.RNG) float32 {
	if rng == nil {
		return 0
	}
	return float32(p)
}

// Lookup returns the word embeddings of ids, [tokens, hidden]. As torch.nn.Embedding with
// padding_idx, it adds no gradient to the padding row (the tied decoder still does).
func (e *Embeddings) Lookup(t *tensor.Tape, ids []int32) *tensor.Tensor {
	return t.EmbeddingPadded(e.Word, ids, e.Pad)
}

// Forward adds the token type and position embeddings to the word embeddings of the tokens
// (Lookup's), then normalises them, with hidden dropout, into [tokens, hidden].
func (e *Embeddings) Forward(t *tensor.Tape, word *tensor.Tensor, types, pos []int32, d Dropout) *tensor.Tensor {
	x := t.Add(word, t.Embedding(e.TokenType, types))
	x = t.Add(x, t.Embedding(e.Position, pos))
	return t.Dropout(e.Norm.Forward(t, x), d.Hidden, d.RNG)
}

// attend tells a layer where the sequences of its rows are: packed sequences at starts (see
// tensor.Tape.AttentionPacked), or, with starts nil, a padded batch [batch, seq, hidden] with an
// optional key mask [batch, seq]. With rows set (packed only), the layer computes only those rows
// of its input, rowStarts[i] to rowStarts[i+1] of them from sequence i.
type attend struct {
	mask            *tensor.Tensor
	starts          []int32
	rows, rowStarts []int32
}

// Forward runs the layer over x, [tokens, hidden] or [batch, seq, hidden] as at says, and returns
// the outputs of every row of x, or of at.rows only.
func (l *Layer) Forward(t *tensor.Tape, x *tensor.Tensor, at attend, d Dropout) *tensor.Tensor {
	k, v := l.Key.Forward(t, x), l.Value.Forward(t, x)
	var a *tensor.Tensor
	switch {
	case at.rows != nil:
		x = t.Embedding(x, at.rows)
		a = t.AttentionPacked(l.Query.Forward(t, x), k, v, at.rowStarts, at.starts, l.Heads, d.Attention, d.RNG)
	case at.starts != nil:
		a = t.AttentionPacked(l.Query.Forward(t, x), k, v, at.starts, at.starts, l.Heads, d.Attention, d.RNG)
	default:
		a = t.Attention(l.Query.Forward(t, x), k, v, at.mask, l.Heads, d.Attention, d.RNG)
	}
	x = l.AttnNorm.Forward(t, t.Add(t.Dropout(l.AttnOut.Forward(t, a), d.Hidden, d.RNG), x))
	h := t.GELU(l.Intermediate.Forward(t, x))
	return l.OutNorm.Forward(t, t.Add(t.Dropout(l.Output.Forward(t, h), d.Hidden, d.RNG), x))
}

// Forward returns vocabulary logits [rows, vocab] for hidden states h [rows, hidden].
func (h *MLMHead) Forward(t *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	x = h.TransformNorm.Forward(t, t.GELU(h.Transform.Forward(t, x)))
	return t.Linear(x, h.Decoder, h.Bias)
}

// Forward returns one logit per label [batch, labels] from the first token's hidden state cls
// [batch, hidden], with dropout p before the classifier.
func (h *ClassHead) Forward(t *tensor.Tape, cls *tensor.Tensor, p float32, rng *tensor.RNG) *tensor.Tensor {
	pooled := t.Tanh(h.Pooler.Forward(t, cls))
	return h.Out.Forward(t, t.Dropout(pooled, p, rng))
}

// Forward returns one logit per row [rows, 1] of hidden states x [rows, hidden].
func (h *RTDHead) Forward(t *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return h.Out.Forward(t, t.GELU(h.Transform.Forward(t, x)))
}
