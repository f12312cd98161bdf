package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "model.safetensors")
	in := []Tensor{
		{Name: "bert.embeddings.word_embeddings.weight", Shape: []int{3, 2}, Data: []float32{1, -2, 3.5, float32(math.Inf(1)), 0, -0.25}},
		{Name: "scalar", Shape: []int{}, Data: []float32{7}},
		{Name: "empty", Shape: []int{0, 4}, Data: []float32{}},
	}
	meta := map[string]string{"format": "pt"}
	if err := Write(p, in, meta); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(p)
	if hlen := binary.LittleEndian.Uint64(raw); (8+hlen)%8 != 0 {
		t.Errorf("data starts at %d, not 8-byte aligned", 8+hlen)
	}
	f, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["format"] != "pt" {
		t.Errorf("metadata = %v", f.Metadata)
	}
	for _, want := range in {
		got, ok := f.Get(want.Name)
		if !ok {
			t.Fatalf("tensor %q missing", want.Name)
		}
		if len(got.Shape) != len(want.Shape) || len(got.Data) != len(want.Data) {
			t.Fatalf("%s: shape %v len %d", want.Name, got.Shape, len(got.Data))
		}
		for i := range want.Data {
			if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
				t.Errorf("%s[%d] = %v, want %v", want.Name, i, got.Data[i], want.Data[i])
			}
		}
	}
}

func TestWriteErrors(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.safetensors")
	for _, ts := range [][]Tensor{
		{{Name: "a", Shape: []int{2}, Data: []float32{1}}},
		{{Name: "a", Shape: []int{1}, Data: []float32{1}}, {Name: "a", Shape: []int{1}, Data: []float32{1}}},
		{{Name: "", Shape: []int{1}, Data: []float32{1}}},
	} {
		if err := Write(p, ts, nil); err == nil {
			t.Errorf("Write(%v) succeeded", ts)
		}
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("file left behind after failed write")
		}
	}
}

// build assembles a file from a header string and data bytes, bypassing Write's checks.
func build(header string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func TestReadConvertsDTypes(t *testing.T) {
	le := binary.LittleEndian
	var data []byte
	data = le.AppendUint16(data, 0x3c00) // F16 1.0
	data = le.AppendUint16(data, 0xc000) // F16 -2.0
	data = le.AppendUint16(data, 0x0001) // F16 smallest subnormal
	data = le.AppendUint16(data, 0x7c00) // F16 +Inf
	data = le.AppendUint16(data, 0x3fc0) // BF16 1.5
	data = le.AppendUint64(data, math.Float64bits(0.1))
	data = le.AppendUint64(data, 7) // I64 buffer, skipped
	h := `{"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[8,10]},` +
		`"d":{"dtype":"F64","shape":[1],"data_offsets":[10,18]},"bert.embeddings.position_ids":{"dtype":"I64","shape":[1,1],"data_offsets":[18,26]}}`
	f, err := decode(bytes.NewReader(build(h, data)), int64(len(build(h, data))))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Skipped) != 1 || f.Skipped[0] != "bert.embeddings.position_ids" || len(f.Tensors) != 3 {
		t.Errorf("Skipped = %v, %d tensors loaded", f.Skipped, len(f.Tensors))
	}
	want := map[string][]float32{"h": {1, -2, float32(math.Ldexp(1, -24)), float32(math.Inf(1))}, "b": {1.5}, "d": {0.1}}
	for name, w := range want {
		g, _ := f.Get(name)
		for i := range w {
			if g.Data[i] != w[i] {
				t.Errorf("%s[%d] = %v, want %v", name, i, g.Data[i], w[i])
			}
		}
	}
}

func TestReadRejectsBadFiles(t *testing.T) {
	four := make([]byte, 8)
	huge := make([]byte, 8)
	binary.LittleEndian.PutUint64(huge, 1<<62)
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"too short", []byte{1, 2}, "too short"},
		{"huge header length", append(huge, '{', '}'), "exceeds the"},
		{"header past end", build(`{"a":1}`, nil)[:10], "truncated"},
		{"not json", build(`nope....`, nil), "not a JSON object"},
		{"bad dtype", build(`{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}}`, four[:4]), "unsupported dtype"},
		{"offset past end", build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, four[:4]), "outside"},
		{"shape mismatch", build(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, four), "needs 12 bytes"},
		{"negative dim", build(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, four[:4]), "negative"},
		{"overflowing shape", build(`{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}`, four[:4]), "too large"},
		{"overlap", build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, four), "overlap"},
		{"gap at end", build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, four), "cover 4 of 8"},
		{"unknown field", build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, four[:4]), "unknown field"},
		{"bad metadata", build(`{"__metadata__":{"a":1}}`, nil), "__metadata__"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "bad.safetensors")
			os.WriteFile(p, tc.file, 0o644)
			_, err := Read(p)
			if err == nil {
				t.Fatal("Read succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("error %q should name the file and contain %q", err, tc.want)
			}
		})
	}
}

func FuzzRead(f *testing.F) {
	f.Add(build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Add(build(`{"__metadata__":{"k":"v"},"a":{"dtype":"F16","shape":[2,1],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := decode(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		total := 0
		for _, tn := range file.Tensors {
			n, _ := elements(tn.Shape)
			if int64(len(tn.Data)) != n {
				t.Fatalf("tensor %q: %d values for shape %v", tn.Name, len(tn.Data), tn.Shape)
			}
			total += len(tn.Data)
		}
		if total > len(b) {
			t.Fatalf("decoded %d values from %d bytes", total, len(b))
		}
	})
}
