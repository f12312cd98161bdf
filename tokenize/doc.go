// Package tokenize is a BERT-style WordPiece tokenizer that reads and writes
// Hugging Face tokenizer.json files.
//
// The pipeline follows the Hugging Face tokenizers library step by step so
// that a tokenizer.json written here encodes the same way elsewhere:
//
//   - special tokens written literally in the input ("[MASK]") are matched
//     first, on the raw text, as Hugging Face does for added tokens with
//     normalized=false;
//   - BertNormalizer: clean text (drop NUL, U+FFFD and characters of
//     categories Cc, Cf and Co except tab, newline and carriage return; map
//     white space to a space), put spaces around CJK ideographs, strip
//     accents (NFD, then drop nonspacing marks) and lowercase (per
//     character, full mapping);
//   - BertPreTokenizer: split on white space and isolate every punctuation
//     character (ASCII punctuation and Unicode category P);
//   - WordPiece: greedy longest match first with the "##" continuation
//     prefix; a word that cannot be covered, or that is longer than
//     MaxInputCharsPerWord characters, becomes a single [UNK];
//   - TemplateProcessing: [CLS] A [SEP] and [CLS] A [SEP] B [SEP] with type
//     ids 0 and 1, longest_first truncation and right padding;
//   - WordPiece decoder with its cleanup rules.
//
// Offsets are byte spans into the original input, valid for every input
// (text[start:end] is always in bounds and on the bytes the token came
// from), including invalid UTF-8, which never panics.
//
// Character categories come from Go's Unicode tables; the Rust library's
// tables are older, so the two can differ on the few format, mark and
// punctuation characters assigned in recent Unicode versions.
package tokenize
