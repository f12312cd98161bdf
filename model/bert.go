package model

import (
	"fmt"
	"strconv"

	"github.com/vigil-ml/vigil/tensor"
)

// Architecture names a model's head as config.json's "architectures" field does.
type Architecture string

const (
	// MaskedLM is the encoder with the tied masked-language-model head, for pretraining.
	MaskedLM Architecture = "BertForMaskedLM"
	// SequenceClassification is the encoder with the pooler and a multi-label classifier.
	SequenceClassification Architecture = "BertForSequenceClassification"
)

// Model is a post-LN BERT encoder with one head, computing what Hugging Face's BertForMaskedLM or
// BertForSequenceClassification computes. Its parameters carry Hugging Face names (Params), so
// checkpoints move between the two unchanged.
//
// A Model is safe for concurrent forward passes on separate tapes while its parameters do not change.
type Model struct {
	Config     Config
	Arch       Architecture
	Embeddings Embeddings
	Layers     []Layer
	MLM        *MLMHead   // nil unless Arch is MaskedLM
	Classifier *ClassHead // nil unless Arch is SequenceClassification

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
// word-embedding table (tied) and whose bias is cls.predictions.bias.
type MLMHead struct {
	Transform     Dense
	TransformNorm Norm
	Decoder       *tensor.Tensor // the word embeddings, [vocab, hidden]
	Bias          *tensor.Tensor
}

// ClassHead is BertForSequenceClassification's head: a dense+tanh pooler over the first token, dropout,
// and a linear layer with one logit per label.
type ClassHead struct {
	Pooler, Out Dense
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
	case MaskedLM:
	case SequenceClassification:
		if labels == 0 {
			return nil, fmt.Errorf("model: %s needs at least one label in id2label", arch)
		}
	default:
		return nil, fmt.Errorf("model: architecture %q is not supported (want %s or %s)", arch, MaskedLM, SequenceClassification)
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
	if arch == MaskedLM {
		m.MLM = &MLMHead{
			Transform:     r.dense("cls.predictions.transform.dense", h, h),
			TransformNorm: r.norm("cls.predictions.transform.LayerNorm", h, c.LayerNormEps),
			Decoder:       m.Embeddings.Word,
			Bias:          r.add("cls.predictions.bias", initZeros, c.VocabSize),
		}
	} else {
		m.Classifier = &ClassHead{Pooler: r.dense("bert.pooler.dense", h, h), Out: r.dense("classifier", labels, h)}
	}
	r.initialize(seed, c.InitializerRange, m.Embeddings.Word, c.PadTokenID)
	return m, nil
}

// Params returns the trainable parameters in a fixed order; each tensor's Name is its Hugging Face name.
// The tied MLM decoder weight appears once, as the word embeddings.
func (m *Model) Params() []*tensor.Tensor { return m.reg.params }

// Param returns the parameter with the given Hugging Face name.
func (m *Model) Param(name string) (*tensor.Tensor, bool) {
	i, ok := m.reg.byName[name]
	if !ok {
		return nil, false
	}
	return m.reg.params[i], true
}

// Encode runs the encoder over b and returns the last hidden states [batch, seq, hidden], as
// BertModel's last_hidden_state. rng drives dropout; nil runs without dropout, as evaluation does.
func (m *Model) Encode(t *tensor.Tape, b *Batch, rng *tensor.RNG) (*tensor.Tensor, error) {
	if err := b.Validate(m.Config); err != nil {
		return nil, err
	}
	return m.encode(t, b, rng), nil
}

// encode is Encode for a batch already validated.
func (m *Model) encode(t *tensor.Tape, b *Batch, rng *tensor.RNG) *tensor.Tensor {
	var mask *tensor.Tensor
	if b.AttentionMask != nil {
		mask = t.New(b.Batch, b.Seq)
		for i, v := range b.AttentionMask {
			mask.Data[i] = float32(v)
		}
	}
	d := Dropout{
		Hidden:    dropout(m.Config.HiddenDropoutProb, rng),
		Attention: dropout(m.Config.AttentionProbsDropoutProb, rng),
		RNG:       rng,
	}
	x := m.Embeddings.Forward(t, b, m.positions[:b.Seq], d)
	for i := range m.Layers {
		x = m.Layers[i].Forward(t, x, mask, d)
	}
	return x
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

// Forward embeds b's tokens at positions pos into [batch, seq, hidden], with hidden dropout. b must
// be valid (see Batch.Validate); Model.Encode checks it.
func (e *Embeddings) Forward(t *tensor.Tape, b *Batch, pos []int32, d Dropout) *tensor.Tensor {
	types := b.TypeIDs
	if types == nil {
		types = make([]int32, len(b.IDs))
	}
	x := t.Add(e.words(t, b), t.Embedding(e.TokenType, types))
	x = t.Add(t.Reshape(x, b.Batch, b.Seq, e.Word.Shape[1]), t.Embedding(e.Position, pos))
	return t.Dropout(e.Norm.Forward(t, x), d.Hidden, d.RNG)
}

// words looks up the word embeddings [batch·seq, hidden]. As torch.nn.Embedding with padding_idx, the
// lookup adds no gradient to the padding row (the tied decoder still does). The engine's Embedding has
// no padding index, so when a batch holds the padding id and gradients are recorded, the rows are
// routed through D·x + P: D [batch, seq, seq] is diagonal with 0 at padding positions and 1 elsewhere,
// and P holds the padding row at padding positions. The values are exactly the lookup's, while the
// padding positions' gradient stops at D.
func (e *Embeddings) words(t *tensor.Tape, b *Batch) *tensor.Tensor {
	x := t.Embedding(e.Word, b.IDs)
	if !t.GradEnabled() || !e.Word.RequiresGrad() {
		return x
	}
	hidden, seq := e.Word.Shape[1], b.Seq
	var d, p *tensor.Tensor
	padRow := e.Word.Data[int(e.Pad)*hidden : (int(e.Pad)+1)*hidden]
	for i, id := range b.IDs {
		if id != e.Pad {
			continue
		}
		if d == nil {
			d = t.New(b.Batch, seq, seq)
			p = t.New(len(b.IDs), hidden)
		}
		copy(p.Data[i*hidden:(i+1)*hidden], padRow)
	}
	if d == nil {
		return x
	}
	for i, id := range b.IDs {
		if id != e.Pad {
			d.Data[i*seq+i%seq] = 1 // row i%seq, column i%seq of sequence i/seq
		}
	}
	kept := t.MatMul(d, t.Reshape(x, b.Batch, seq, hidden), false, false)
	return t.Add(t.Reshape(kept, len(b.IDs), hidden), p)
}

// Forward runs the layer over x [batch, seq, hidden] with key mask [batch, seq] (or nil).
func (l *Layer) Forward(t *tensor.Tape, x, mask *tensor.Tensor, d Dropout) *tensor.Tensor {
	q, k, v := l.Query.Forward(t, x), l.Key.Forward(t, x), l.Value.Forward(t, x)
	a := t.Attention(q, k, v, mask, l.Heads, d.Attention, d.RNG)
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
