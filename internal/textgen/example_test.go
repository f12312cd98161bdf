package textgen_test

import (
	"fmt"

	"github.com/vigil-ml/vigil/internal/textgen"
)

func Example() {
	for _, s := range textgen.Sentences(1, 4) {
		fmt.Printf("%q\n", s)
	}
	g := textgen.New(1)
	fmt.Println(g.Sentence(textgen.German))
	// Output:
	// "unknown token [UNK] and lower [mask] and [PAD]ding"
	// "see ftp://files.example.org/a/b.tar.gz for the meeting"
	// "The report delivered the window tomorrow."
	// "(https://nl.wikipedia.org/wiki/Zoë_(naam)) <j.muller@beispiel.de>"
	// ÄRGER IN LÜBECK: BÄCKEREI GEÖFFNET!
}
