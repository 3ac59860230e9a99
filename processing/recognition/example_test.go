package recognition_test

import (
	"fmt"

	"myorehab/processing/recognition"
)

// The default pipeline, and a variant for a noisier amplifier: the Spec
// describes the whole front end, so the model trained with it always runs
// behind the same filter, window and features.
func ExampleDefault() {
	s := recognition.Default()
	fmt.Println(s)
	s.Filter = &recognition.FilterSpec{LowHz: 20, HighHz: 450, Order: 4, NotchHz: 50, Q: 30}
	s.Votes = 3
	fmt.Println(s)
	fmt.Println(s.Validate(8, 1000))
	fmt.Println(s.Validate(8, 250) != nil) // 450 Hz is above Nyquist: dropped, still valid
	at, _ := s.At(250)                     // a 250 Hz amplifier: the same durations in samples
	fmt.Println(at.Window, at.Increment, s.VoteSpanMs(250))
	// Output:
	// LS4+TDAR → lda, 300/50 ms
	// filter 20-450 Hz/4 notch 50, LS4+TDAR → lda, 300/50 ms, vote 3
	// <nil>
	// false
	// 75 13 150
}
