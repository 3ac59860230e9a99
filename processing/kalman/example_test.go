package kalman_test

import (
	"fmt"

	"myorehab/processing/kalman"
)

func ExampleFilter() {
	// Smooth a jittery class probability: measurement noise SD 0.2,
	// level drifting by about 0.02 per decision.
	f, err := kalman.NewFilter(kalman.Params{Model: kalman.RandomWalk, Q: 0.02 * 0.02, R: 0.2 * 0.2})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, p := range []float64{0.1, 0.1, 0.9, 0.1, 0.1} {
		if i > 0 {
			fmt.Print(" ")
		}
		fmt.Printf("%.3f", f.Update(p))
	}
	fmt.Printf("\nsteady-state gain %.3f\n", kalman.SteadyStateGain(0.02*0.02, 0.2*0.2))
	// Output:
	// 0.100 0.100 0.371 0.301 0.258
	// steady-state gain 0.095
}
