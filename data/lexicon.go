package data

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Lexicon is a list of signal words and phrases ("dead", "pop off", "umbring*") that people used to
// mine messages for labelling. It finds them in text case- and accent-insensitively and only on word
// boundaries: "kill" matches "KILL!" and "kill-switch" but not "skills"; "pop off" matches "pop  off"
// and "Pop-off". A term's last word may end in '*' to match any word with that prefix ("umbring*"
// matches "umbringen"). A Lexicon is safe for concurrent use.
type Lexicon struct {
	terms []string
	words [][]string // each term's normalized words; a trailing '*' marks a prefix
	first map[string][]int
	// prefixFirst holds the terms whose single word is a prefix, tried against every word.
	prefixFirst []int
}

// Match is one occurrence of a lexicon term in a text.
type Match struct {
	// Term indexes Lexicon.Terms.
	Term int
	// Start and End are byte offsets of the occurrence in the original text.
	Start, End int
}

// ReadLexicon reads a lexicon file: see ParseLexicon.
func ReadLexicon(path string) (*Lexicon, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("lexicon: %w", err)
	}
	defer f.Close()
	return ParseLexicon(f, path)
}

// ParseLexicon reads a lexicon: UTF-8 text with one term per line. A '#' starts a comment running to
// the end of the line; blank lines are skipped; surrounding spaces are trimmed. A term that holds no
// letter or digit, or that repeats an earlier term once normalized, is an error naming name and line.
func ParseLexicon(r io.Reader, name string) (*Lexicon, error) {
	sc := bufio.NewScanner(r)
	var terms []string
	var lines []int
	for line := 1; sc.Scan(); line++ {
		t, _, _ := strings.Cut(sc.Text(), "#")
		if t = strings.TrimSpace(t); t != "" {
			terms = append(terms, t)
			lines = append(lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("lexicon %s: %w", name, err)
	}
	l, err := NewLexicon(terms)
	var te *termError
	if errors.As(err, &te) {
		return nil, fmt.Errorf("lexicon %s:%d: %w", name, lines[te.index], te.err)
	}
	if err != nil {
		return nil, fmt.Errorf("lexicon %s: %w", name, err)
	}
	return l, nil
}

// termError is a problem with the term at index.
type termError struct {
	index int
	err   error
}

func (e *termError) Error() string { return e.err.Error() }

// NewLexicon builds a lexicon from terms, as ParseLexicon reads them from a file.
func NewLexicon(terms []string) (*Lexicon, error) {
	if len(terms) == 0 {
		return nil, errors.New("lexicon has no terms")
	}
	l := &Lexicon{terms: terms, words: make([][]string, len(terms)), first: make(map[string][]int)}
	seen := make(map[string]int, len(terms))
	for i, t := range terms {
		body, prefix := strings.CutSuffix(t, "*")
		spans := wordSpans(nil, body)
		if len(spans) == 0 {
			return nil, &termError{i, fmt.Errorf("term %q has no letter or digit", t)}
		}
		if prefix && spans[len(spans)-1][1] != len(body) {
			return nil, &termError{i, fmt.Errorf("term %q: '*' must follow a letter or digit", t)}
		}
		w := make([]string, len(spans))
		for k, s := range spans {
			w[k] = foldWord(t[s[0]:s[1]])
		}
		if prefix {
			w[len(w)-1] += "*"
		}
		key := strings.Join(w, " ")
		if j, dup := seen[key]; dup {
			return nil, &termError{i, fmt.Errorf("term %q repeats %q", t, terms[j])}
		}
		seen[key] = i
		l.words[i] = w
		if len(w) == 1 && prefix {
			l.prefixFirst = append(l.prefixFirst, i)
		} else {
			l.first[w[0]] = append(l.first[w[0]], i)
		}
	}
	return l, nil
}

// Terms returns the terms as written, in lexicon order. The caller must not modify the slice.
func (l *Lexicon) Terms() []string { return l.terms }

// Len is the number of terms.
func (l *Lexicon) Len() int { return len(l.terms) }

// AppendMatches appends every occurrence of every term in text to dst, ordered by start offset and
// then by term, and returns the extended slice. Occurrences of different terms may overlap ("pop" and
// "pop off").
func (l *Lexicon) AppendMatches(dst []Match, text string) []Match {
	spans := wordSpans(nil, text)
	folded := make([]string, len(spans))
	for k, s := range spans {
		folded[k] = foldWord(text[s[0]:s[1]])
	}
	for k := range folded {
		for _, i := range l.first[folded[k]] {
			if n := len(l.words[i]); matchWords(l.words[i], folded[k:]) {
				dst = append(dst, Match{Term: i, Start: spans[k][0], End: spans[k+n-1][1]})
			}
		}
		for _, i := range l.prefixFirst {
			if matchWords(l.words[i], folded[k:]) {
				dst = append(dst, Match{Term: i, Start: spans[k][0], End: spans[k][1]})
			}
		}
	}
	return dst
}

// Count is the number of occurrences of all terms in text.
func (l *Lexicon) Count(text string) int { return len(l.AppendMatches(nil, text)) }

// matchWords reports whether text starts with the term's words, the last one a prefix when it ends
// in '*'.
func matchWords(term, text []string) bool {
	if len(text) < len(term) {
		return false
	}
	for k, w := range term {
		if k == len(term)-1 {
			if p, ok := strings.CutSuffix(w, "*"); ok {
				return strings.HasPrefix(text[k], p)
			}
		}
		if text[k] != w {
			return false
		}
	}
	return true
}

// wordSpans appends the byte spans of the words of s: maximal runs of letters, digits and combining
// marks, so punctuation, spaces and hyphens separate words.
func wordSpans(dst [][2]int, s string) [][2]int {
	start := -1
	for i, r := range s {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		switch {
		case inWord && start < 0:
			start = i
		case !inWord && start >= 0:
			dst = append(dst, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		dst = append(dst, [2]int{start, len(s)})
	}
	return dst
}

// foldWord lowercases w and removes its accents (NFD, combining marks dropped), so "Dóód" and "DOOD"
// compare equal; German "ß" becomes "ss".
func foldWord(w string) string {
	if isASCII(w) {
		return strings.ToLower(w)
	}
	var b strings.Builder
	b.Grow(len(w))
	for _, r := range norm.NFD.String(w) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'ß' || r == 'ẞ':
			b.WriteString("ss")
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	if b.Len() == 0 {
		return w
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
