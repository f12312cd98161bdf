package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// trainBin is the CLI built once for the tests, so exit codes and output are checked as users see them.
var trainBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vigil-cli")
	if err != nil {
		panic(err)
	}
	trainBin = filepath.Join(dir, "train")
	if out, err := exec.Command("go", "build", "-o", trainBin, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run executes the CLI and returns stdout, stderr and the exit status.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(trainBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func TestVersionAndHelp(t *testing.T) {
	out, _, code := run(t, "version")
	if code != 0 || !strings.HasPrefix(out, "vigil ") {
		t.Errorf("version: code %d, out %q", code, out)
	}
	out, _, code = run(t, "--help")
	if code != 0 || !strings.Contains(out, "tokenizer") {
		t.Errorf("--help: code %d, out %q", code, out)
	}
	_, errOut, code := run(t, "tokenizer", "--no-such-flag")
	if code != 2 || !strings.Contains(errOut, "unknown flag") {
		t.Errorf("bad flag: code %d, stderr %q", code, errOut)
	}
}

func corpusLines() string {
	var b strings.Builder
	words := []string{"the", "threat", "was", "made", "yesterday", "sleep", "tonight", "dolls", "we", "will", "meet", "at", "the", "harbour"}
	for i := 0; i < 400; i++ {
		for j := 0; j < 8; j++ {
			b.WriteString(words[(i*7+j*3)%len(words)])
			b.WriteByte(' ')
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestTokenizerCommand(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "c.txt")
	os.WriteFile(corpus, []byte(corpusLines()+"caf\xe9 invalid\n"), 0o644)
	cfg := filepath.Join(dir, "tok.yaml")
	os.WriteFile(cfg, []byte("vocab_size: 60\nlowercase: true\n"), 0o644)
	out := filepath.Join(dir, "tok")
	stdout, stderr, code := run(t, "tokenizer", "--config", cfg, "--corpus", corpus, "--out", out, "--set", "min_frequency=1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"tokenizer.json", "lines 401", "invalid UTF-8 bytes 1", "coverage"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tj struct {
		Normalizer struct {
			Lowercase bool `json:"lowercase"`
		} `json:"normalizer"`
		Model struct {
			Vocab map[string]int `json:"vocab"`
		} `json:"model"`
	}
	if err := json.Unmarshal(b, &tj); err != nil {
		t.Fatal(err)
	}
	if !tj.Normalizer.Lowercase {
		t.Error("lowercase from the config file was not applied")
	}
	if len(tj.Model.Vocab) > 60 || tj.Model.Vocab["[PAD]"] != 0 || tj.Model.Vocab["[MASK]"] != 4 {
		t.Errorf("vocab: %d entries, [PAD]=%d [MASK]=%d", len(tj.Model.Vocab), tj.Model.Vocab["[PAD]"], tj.Model.Vocab["[MASK]"])
	}
}

func TestTokenizerBadInput(t *testing.T) {
	dir := t.TempDir()
	badGz := filepath.Join(dir, "bad.txt.gz")
	os.WriteFile(badGz, []byte("plain text, not gzip"), 0o644)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Repeat(corpusLines(), 20)))
	zw.Close()
	truncGz := filepath.Join(dir, "trunc.txt.gz")
	os.WriteFile(truncGz, gz.Bytes()[:gz.Len()/2], 0o644)
	noCol := filepath.Join(dir, "nocol.csv")
	os.WriteFile(noCol, []byte("id,body\n1,hello there\n"), 0o644)
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("\n  \n\n"), 0o644)
	emptyCSV := filepath.Join(dir, "empty.csv")
	os.WriteFile(emptyCSV, []byte("id,text\n1,\n"), 0o644)
	badJSON := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(badJSON, []byte("{\"text\":\"ok\"}\n{\"text\": 3}\n"), 0o644)
	badCfg := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badCfg, []byte("vocab_sise: 100\n"), 0o644)
	good := filepath.Join(dir, "good.txt")
	os.WriteFile(good, []byte(corpusLines()), 0o644)

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"missing file", []string{"--corpus", filepath.Join(dir, "nope.txt")}, []string{"nope.txt", "no such file"}},
		{"directory", []string{"--corpus", dir}, []string{dir, "directory"}},
		{"unreadable gzip", []string{"--corpus", badGz}, []string{"bad.txt.gz", "gzip"}},
		{"truncated gzip", []string{"--corpus", truncGz}, []string{"trunc.txt.gz:", "truncated"}},
		{"csv without column", []string{"--corpus", noCol}, []string{"nocol.csv:1", `"text"`, "id, body"}},
		{"empty corpus", []string{"--corpus", empty}, []string{"empty.txt", "no text"}},
		{"empty csv column", []string{"--corpus", emptyCSV}, []string{"empty.csv", "no text"}},
		{"bad jsonl line", []string{"--corpus", badJSON}, []string{"bad.jsonl:2", `"text"`}},
		{"unknown config key", []string{"--corpus", good, "--config", badCfg}, []string{"bad.yaml", "vocab_sise"}},
		{"bad set value", []string{"--corpus", good, "--set", "vocab_size=lots"}, []string{"vocab_size", "lots"}},
		{"second file missing", []string{"--corpus", good, "--corpus", filepath.Join(dir, "gone.txt")}, []string{"gone.txt"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "tok")
			_, stderr, code := run(t, append([]string{"tokenizer", "--vocab-size", "50", "--out", out}, tc.args...)...)
			if code != 2 {
				t.Errorf("exit code %d, want 2 (stderr %q)", code, stderr)
			}
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			errLine := lines[len(lines)-1]
			if !strings.HasPrefix(errLine, "train: ") {
				t.Errorf("last stderr line %q is not the error", errLine)
			}
			for _, w := range tc.want {
				if !strings.Contains(errLine, w) {
					t.Errorf("error %q lacks %q", errLine, w)
				}
			}
			if _, err := os.Stat(filepath.Join(out, "tokenizer.json")); !os.IsNotExist(err) {
				t.Errorf("tokenizer.json left behind (stat: %v)", err)
			}
		})
	}
}

// readMetrics decodes every line of dir/metrics.jsonl into T.
func readMetrics[T any](t *testing.T, dir string) []T {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var m T
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// interruptAfterCheckpoint starts the CLI with args, sends SIGINT once out holds a checkpoint, and
// returns the stderr and exit error of the interrupted run.
func interruptAfterCheckpoint(t *testing.T, out string, args []string) (string, error) {
	t.Helper()
	cmd := exec.Command(trainBin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(out, "trainer_state", "state.json")
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		if _, err := os.Stat(state); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint after 60 s")
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	return stderr.String(), err
}
