package tensor

import "fmt"

// Embedding gathers rows of table [vocab, dim] by ids, returning
// [len(ids), dim], as torch.nn.functional.embedding. The backward pass adds
// each row's gradient into the table's gradient at its id (so repeated ids
// accumulate). ids must stay unchanged until Backward has run; an id outside
// [0, vocab) panics, since callers map tokens to ids in range.
func (t *Tape) Embedding(table *Tensor, ids []int32) *Tensor {
	return t.embedding("Embedding", table, ids, -1)
}

// EmbeddingPadded is Embedding with a padding id, as
// torch.nn.functional.embedding's padding_idx: rows looked up with id pad
// receive no gradient, so the table's padding row stays as it is.
func (t *Tape) EmbeddingPadded(table *Tensor, ids []int32, pad int32) *Tensor {
	return t.embedding("EmbeddingPadded", table, ids, int(pad))
}

// embedding gathers rows of table by ids; rows whose id is pad (-1 for
// none) take no part in the backward pass.
func (t *Tape) embedding(name string, table *Tensor, ids []int32, pad int) *Tensor {
	if table.Dims() != 2 {
		panic(fmt.Sprintf("tensor: %s: table %v is not 2-D", name, table.Shape))
	}
	vocab, dim := table.Shape[0], table.Shape[1]
	out := t.output(len(ids), dim)
	for i, id := range ids {
		if id < 0 || int(id) >= vocab {
			panic(fmt.Sprintf("tensor: %s: id %d at %d outside [0, %d)", name, id, i, vocab))
		}
		copy(out.Data[i*dim:(i+1)*dim], table.Data[int(id)*dim:(int(id)+1)*dim])
	}
	if o := t.record(backEmbedding, out, table); o != nil {
		o.ids, o.i[0] = ids, pad
	}
	return out
}

// backEmbedding: in = (table); ids = the gathered ids; i0 = the padding id
// or -1.
func backEmbedding(t *Tape, o *op) {
	dt := t.gradOf(o.in[0])
	dim, pad := o.in[0].Shape[1], o.i[0]
	dy := o.out.Grad
	for i, id := range o.ids {
		if int(id) == pad {
			continue
		}
		row := dt[int(id)*dim : (int(id)+1)*dim]
		for j, g := range dy[i*dim : (i+1)*dim] {
			row[j] += g
		}
	}
}
