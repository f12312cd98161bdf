package ngram_test

import (
	"context"
	"fmt"

	"github.com/vigil-ml/vigil/ngram"
)

// A TF-IDF n-gram classifier for one label, fitted on eight texts: the character n-grams it shares
// with "abstechen" and "stech" rank the unseen "abgestochen" above a harmless text.
func ExampleFit() {
	texts := []string{
		"ich werde dich abstechen", "wir sehen uns morgen", "den stechen wir ab", "schönes wetter heute",
		"morgen bist du tot", "der zug kommt spät", "ich stech dich ab", "gute nacht",
	}
	labels := [][]bool{{true}, {false}, {true}, {false}, {true}, {false}, {true}, {false}}
	m, err := ngram.Fit(context.Background(), texts, labels, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, s := range m.Scores([]string{"er wird abgestochen", "das wetter morgen"}) {
		fmt.Printf("text %d: %.2f\n", i, s[0])
	}
	// Output:
	// text 0: 0.51
	// text 1: 0.41
}
