package quality_test

import (
	"fmt"

	"myorehab/acquisition"
	"myorehab/acquisition/sim"
	"myorehab/processing/quality"
)

// A simulated amplifier with strong 60 Hz mains pick-up on a resting arm.
func ExampleMonitor() {
	cfg := sim.DefaultConfig()
	cfg.Channels, cfg.MainsHz, cfg.MainsUV, cfg.Manual = 2, 60, 300, true
	cfg.Labels = []string{"FDS", "EDC"}
	src, err := sim.NewSource(sim.SourceConfig{Config: cfg})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer src.Close()
	info := src.Info()
	m, err := quality.New(info, quality.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	b := acquisition.NewBlock(info.Channels, 50)
	for range 40 { // 2 s
		if err := src.ReadBlock(b); err != nil {
			fmt.Println(err)
			return
		}
		m.Process(b)
	}
	for c := range info.Channels {
		s := m.Status(c)
		fmt.Println(s.Level, s.OKForControl)
		for _, r := range s.Reasons {
			fmt.Println(r.Message(c, info.Labels[c]))
		}
	}
	// Output:
	// bad false
	// Strong 60 Hz mains interference on electrode 1 (FDS): check the reference electrode
	// bad false
	// Strong 60 Hz mains interference on electrode 2 (EDC): check the reference electrode
}
