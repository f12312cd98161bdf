package synth

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
)

// WriteLines writes one text per line, the plain-text corpus format.
func WriteLines(w io.Writer, texts []string) error {
	for i, t := range texts {
		if _, err := io.WriteString(w, t+"\n"); err != nil {
			return fmt.Errorf("line %d: %w", i+1, err)
		}
	}
	return nil
}

// WriteChats writes chat messages as JSON Lines, {"id":"chat-000001","text":"..."} per line.
func WriteChats(w io.Writer, texts []string) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i, t := range texts {
		rec := struct {
			ID   string `json:"id"`
			Text string `json:"text"`
		}{fmt.Sprintf("chat-%06d", i+1), t}
		if err := enc.Encode(rec); err != nil {
			return fmt.Errorf("chat %d: %w", i+1, err)
		}
	}
	return nil
}

// WriteCSV writes labelled messages as CSV with the header id,text,threat,drugs and labels 0 or 1.
func WriteCSV(w io.Writer, msgs []Message) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"id", "text", "threat", "drugs"}); err != nil {
		return err
	}
	for _, m := range msgs {
		if err := cw.Write([]string{m.ID, m.Text, bit(m.Threat), bit(m.Drugs)}); err != nil {
			return fmt.Errorf("message %s: %w", m.ID, err)
		}
	}
	cw.Flush()
	return cw.Error()
}

func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
