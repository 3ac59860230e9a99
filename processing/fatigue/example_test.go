package fatigue_test

import (
	"fmt"
	"math"

	"myorehab/acquisition"
	"myorehab/processing/fatigue"
)

func ExampleTracker() {
	const fs = 1000.0
	tr, err := fatigue.NewTracker(fatigue.DefaultConfig(fs), 1, 3600)
	if err != nil {
		fmt.Println(err)
		return
	}
	// 3 s of a 100 Hz + 200 Hz mixture, fed in 50-sample blocks.
	b := acquisition.NewBlock(1, 50)
	for n := 0; n < 3000; n += b.Cap {
		b.Start, b.Len = uint64(n), b.Cap
		for i := range b.Len {
			t := float64(n+i) / fs
			b.Data[i] = math.Sin(2*math.Pi*100*t) + math.Sin(2*math.Pi*200*t)
		}
		tr.Process(b) // a 1 s point completes every 20 blocks
	}
	for _, w := range tr.Windows(0) {
		fmt.Printf("t %.0f s: MNF %.1f Hz, RMS %.3f\n", w.TStartS, w.MNFHz, w.RMS)
	}
	// Output:
	// t 0 s: MNF 150.0 Hz, RMS 1.000
	// t 1 s: MNF 150.0 Hz, RMS 1.000
	// t 2 s: MNF 150.0 Hz, RMS 1.000
}
