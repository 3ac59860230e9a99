package classify_test

import (
	"fmt"

	"myorehab/processing/classify"
)

func ExampleTrainLDA() {
	// Two features (e.g. MAV of two muscles, µV), three gestures.
	X := [][]float64{
		{10, 11}, {12, 10}, {11, 12}, {9, 10}, // rest
		{80, 15}, {85, 12}, {78, 14}, {82, 16}, // flexion
		{14, 90}, {12, 85}, {15, 88}, {11, 92}, // extension
	}
	y := []int{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}
	m, err := classify.TrainLDA(X, y, classify.LDAConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	probs := make([]float64, m.Classes())
	c := m.Predict(probs, []float64{75, 20})
	fmt.Println(c, classify.Reject(c, probs, 0.9))
	// Output: 1 1
}

func ExampleVote() {
	v := classify.NewVote(3, 2)
	for _, c := range []int{0, 0, 1, 0, 1, 1, 1} {
		fmt.Print(v.Push(c), " ")
	}
	fmt.Println("delay", classify.DelayMs(v.Delay(), 50, 1000), "ms")
	// Output: 0 0 0 0 1 1 1 delay 50 ms
}
