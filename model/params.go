package model

import (
	"math"

	"github.com/vigil-ml/vigil/tensor"
)

// Dense is a fully connected layer, y = x·Wᵀ + b, as torch.nn.Linear: Weight is [out, in].
type Dense struct {
	Weight, Bias *tensor.Tensor
}

// Forward applies the layer to the last dimension of x.
func (d Dense) Forward(t *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return t.Linear(x, d.Weight, d.Bias)
}

// Norm is a layer normalisation over the last dimension, as torch.nn.LayerNorm.
type Norm struct {
	Weight, Bias *tensor.Tensor
	Eps          float32
}

// Forward normalises x.
func (n Norm) Forward(t *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return t.LayerNorm(x, n.Weight, n.Bias, n.Eps)
}

// initKind says how a parameter starts, following Hugging Face's BertPreTrainedModel._init_weights.
type initKind uint8

const (
	initNormal initKind = iota // N(0, initializer_range²): Linear and Embedding weights
	initZeros                  // biases
	initOnes                   // LayerNorm weights
)

// registry lists a model's parameters once, in a fixed order, under their Hugging Face names (each
// tensor's Name). Initialisation, saving, loading and optimisers all walk it.
type registry struct {
	params []*tensor.Tensor
	inits  []initKind
	byName map[string]int
}

func (r *registry) add(name string, init initKind, shape ...int) *tensor.Tensor {
	if r.byName == nil {
		r.byName = make(map[string]int)
	}
	p := tensor.NewParam(name, shape...)
	r.byName[name] = len(r.params)
	r.params = append(r.params, p)
	r.inits = append(r.inits, init)
	return p
}

func (r *registry) dense(prefix string, out, in int) Dense {
	return Dense{Weight: r.add(prefix+".weight", initNormal, out, in), Bias: r.add(prefix+".bias", initZeros, out)}
}

func (r *registry) norm(prefix string, n int, eps float64) Norm {
	return Norm{Weight: r.add(prefix+".weight", initOnes, n), Bias: r.add(prefix+".bias", initZeros, n), Eps: float32(eps)}
}

// initialize draws every parameter afresh from one seeded stream, in registry order, and zeroes the
// padding row of the word embeddings as Hugging Face does.
func (r *registry) initialize(seed uint64, std float64, wordEmbeddings *tensor.Tensor, padRow int) {
	rng := tensor.NewRNG(seed)
	for i, p := range r.params {
		switch r.inits[i] {
		case initNormal:
			p.FillNormal(rng, 0, float32(std))
		case initZeros:
			p.Fill(0)
		case initOnes:
			p.Fill(1)
		}
	}
	dim := wordEmbeddings.Shape[1]
	clear(wordEmbeddings.Data[padRow*dim : (padRow+1)*dim])
}

// SinusoidalPositions overwrites the position embeddings with the sine and cosine waves of Vaswani et
// al. (2017), scaled to the standard deviation initializer_range that the other embeddings start with.
// From the first step, the offset between two positions is then a linear function of their
// embeddings, so attention can find a token's neighbours early and masked-LM pretraining leaves its
// plateau sooner. They stay ordinary learned absolute position embeddings: training and exports are
// unchanged.
func (m *Model) SinusoidalPositions() {
	p := m.Embeddings.Position
	positions, dim := p.Shape[0], p.Shape[1]
	scale := m.Config.InitializerRange * math.Sqrt2 // a sine over many periods has standard deviation 1/√2
	for pos := range positions {
		row := p.Data[pos*dim : (pos+1)*dim]
		for i := 0; i+1 < dim; i += 2 {
			angle := float64(pos) * math.Pow(10000, -float64(i)/float64(dim))
			row[i] = float32(scale * math.Sin(angle))
			row[i+1] = float32(scale * math.Cos(angle))
		}
	}
}
