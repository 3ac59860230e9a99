package features_test

import (
	"fmt"

	"myorehab/processing/features"
)

func ExampleSet_Extract() {
	// Hudgins' time-domain set on a 2-channel, 8-sample window.
	s, err := features.NewSet([]string{"TD"}, 2, 8, features.DefaultParams())
	if err != nil {
		fmt.Println(err)
		return
	}
	w := [][]float64{
		{1, -2, 0, 3, 3, -1, 2, -2},
		{0, 1, 2, 3, 4, 5, 6, 7},
	}
	dst := make([]float64, s.Len()) // reuse dst for every window: no allocation
	s.Extract(dst, w)
	for i, name := range s.Names() {
		fmt.Printf("%s=%g ", name, dst[i])
	}
	fmt.Println()
	// Output:
	// MAV_0=1.75 MAV_1=3.5 ZC_0=4 ZC_1=0 SSC_0=5 SSC_1=0 WL_0=19 WL_1=7
}

func ExampleNewSet_unknown() {
	_, err := features.NewSet([]string{"MAV", "XYZ"}, 8, 200, features.DefaultParams())
	fmt.Println(err != nil)
	// Output: true
}
