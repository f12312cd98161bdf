// Package safetensors reads and writes the safetensors format that Hugging Face, PyTorch and ONNX
// tooling use for model weights: an 8-byte little-endian header length, a JSON header mapping each
// tensor name to its dtype, shape and byte range, then the raw little-endian tensor bytes.
//
// Reading is defensive: the header length is bounded, every dtype, shape and offset is checked against
// the file size before anything is allocated, and byte ranges may neither overlap nor leave gaps, so a
// truncated or hostile file is a clear error, never a panic or a huge allocation.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/vigil-ml/vigil/internal/atomicfile"
)

// MaxHeader bounds the JSON header; real BERT checkpoints use a few tens of kilobytes.
const MaxHeader = 100 << 20

// Tensor is one named float32 array in row-major order.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// File is the content of a safetensors file.
type File struct {
	Tensors  []Tensor          // the floating-point tensors, in file order
	Metadata map[string]string // the optional __metadata__ strings
	// Skipped names the integer and boolean tensors, which are checked but not loaded: model weights are
	// floating point, and such tensors are buffers (older BERT checkpoints store position_ids as I64).
	Skipped []string
}

// Get returns the tensor with the given name.
func (f *File) Get(name string) (*Tensor, bool) {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i], true
		}
	}
	return nil, false
}

type entry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// dtypeSize lists the element types Read understands; floatTypes are those it converts to float32.
var (
	dtypeSize = map[string]int64{"F32": 4, "F16": 2, "BF16": 2, "F64": 8,
		"BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "U16": 2, "I32": 4, "U32": 4, "I64": 8, "U64": 8}
	floatTypes = map[string]bool{"F32": true, "F16": true, "BF16": true, "F64": true}
)

// Write stores tensors (float32, written as F32) and metadata at path atomically. Names must be unique
// and each Data must hold exactly the product of its Shape.
func Write(path string, tensors []Tensor, metadata map[string]string) error {
	header := make(map[string]any, len(tensors)+1)
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var off int64
	for _, t := range tensors {
		if t.Name == "" || t.Name == "__metadata__" {
			return fmt.Errorf("safetensors: write %s: invalid tensor name %q", path, t.Name)
		}
		if _, dup := header[t.Name]; dup {
			return fmt.Errorf("safetensors: write %s: duplicate tensor %q", path, t.Name)
		}
		n, err := elements(t.Shape)
		if err != nil || n != int64(len(t.Data)) {
			return fmt.Errorf("safetensors: write %s: tensor %q has shape %v but %d values", path, t.Name, t.Shape, len(t.Data))
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = entry{DType: "F32", Shape: shape, Offsets: [2]int64{off, off + 4*n}}
		off += 4 * n
	}
	hb, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("safetensors: write %s: %w", path, err)
	}
	// Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
	for (8+len(hb))%8 != 0 {
		hb = append(hb, ' ')
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		if err := binary.Write(w, binary.LittleEndian, uint64(len(hb))); err != nil {
			return err
		}
		if _, err := w.Write(hb); err != nil {
			return err
		}
		buf := make([]byte, 0, 1<<16)
		for _, t := range tensors {
			for i := 0; i < len(t.Data); {
				buf = buf[:0]
				for ; i < len(t.Data) && len(buf) < cap(buf); i++ {
					buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(t.Data[i]))
				}
				if _, err := w.Write(buf); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Read loads every tensor of the file at path, converting F16, BF16 and F64 to float32.
func Read(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	file, err := decode(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return file, nil
}

func decode(r io.ReaderAt, size int64) (*File, error) {
	var lenBuf [8]byte
	if size < 8 {
		return nil, fmt.Errorf("file is %d bytes, too short for a header", size)
	}
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, err
	}
	hlen := binary.LittleEndian.Uint64(lenBuf[:])
	if hlen > MaxHeader {
		return nil, fmt.Errorf("header length %d exceeds the %d-byte limit", hlen, MaxHeader)
	}
	if int64(hlen) > size-8 {
		return nil, fmt.Errorf("header length %d exceeds the file (%d bytes): truncated?", hlen, size)
	}
	hb := make([]byte, hlen)
	if _, err := r.ReadAt(hb, 8); err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(hb))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("header is not a JSON object: %w", err)
	}
	file := &File{}
	if m, ok := raw["__metadata__"]; ok {
		if err := json.Unmarshal(m, &file.Metadata); err != nil {
			return nil, fmt.Errorf("__metadata__ must map strings to strings: %w", err)
		}
		delete(raw, "__metadata__")
	}
	dataStart := 8 + int64(hlen)
	dataLen := size - dataStart
	type located struct {
		name string
		e    entry
	}
	list := make([]located, 0, len(raw))
	for name, m := range raw {
		var e entry
		d := json.NewDecoder(bytes.NewReader(m))
		d.DisallowUnknownFields()
		if err := d.Decode(&e); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		es, ok := dtypeSize[e.DType]
		if !ok {
			return nil, fmt.Errorf("tensor %q: unsupported dtype %q", name, e.DType)
		}
		n, err := elements(e.Shape)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		b, end := e.Offsets[0], e.Offsets[1]
		if b < 0 || end < b || end > dataLen {
			return nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] outside the %d data bytes", name, b, end, dataLen)
		}
		if n > dataLen/es || n*es != end-b {
			return nil, fmt.Errorf("tensor %q: shape %v of %s needs %d bytes, data_offsets span %d", name, e.Shape, e.DType, n*es, end-b)
		}
		list = append(list, located{name, e})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].e.Offsets[0] < list[j].e.Offsets[0] })
	var pos int64
	for _, l := range list {
		if l.e.Offsets[0] != pos {
			return nil, fmt.Errorf("tensor %q: data starts at %d, expected %d (overlap or gap)", l.name, l.e.Offsets[0], pos)
		}
		pos = l.e.Offsets[1]
	}
	if pos != dataLen {
		return nil, fmt.Errorf("tensors cover %d of %d data bytes", pos, dataLen)
	}
	for _, l := range list {
		if !floatTypes[l.e.DType] {
			file.Skipped = append(file.Skipped, l.name)
			continue
		}
		t, err := readTensor(r, dataStart, l.name, l.e)
		if err != nil {
			return nil, err
		}
		file.Tensors = append(file.Tensors, t)
	}
	return file, nil
}

