// Package tensor is Vigil's training engine: float32 tensors, a per-step
// arena for temporaries, and a Tape that records fused operations during the
// forward pass and replays their hand-written backward passes in reverse.
//
// Parameters are ordinary heap tensors created with NewParam; they carry a
// Grad slice that Backward accumulates into. Every other tensor produced by
// an operation lives in the Tape's Arena and is valid until Tape.Reset, so a
// training step with fixed shapes allocates nothing on the Go heap once the
// arena has grown to the step's peak size.
//
// Operations are methods on *Tape, which keeps model code close to the maths:
//
//	h := t.Linear(x, w1, b1)
//	logits := t.Linear(h, w2, b2)
//	loss := t.CrossEntropy(logits, targets, -100)
//	t.Backward(loss)
//
// Shape mismatches are programming errors and panic, as in gonum's mat
// package; nothing here reads user input.
//
// Work that is large enough is split across goroutines in a partition that
// depends only on the problem size and GOMAXPROCS, never on timing, so
// results are bit-identical from run to run.
package tensor
