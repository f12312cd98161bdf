package data

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// LabelOptions configures ReadLabelled.
type LabelOptions struct {
	Options
	// Labels names the label columns (CSV/TSV) or fields (JSONL), in the order the model's outputs take.
	Labels []string
	// IDField names a column or field holding a record id; empty uses each record's position
	// ("file:line") as its id.
	IDField string
	// Soft also accepts any number from 0 to 1 as a label value: a target probability, such as people's
	// label mixed with a teacher model's score (ParseTarget). Labelled.Targets then holds the values.
	Soft bool
}

// Labelled is a labelled set held in memory: one entry per record with non-empty text, in file order.
type Labelled struct {
	Texts []string
	// IDs are the records' ids: the IDField value, or "file:line" when there is no IDField.
	IDs []string
	// Labels holds one row per record, one value per label in LabelNames order; a soft target
	// counts as positive from 0.5.
	Labels [][]bool
	// Targets holds, for a set read with LabelOptions.Soft, the label values as read, in the shape of
	// Labels; nil otherwise.
	Targets    [][]float64
	LabelNames []string
	// Sources locate each record in its file.
	Sources []Position
}

// Len is the number of records.
func (l *Labelled) Len() int { return len(l.Texts) }

// Positives counts, for each label, the records that carry it.
func (l *Labelled) Positives() []int {
	n := make([]int, len(l.LabelNames))
	for _, row := range l.Labels {
		for j, v := range row {
			if v {
				n[j]++
			}
		}
	}
	return n
}

// Subset returns the records at the given indices, in that order. The texts and label rows are
// shared with l, not copied.
func (l *Labelled) Subset(idx []int) *Labelled {
	s := &Labelled{
		Texts: make([]string, len(idx)), IDs: make([]string, len(idx)), Labels: make([][]bool, len(idx)),
		LabelNames: l.LabelNames, Sources: make([]Position, len(idx)),
	}
	if l.Targets != nil {
		s.Targets = make([][]float64, len(idx))
	}
	for k, i := range idx {
		s.Texts[k], s.IDs[k], s.Labels[k], s.Sources[k] = l.Texts[i], l.IDs[i], l.Labels[i], l.Sources[i]
		if l.Targets != nil {
			s.Targets[k] = l.Targets[i]
		}
	}
	return s
}

// ReadLabelled reads a labelled set from CSV/TSV (label columns) or JSON Lines (label fields) files,
// each optionally gzip-compressed. A label value is 0/1, true/false or yes/no in any case (JSON
// numbers and booleans too), or with o.Soft any number from 0 to 1. A missing or unrecognised value
// is an error naming the file, the line and the column; records with empty text are skipped, as every
// Reader skips them; a set with no records is an error.
func ReadLabelled(paths []string, o LabelOptions) (*Labelled, error) {
	if len(o.Labels) == 0 {
		return nil, errors.New("labelled set: no labels named")
	}
	for i, name := range o.Labels {
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("labelled set: label %d has an empty name", i+1)
		}
		if slices.Contains(o.Labels[:i], name) {
			return nil, fmt.Errorf("labelled set: label %q is named twice", name)
		}
	}
	for _, p := range paths {
		f := o.Format
		if f == FormatAuto {
			f = FormatOf(p)
		}
		if f == FormatText {
			return nil, &Error{File: p, Err: errors.New("plain text has no label columns: use CSV, TSV or JSON Lines")}
		}
	}
	r, err := OpenAll(paths, o.Options)
	if err != nil {
		return nil, fmt.Errorf("labelled set: %w", err)
	}
	defer r.Close()
	l := &Labelled{LabelNames: slices.Clone(o.Labels)}
	for r.Next() {
		pos := r.Pos()
		row := make([]bool, len(o.Labels))
		var target []float64
		if o.Soft {
			target = make([]float64, len(o.Labels))
		}
		for j, name := range o.Labels {
			v, ok := r.Field(name)
			if !ok {
				return nil, fmt.Errorf("labelled set: %w", &Error{File: pos.File, Line: pos.Line, Field: name, Err: errors.New("label missing")})
			}
			var err error
			if o.Soft {
				target[j], err = ParseTarget(v)
				row[j] = target[j] >= 0.5
			} else {
				row[j], err = ParseLabel(v)
			}
			if err != nil {
				return nil, fmt.Errorf("labelled set: %w", &Error{File: pos.File, Line: pos.Line, Field: name, Err: err})
			}
		}
		id := pos.String()
		if o.IDField != "" {
			v, ok := r.Field(o.IDField)
			if !ok || v == "" {
				return nil, fmt.Errorf("labelled set: %w", &Error{File: pos.File, Line: pos.Line, Field: o.IDField, Err: errors.New("id missing")})
			}
			id = v
		}
		l.Texts = append(l.Texts, r.Text())
		l.IDs = append(l.IDs, id)
		l.Labels = append(l.Labels, row)
		if o.Soft {
			l.Targets = append(l.Targets, target)
		}
		l.Sources = append(l.Sources, pos)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("labelled set: %w", err)
	}
	if l.Len() == 0 {
		return nil, fmt.Errorf("labelled set %s: %w", strings.Join(paths, ", "), ErrEmpty)
	}
	return l, nil
}

