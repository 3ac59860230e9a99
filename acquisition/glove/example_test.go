package glove_test

import (
	"fmt"
	"time"

	"myorehab/acquisition/glove"
)

// Example shows the calls the app's control consumer makes: open the link
// with the patient's limits, arm, feed targets from processing/control at
// its own pace, read the link state cheaply, e-stop, and close (which
// disarms). It does not run: it needs a glove on /dev/ttyUSB1.
func Example() {
	l, err := glove.Open(glove.Config{
		Port:   "/dev/ttyUSB1",
		Limits: []glove.Limit{{MinPosition: 0, MaxPosition: 800, MaxForce: 600, MaxSpeed: 400}}, // one per finger
	})
	if err != nil {
		fmt.Println(err) // a sentence for the clinician
		return
	}
	defer l.Close()
	go func() {
		for e := range l.Events() {
			fmt.Println(e) // store as a session event, show faults
		}
	}()
	if err := l.Arm(42); err != nil {
		fmt.Println(err)
		return
	}
	targets := make([]glove.FingerTarget, l.Fingers())
	for range 100 {
		if l.State() != glove.LinkUp {
			break // the control layer ramps to safe and shows the fault
		}
		for i := range targets {
			targets[i] = glove.FingerTarget{Position: 500, ForceLimit: 300, MaxSpeed: 300}
		}
		l.SetTargets(targets)
		time.Sleep(20 * time.Millisecond)
	}
	l.EStop() // from the E-STOP button: ahead of anything queued
}
