package tokenize

// part is one element of a post-processing template: either a sequence
// (seq 0 for A, 1 for B) or a special token (seq -1) with its ids.
type part struct {
	seq    int
	typeID int32
	name   string // template id of a special token, such as "[CLS]"
	ids    []int32
	tokens []string
}

// template is Hugging Face's TemplateProcessing.
type template struct {
	single, pair []part
}

// Templates used when special tokens are not added, or when a
// tokenizer.json has no post-processor.
var (
	implicitSingle = []part{{seq: 0}}
	implicitPair   = []part{{seq: 0}, {seq: 1, typeID: 1}}
)

// bertTemplate returns [CLS] $A [SEP] and [CLS] $A [SEP] $B:1 [SEP]:1.
func bertTemplate(cls string, clsID int32, sep string, sepID int32) template {
	c := part{seq: -1, name: cls, ids: []int32{clsID}, tokens: []string{cls}}
	s := part{seq: -1, name: sep, ids: []int32{sepID}, tokens: []string{sep}}
	s1 := s
	s1.typeID = 1
	return template{
		single: []part{c, {seq: 0}, s},
		pair:   []part{c, {seq: 0}, s, {seq: 1, typeID: 1}, s1},
	}
}

// added returns the number of special tokens the template adds.
func (t *template) added(pair bool) int {
	parts := t.single
	if pair {
		parts = t.pair
	}
	n := 0
	for _, p := range parts {
		n += len(p.ids)
	}
	return n
}

// len returns the number of tokens p contributes.
func (p *part) len(sc *scratch) int {
	switch p.seq {
	case 0:
		return len(sc.a.ids)
	case 1:
		return len(sc.b.ids)
	}
	return len(p.ids)
}
