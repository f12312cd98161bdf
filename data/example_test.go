package data_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/vigil-ml/vigil/data"
)

func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "messages.csv")
	os.WriteFile(path, []byte("id,body\n1,see you at the harbour\n2,\n3,bring the dolls\n"), 0o644)

	r, err := data.Open(path, data.Options{TextField: "body"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	for r.Next() {
		id, _ := r.Field("id")
		fmt.Printf("line %d id %s: %s\n", r.Pos().Line, id, r.Text())
	}
	if err := r.Err(); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%d records, %d skipped\n", r.Stats().Records, r.Stats().Skipped)
	// Output:
	// line 2 id 1: see you at the harbour
	// line 4 id 3: bring the dolls
	// 2 records, 1 skipped
}

func ExampleOpenAt() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "chats.txt")
	os.WriteFile(path, []byte("first\nsecond\nthird\n"), 0o644)

	r, err := data.Open(path, data.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	r.Next()
	mark := r.Mark() // saved in a checkpoint
	r.Close()
	fmt.Printf("resume at %+v\n", mark)

	r, err = data.OpenAt([]string{path}, data.Options{}, mark)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	for r.Next() {
		fmt.Println(r.Pos().Line, r.Text())
	}
	// Output:
	// resume at {File:0 Offset:6 Line:1 Records:1}
	// 2 second
	// 3 third
}

func ExampleReadLabelled() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "labelled.csv")
	os.WriteFile(path, []byte("id,text,threat\n1,sleep well,no\n2,you will disappear,yes\n"), 0o644)

	l, err := data.ReadLabelled([]string{path}, data.LabelOptions{Labels: []string{"threat"}, IDField: "id"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, text := range l.Texts {
		fmt.Printf("%s %q threat=%v\n", l.IDs[i], text, l.Labels[i][0])
	}
	fmt.Println("positives:", l.Positives())
	// Output:
	// 1 "sleep well" threat=false
	// 2 "you will disappear" threat=true
	// positives: [1]
}
