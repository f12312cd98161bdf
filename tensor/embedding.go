package tensor

import "fmt"

// Embedding gathers rows of table [vocab, dim] by ids, returning
// [len(ids), dim], as torch.nn.functional.embedding. The backward pass adds
// each row's gradient into the table's gradient at its id (so repeated ids
// accumulate). ids must stay unchanged until Backward has run; an id outside
// [0, vocab) panics, since callers map tokens to ids in range.
func (t *Tape) Embedding(table *Tensor, ids []int32) *Tensor {
	if table.Dims() != 2 {
		panic(fmt.Sprintf("tensor: Embedding: table %v is not 2-D", table.Shape))
	}
	vocab, dim := table.Shape[0], table.Shape[1]
	out := t.output(len(ids), dim)
	for i, id := range ids {
		if id < 0 || int(id) >= vocab {
			panic(fmt.Sprintf("tensor: Embedding: id %d at %d outside [0, %d)", id, i, vocab))
		}
		copy(out.Data[i*dim:(i+1)*dim], table.Data[int(id)*dim:(int(id)+1)*dim])
	}
	if o := t.record(backEmbedding, out, table); o != nil {
		o.ids = ids
	}
	return out
}

// backEmbedding: in = (table); ids = the gathered ids.
func backEmbedding(t *Tape, o *op) {
	dt := t.gradOf(o.in[0])
	dim := o.in[0].Shape[1]
	dy := o.out.Grad
	for i, id := range o.ids {
		row := dt[int(id)*dim : (int(id)+1)*dim]
		for j, g := range dy[i*dim : (i+1)*dim] {
			row[j] += g
		}
	}
}
