// Package synth generates the synthetic corpora Vigil's demo trains on: generic web and news text for
// pretraining, informal chat messages for domain adaptation, and labelled message sets for
// fine-tuning and evaluation.
//
// The labelled sets are mined the way investigators mine real chats: mostly messages that contain a
// signal word (dead, sleep, dolls, pop off, disappear; Dutch dood, slapen, poppen, afknallen,
// verdwijnen), some drug talk and some ordinary messages. Most signal-word messages are harmless
// ("i'm dead tired", "going to sleep") or jokes; about one in ten is a threat, and some threats use no
// signal word at all. A message's words around the signal word decide its label, so a model can
// learn the labels while counting signal words cannot; a small share of labels is flipped, as
// people who label disagree on hard cases, so no model is perfect.
//
// The same seed always gives the same text. Texts never contain '\n' or '\r'.
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-ml/vigil/data"
	"github.com/vigil-ml/vigil/internal/textgen"
)

// Message is one labelled chat message.
type Message struct {
	ID     string
	Text   string
	Threat bool // a threat to someone's life
	Drugs  bool // drug talk
}

// kind is what a message is about; it fixes the message's true labels.
type kind int

const (
	threat      kind = iota // a threat to life
	threatDrugs             // a threat over a drug debt
	drugs                   // drug talk
	harmless                // a signal word in a harmless sense
	joke                    // a threat-like joke between friends
	ordinary                // small talk without signal words
	numKinds
)

type language int

const (
	english language = iota
	dutch
	numLanguages
)

// mix holds the probability of each kind of message.
type mix [numKinds]float64

var (
	// minedMix is a labelled set mined with signal words: about 10% threats and 10% drug talk.
	minedMix = mix{threat: 0.085, threatDrugs: 0.015, drugs: 0.085, harmless: 0.48, joke: 0.075, ordinary: 0.26}
	// chatMix is everyday chat, where threats are rare.
	chatMix = mix{threat: 0.01, threatDrugs: 0.005, drugs: 0.04, harmless: 0.15, joke: 0.03, ordinary: 0.765}
	// textgenCategories are the textgen categories ordinary messages also come from.
	textgenCategories = []textgen.Category{textgen.Chat, textgen.Emoji, textgen.English, textgen.Dutch}
)

const (
	dutchShare   = 0.25 // share of messages in Dutch
	textgenShare = 0.4  // share of ordinary messages taken from textgen
	labelNoise   = 0.01 // chance that a label of a message other than small talk is flipped
	maxRedraws   = 100  // attempts to draw a message not seen before
	minedSalt    = 0x6d696e6564
	chatSalt     = 0x63686174
)

// generator draws messages from a seeded source.
type generator struct {
	rng  *rand.Rand
	text *textgen.Generator
}

func newGenerator(seed, salt uint64) *generator {
	return &generator{rng: rand.New(rand.NewPCG(seed, salt)), text: textgen.New(int64(seed ^ salt))}
}

// Web returns n lines of generic web and news text for pretraining (textgen.Corpus): one to four
// sentences per line, mostly English, Dutch and German, with chat slang, URLs, numbers and other
// scripts mixed in.
func Web(seed uint64, n int) []string {
	return textgen.Corpus(int64(seed), n)
}

// Chats returns n unlabelled chat messages at everyday rates, for domain adaptation: mostly small
// talk, some signal words in their harmless senses, a little drug talk and very few threats.
func Chats(seed uint64, n int) []string {
	g := newGenerator(seed, chatSalt)
	out := make([]string, n)
	for i := range out {
		out[i] = g.message(g.kind(chatMix))
	}
	return out
}

// Mined returns n labelled messages mined with signal words, with ids msg-000001, msg-000002, ...
// About 10% are threats and 10% drug talk. The texts are distinct (ignoring case and spacing) as
// long as n stays well below the number of texts the patterns can make, some hundred thousand.
func Mined(seed uint64, n int) []Message {
	g := newGenerator(seed, minedSalt)
	seen := make(map[string]bool, n)
	out := make([]Message, n)
	for i := range out {
		k := g.kind(minedMix)
		m := g.labelled(k)
		for try := 0; seen[data.NormalizeForMatch(m.Text)] && try < maxRedraws; try++ {
			m = g.labelled(k)
		}
		seen[data.NormalizeForMatch(m.Text)] = true
		m.ID = fmt.Sprintf("msg-%06d", i+1)
		out[i] = m
	}
	return out
}

// Split cuts msgs into training, development and test parts: the last round(testFraction × n)
// messages are the test set, the round(devFraction × n) before them the development set. Mined
// draws every message independently, so each part is a random sample.
func Split(msgs []Message, devFraction, testFraction float64) (train, dev, test []Message) {
	n := len(msgs)
	nTest := min(max(int(math.Round(testFraction*float64(n))), 0), n)
	nDev := min(max(int(math.Round(devFraction*float64(n))), 0), n-nTest)
	a, b := n-nTest-nDev, n-nTest
	return msgs[:a:a], msgs[a:b:b], msgs[b:]
}

// kind draws a kind of message from m.
func (g *generator) kind(m mix) kind {
	u := g.rng.Float64()
	for k, p := range m {
		if u < p {
			return kind(k)
		}
		u -= p
	}
	return ordinary
}

// labelled draws a message of kind k with its labels; a label of any message but small talk is
// flipped with probability labelNoise.
func (g *generator) labelled(k kind) Message {
	m := Message{
		Text:   g.message(k),
		Threat: k == threat || k == threatDrugs,
		Drugs:  k == drugs || k == threatDrugs,
	}
	if k != ordinary {
		if g.rng.Float64() < labelNoise {
			m.Threat = !m.Threat
		}
		if g.rng.Float64() < labelNoise {
			m.Drugs = !m.Drugs
		}
	}
	return m
}

// message draws the text of a message of kind k.
func (g *generator) message(k kind) string {
	if k == ordinary && g.rng.Float64() < textgenShare {
		return g.text.Sentence(textgenCategories[g.rng.IntN(len(textgenCategories))])
	}
	lang := english
	if g.rng.Float64() < dutchShare {
		lang = dutch
	}
	fs := frames[k][lang]
	var b strings.Builder
	appendPart(&b, g.pick(openers))
	for _, slot := range fs[g.rng.IntN(len(fs))] {
		appendPart(&b, g.pick(slot))
	}
	appendPart(&b, g.pick(closers))
	s := b.String()
	switch u := g.rng.Float64(); {
	case u < 0.05:
		s = strings.ToUpper(s)
	case u < 0.2:
		r, size := utf8.DecodeRuneInString(s)
		s = string(unicode.ToUpper(r)) + s[size:]
	}
	return s
}

// appendPart appends part to b, after a space unless part starts with punctuation.
func appendPart(b *strings.Builder, part string) {
	if part == "" {
		return
	}
	if b.Len() > 0 && !strings.ContainsRune(",.!?", rune(part[0])) {
		b.WriteByte(' ')
	}
	b.WriteString(part)
}

func (g *generator) pick(list []string) string {
	return list[g.rng.IntN(len(list))]
}
