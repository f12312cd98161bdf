// Command demo writes the synthetic corpora of Vigil's demo pipeline (package data/synth) into a
// directory:
//
//	web.txt      generic web and news text, one line each, for pretraining
//	chats.jsonl  unlabelled chat messages ({"id","text"}), for domain adaptation
//	train.csv    labelled messages (id,text,threat,drugs), for fine-tuning
//	dev.csv      labelled messages for choosing the checkpoint, temperature and threshold
//	test.csv     labelled messages held out for evaluation
//
// The same seed always writes the same files. With -summary it instead prints where an evaluation
// report's HTML lies and one line of its numbers. `make demo` runs it before the training stages and
// after the evaluation.
//
// Usage:
//
//	go run ./tools/demo -out DIR [-seed 1] [-web 12000] [-chats 12000] [-messages 5000]
//	go run ./tools/demo -summary REPORTDIR
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigil-ml/vigil/data/synth"
	"github.com/vigil-ml/vigil/eval"
	"github.com/vigil-ml/vigil/internal/atomicfile"
)

// sizes says how much of each corpus to write.
type sizes struct {
	web, chats, messages int
}

// Shares of the labelled messages held out for development and testing.
const (
	devFraction  = 0.1
	testFraction = 0.2
)

func main() {
	out := flag.String("out", "", "directory to write the corpora into")
	seed := flag.Uint64("seed", 1, "random seed")
	var n sizes
	flag.IntVar(&n.web, "web", 12000, "lines of web and news text")
	flag.IntVar(&n.chats, "chats", 12000, "unlabelled chat messages")
	flag.IntVar(&n.messages, "messages", 5000, "labelled messages, split into train, dev and test")
	summary := flag.String("summary", "", "print a one-line summary of the report in this directory instead")
	flag.Parse()
	var err error
	switch {
	case *summary != "" && *out != "":
		err = errors.New("-out and -summary exclude each other")
	case *summary != "":
		err = summarize(os.Stdout, *summary)
	default:
		err = run(os.Stdout, *out, *seed, n)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(2)
	}
}

// run writes the corpora into dir and reports each file on w.
func run(w io.Writer, dir string, seed uint64, n sizes) error {
	if dir == "" {
		return errors.New("-out is required")
	}
	if n.web < 1 || n.chats < 1 {
		return fmt.Errorf("-web %d, -chats %d: need at least one line of each", n.web, n.chats)
	}
	if n.messages < 100 {
		return fmt.Errorf("-messages %d: need at least 100 for every split to hold both classes", n.messages)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, count int, what string, fill func(io.Writer) error) error {
		path := filepath.Join(dir, name)
		if err := atomicfile.Write(path, 0o644, fill); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %s: %d %s\n", path, count, what)
		return nil
	}
	web := synth.Web(seed, n.web)
	if err := write("web.txt", len(web), "lines of web and news text", func(f io.Writer) error { return synth.WriteLines(f, web) }); err != nil {
		return err
	}
	chats := synth.Chats(seed, n.chats)
	if err := write("chats.jsonl", len(chats), "chat messages", func(f io.Writer) error { return synth.WriteChats(f, chats) }); err != nil {
		return err
	}
	train, dev, test := synth.Split(synth.Mined(seed, n.messages), devFraction, testFraction)
	for _, part := range []struct {
		name string
		msgs []synth.Message
	}{{"train.csv", train}, {"dev.csv", dev}, {"test.csv", test}} {
		threats, drugs := positives(part.msgs)
		what := fmt.Sprintf("labelled messages (%d threats, %d drug talk)", threats, drugs)
		if err := write(part.name, len(part.msgs), what, func(f io.Writer) error { return synth.WriteCSV(f, part.msgs) }); err != nil {
			return err
		}
	}
	return nil
}

// positives counts the threats and the drug talk in msgs.
func positives(msgs []synth.Message) (threats, drugs int) {
	for _, m := range msgs {
		if m.Threat {
			threats++
		}
		if m.Drugs {
			drugs++
		}
	}
	return threats, drugs
}

// summarize prints where the report in dir lies and, on one line, each head's ROC-AUC beside the
// keyword baseline's and its F1 at the stored threshold.
func summarize(w io.Writer, dir string) error {
	r, err := eval.ReadReport(filepath.Join(dir, "report.json"))
	if err != nil {
		return err
	}
	heads := make([]string, 0, len(r.Labels))
	for _, l := range r.Labels {
		h, b := r.Heads[l], r.KeywordBaseline[l]
		if h == nil || b == nil {
			return fmt.Errorf("%s: head %q has no metrics", dir, l)
		}
		heads = append(heads, fmt.Sprintf("%s ROC-AUC %.3f (keywords %.3f), PR-AUC %.3f, F1 %.3f",
			l, h.ROCAUC, b.ROCAUC, h.PRAUC, h.F1))
	}
	fmt.Fprintf(w, "report: %s\n", filepath.Join(dir, "report.html"))
	fmt.Fprintf(w, "%d test messages: %s\n", r.N, strings.Join(heads, "; "))
	return nil
}
