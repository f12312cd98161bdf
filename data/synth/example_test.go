package synth_test

import (
	"fmt"
	"os"

	"github.com/vigil-ml/vigil/data/synth"
)

func Example() {
	msgs := synth.Mined(1, 10)
	train, dev, test := synth.Split(msgs, 0.2, 0.2)
	fmt.Println(len(train), len(dev), len(test))
	if err := synth.WriteCSV(os.Stdout, msgs[:5]); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 6 2 2
	// id,text,threat,drugs
	// msg-000001,I will murder you if you spoil the ending 😂 😂,0,0
	// msg-000002,btw this pill hits so hard you're dead for hours ok?,0,1
	// msg-000003,"Listen my phone just died, call the landline 😂",0,0
	// msg-000004,HEY IK BEN ECHT BIJNA DOOD VAN DE HITTE VANDAAG FR,0,0
	// msg-000005,ik ga slapen,0,0
}