func readTensor(r io.ReaderAt, dataStart int64, name string, e entry) (Tensor, error) {
	b := make([]byte, e.Offsets[1]-e.Offsets[0])
	if _, err := r.ReadAt(b, dataStart+e.Offsets[0]); err != nil {
		return Tensor{}, fmt.Errorf("tensor %q: %w", name, err)
	}
	es := dtypeSize[e.DType]
	out := make([]float32, int64(len(b))/es)
	le := binary.LittleEndian
	for i := range out {
		switch e.DType {
		case "F32":
			out[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		case "F64":
			out[i] = float32(math.Float64frombits(le.Uint64(b[8*i:])))
		case "BF16":
			out[i] = math.Float32frombits(uint32(le.Uint16(b[2*i:])) << 16)
		case "F16":
			out[i] = halfToFloat(le.Uint16(b[2*i:]))
		}
	}
	shape := append([]int{}, e.Shape...)
	return Tensor{Name: name, Shape: shape, Data: out}, nil
}

// elements returns the product of shape, rejecting negative dimensions and overflow.
func elements(shape []int) (int64, error) {
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d != 0 && n > math.MaxInt64/int64(d)/8 {
			return 0, errors.New("shape too large")
		}
		n *= int64(d)
	}
	return n, nil
}

// halfToFloat converts an IEEE 754 binary16 value.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0:
		// Subnormal: value = frac · 2^-24.
		v := float32(frac) / (1 << 24)
		if sign != 0 {
			return -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}