// ParseLabel reads one label value: 0/1, true/false or yes/no in any case, or a number equal to 0
// or 1, surrounding spaces ignored.
func ParseLabel(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes":
		return true, nil
	case "0", "false", "no":
		return false, nil
	}
	if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && (f == 0 || f == 1) {
		return f == 1, nil
	}
	return false, fmt.Errorf("label value %q is not 0/1, true/false or yes/no", abbreviate([]byte(s)))
}

// ParseTarget reads one soft label value: a number from 0 to 1, or a ParseLabel value (0 or 1).
func ParseTarget(s string) (float64, error) {
	if b, err := ParseLabel(s); err == nil {
		if b {
			return 1, nil
		}
		return 0, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(f >= 0 && f <= 1) {
		return 0, fmt.Errorf("label value %q is not a number from 0 to 1, true/false or yes/no", abbreviate([]byte(s)))
	}
	return f, nil
}

// splitSalt separates the split's generator from other streams seeded with the same seed.
const splitSalt = 0x9e3779b97f4a7c15

// StratifiedSplit divides l into a training and a development part, reproducibly for a seed.
// Records are grouped by their whole label combination (for one label: positive or negative), and
// round(devFraction × group size) records of each group, drawn at random, go to dev, so each label
// combination keeps its share in both parts. Both parts keep file order. A devFraction of 0 or less
// leaves dev empty; 1 or more leaves train empty.
func StratifiedSplit(l *Labelled, devFraction float64, seed uint64) (train, dev *Labelled) {
	inDev := make([]bool, l.Len())
	frac := min(max(devFraction, 0), 1)
	for _, g := range shuffledGroups(l, seed) {
		for _, i := range g[:int(math.Round(frac*float64(len(g))))] {
			inDev[i] = true
		}
	}
	var ti, di []int
	for i, d := range inDev {
		if d {
			di = append(di, i)
		} else {
			ti = append(ti, i)
		}
	}
	return l.Subset(ti), l.Subset(di)
}

// StratifiedFolds assigns each record of l to one of k folds, reproducibly for a seed, so that every
// label combination is spread evenly over the folds (their sizes differ by at most one per
// combination): the folds of k-fold cross-validation.
func StratifiedFolds(l *Labelled, k int, seed uint64) []int {
	fold := make([]int, l.Len())
	next := 0
	for _, g := range shuffledGroups(l, seed) {
		for _, i := range g {
			fold[i] = next
			next = (next + 1) % k
		}
	}
	return fold
}

// shuffledGroups returns l's record indices grouped by label combination, the groups in the order of
// their combinations and each shuffled by a generator seeded with seed.
func shuffledGroups(l *Labelled, seed uint64) [][]int {
	groups := make(map[string][]int)
	var keys []string
	key := make([]byte, len(l.LabelNames))
	for i, row := range l.Labels {
		for j, v := range row {
			key[j] = '0'
			if v {
				key[j] = '1'
			}
		}
		k := string(key)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	slices.Sort(keys)
	rng := rand.New(rand.NewPCG(seed, splitSalt))
	out := make([][]int, len(keys))
	for n, k := range keys {
		g := groups[k]
		out[n] = make([]int, len(g))
		for p, q := range rng.Perm(len(g)) {
			out[n][p] = g[q]
		}
	}
	return out
}

// NormalizeForMatch lowercases s and collapses runs of white space into one space, trimming both
// ends, so that copies of a message that differ only in case or spacing compare equal.
func NormalizeForMatch(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// Overlap counts the records of b whose normalised text (NormalizeForMatch) also occurs in a, and
// the distinct such texts: a held-out set that repeats training texts overstates a model's quality.
func Overlap(a, b []string) (records, distinct int) {
	seen := make(map[string]bool, len(a))
	for _, s := range a {
		seen[NormalizeForMatch(s)] = false
	}
	for _, s := range b {
		k := NormalizeForMatch(s)
		counted, ok := seen[k]
		if !ok {
			continue
		}
		records++
		if !counted {
			distinct++
			seen[k] = true
		}
	}
	return records, distinct
}
