package condition_test

import (
	"fmt"

	"myorehab/processing/condition"
)

func ExampleSNRdB() {
	rest := []float64{0.5, -0.5, 0.5, -0.5}
	active := []float64{5, -5, 5, -5}
	fmt.Printf("%.1f dB\n", condition.SNRdB(active, rest))
	// Output: 20.0 dB
}

func ExampleFitZScore() {
	z, err := condition.FitZScore([][]float64{{1, 3}, {10, 30}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(z.Mean, z.Std, z.Normalize(nil, []float64{3, 10}))
	// Output: [2 20] [1 10] [1 -1]
}
