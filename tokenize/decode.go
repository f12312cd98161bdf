package tokenize

import "strings"

// decoder is Hugging Face's WordPiece decoder, or, when wordPiece is
// false (a tokenizer.json without decoder), tokens joined by spaces.
type decoder struct {
	wordPiece bool
	prefix    string
	cleanup   bool
}

// cleanups are the WordPiece decoder's replacements, applied in order to
// each token after its joining space has been added.
var cleanups = [...][2]string{
	{" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
	{" n't", "n't"}, {" 'm", "'m"}, {" do not", " don't"},
	{" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
}

// Decode turns ids back into text: ids outside the vocabulary are
// skipped, and so are special tokens when skipSpecial is set. Tokens are
// joined by the WordPiece decoder: a token with the continuation prefix is
// glued to the previous one, any other token after the first gets a
// leading space, and each token is then cleaned up (" ." becomes ".",
// " n't" becomes "n't", and so on), exactly as Hugging Face does.
func (t *Tokenizer) Decode(ids []int32, skipSpecial bool) string {
	var sb strings.Builder
	first := true
	for _, id := range ids {
		if id < 0 || int(id) >= len(t.vocab) || (skipSpecial && t.special[id]) {
			continue
		}
		tok := t.vocab[id]
		if !t.dec.wordPiece {
			if !first {
				sb.WriteByte(' ')
			}
			sb.WriteString(tok)
			first = false
			continue
		}
		if !first {
			if rest, ok := strings.CutPrefix(tok, t.dec.prefix); ok {
				tok = rest
			} else {
				tok = " " + tok
			}
		}
		first = false
		if t.dec.cleanup {
			tok = cleanup(tok)
		}
		sb.WriteString(tok)
	}
	return sb.String()
}

func cleanup(tok string) string {
	if strings.IndexByte(tok, ' ') < 0 {
		return tok
	}
	for _, r := range cleanups {
		tok = strings.ReplaceAll(tok, r[0], r[1])
	}
	return tok
}
