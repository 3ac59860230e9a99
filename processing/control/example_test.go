package control_test

import (
	"fmt"
	"time"

	"myorehab/processing/control"
	"myorehab/processing/pipeline"
	"myorehab/processing/quality"
)

// A patient grips with EMG-triggered assistance at 50 %; then the FDS
// electrode comes off and the glove ramps back to the open hand.
func ExampleController_Step() {
	cfg := control.DefaultConfig([]string{"rest", "power grip", "open hand"}, 2)
	cfg.ChannelLabels = []string{"FDS", "EDC"}
	c, err := control.NewController(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	good := quality.Status{Level: quality.Good, OKForControl: true}
	in := control.Input{
		Quality: []quality.Status{good, good},
		Link:    control.LinkHealthy,
		Armed:   true,
		Stable:  true,
	}
	dst := make([]control.Target, c.Fingers())
	var st control.Status
	run := func(d time.Duration) { // a 50 Hz loop with a decision per step
		for end := in.Now + d; in.Now < end; {
			in.Now += 20 * time.Millisecond
			in.Decision = pipeline.Decision{Sample: in.Decision.Sample + 50, Class: 1, Confidence: 0.93, Level: 0.4}
			in.DecidedAt = in.Now
			st = c.Step(dst, in)
		}
	}
	show := func() {
		fmt.Println(st)
		for _, t := range dst {
			p, f, v := t.Wire()
			fmt.Printf(" %4d‰ %3dcN %3d‰/s", p, f, v)
		}
		fmt.Println()
	}
	run(500 * time.Millisecond)
	show()
	run(2 * time.Second)
	show()
	in.Quality[0] = quality.Status{Level: quality.Bad, Reasons: []quality.Reason{{Code: quality.Flat, Level: quality.Bad}}}
	run(500 * time.Millisecond)
	show()
	run(c.RampTime())
	show()
	// Output:
	// active: EMG-triggered, power grip
	//   240‰ 550cN 500‰/s  240‰ 550cN 500‰/s  240‰ 550cN 500‰/s  240‰ 550cN 500‰/s  240‰ 550cN 500‰/s
	// active: EMG-triggered, power grip
	//   700‰ 550cN 500‰/s 1000‰ 550cN 500‰/s 1000‰ 550cN 500‰/s 1000‰ 550cN 500‰/s 1000‰ 550cN 500‰/s
	// ramping to safe: electrode off on FDS
	//   450‰ 100cN 500‰/s  750‰ 100cN 500‰/s  750‰ 100cN 500‰/s  750‰ 100cN 500‰/s  750‰ 100cN 500‰/s
	// safe: electrode off on FDS
	//     0‰ 100cN 500‰/s    0‰ 100cN 500‰/s    0‰ 100cN 500‰/s    0‰ 100cN 500‰/s    0‰ 100cN 500‰/s
}
