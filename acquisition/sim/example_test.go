package sim_test

import (
	"fmt"
	"strings"

	"myorehab/acquisition"
	"myorehab/acquisition/sim"
)

// A simulated patient under manual control, as a calibration test drives it.
func ExampleSimulator() {
	cfg := sim.DefaultConfig()
	cfg.Channels, cfg.Seed, cfg.Manual = 4, 1, true
	s, err := sim.NewSimulator(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	x := make([]float64, s.Channels())
	labels := s.Config().Labels
	for _, g := range []sim.Gesture{sim.WristFlexion, sim.OpenHand} {
		s.SetGesture(g)
		s.SetLevel(0.5)
		var sum [4]float64
		for range 2000 { // 2 s
			s.Next(x)
			for c, v := range x {
				sum[c] += v * v
			}
		}
		loudest := 0
		for c := range sum {
			if sum[c] > sum[loudest] {
				loudest = c
			}
		}
		fmt.Printf("%v: loudest channel %s\n", s.Current(), labels[loudest])
	}
	// Output:
	// wrist flexion: loudest channel FCU
	// open hand: loudest channel EDC
}

func ExampleParseScript() {
	script, err := sim.ParseScript(strings.NewReader(`
# warm-up
rest 2
power grip 3 0.8   # strong
open-hand 1.5
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.1f s\n%v", script.Seconds(), script)
	// Output:
	// 6.5 s
	// rest 2 0
	// power-grip 3 0.8
	// open-hand 1.5 1
}

func ExampleSource() {
	src, err := sim.NewSource(sim.SourceConfig{Config: sim.Config{Channels: 2, Seed: 3}}) // unpaced
	if err != nil {
		fmt.Println(err)
		return
	}
	defer src.Close()
	b := acquisition.NewBlock(2, 250)
	for range 3 {
		if err := src.ReadBlock(b); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(b.Start, b.Len)
	}
	src.Close()
	fmt.Println(src.ReadBlock(b))
	// Output:
	// 0 250
	// 250 250
	// 500 250
	// acquisition: source closed
}
