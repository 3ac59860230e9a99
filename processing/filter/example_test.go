package filter_test

import (
	"fmt"
	"math"

	"myorehab/acquisition"
	"myorehab/processing/filter"
)

func ExampleNewEMGChain() {
	// 250 Hz sampling: 450 Hz is above Nyquist, so only the 20 Hz
	// high-pass and the 50 Hz notch are kept.
	c, err := filter.NewEMGChain(250, 2, 20, 450, 4, 50, 30)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c)

	// A 100 µV DC offset, streamed in blocks of 25 samples for 2 s, is
	// removed by the high-pass.
	blk := acquisition.NewBlock(2, 25)
	for range 20 {
		blk.Len = 25
		for i := range blk.Data {
			blk.Data[i] = 100
		}
		c.Process(blk, blk) // in place
	}
	fmt.Printf("DC left after 2 s: %.3f µV\n", math.Abs(blk.Chan(0)[24]))

	_, err = filter.NewEMGChain(250, 2, 200, 0, 4, 50, 30)
	fmt.Println(err)
	// Output:
	// hp 20 Hz order 4; notch 50 Hz Q30
	// DC left after 2 s: 0.000 µV
	// filter: invalid parameter: low edge 200 Hz must be below the Nyquist frequency 125 Hz (sampling rate 250 Hz)
}

// The coefficients and impulse response agree with
// scipy.signal.butter(2, [20, 450], 'bandpass', fs=1000, output='sos').
func ExampleButterSOS() {
	sos, err := filter.ButterSOS(2, filter.Bandpass, 1000, 20, 450)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range sos {
		fmt.Printf("%.6f\n", s)
	}
	y := filter.SOSFilt(nil, sos, []float64{1, 0, 0, 0})
	fmt.Printf("impulse response %.4f\n", y)
	// Output:
	// [0.732022 1.464045 0.732022 1.000000 1.559708 0.641615]
	// [1.000000 -2.000000 1.000000 1.000000 -1.822480 0.837254]
	// impulse response [0.7320 0.1924 -0.4153 0.0532]
}

func ExampleCascade_Filter() {
	notch, err := filter.NotchSOS(50, 30, 1000)
	if err != nil {
		fmt.Println(err)
		return
	}
	c := filter.NewCascade([]filter.Section{notch})
	x := []float64{1, 1, 1, 1}
	y := c.Filter(nil, x[:2]) // the stream may arrive in pieces
	y = append(y, c.Filter(nil, x[2:])...)
	fmt.Printf("%.4f\n", y)
	// Output:
	// [0.9948 0.9849 0.9766 0.9707]
}
