package spectrum_test

import (
	"fmt"
	"math"

	"myorehab/processing/spectrum"
)

func ExampleWelch() {
	const fs = 1000.0
	w, err := spectrum.NewWelch(fs, 256, 128)
	if err != nil {
		fmt.Println(err)
		return
	}
	// 1 s of a 125 Hz tone (bin 32 of 256 at 1000 Hz).
	x := make([]float64, 1000)
	for i := range x {
		x[i] = math.Sin(2 * math.Pi * 125 * float64(i) / fs)
	}
	f := w.Freqs(nil)
	psd := w.PSD(nil, x) // reuse psd on the next call: no allocation
	fmt.Printf("%d bins, %d segments\n", w.Bins(), w.Segments(len(x)))
	fmt.Printf("MNF %.2f Hz, MDF %.2f Hz\n",
		spectrum.MeanFrequency(f, psd, 20, 450),
		spectrum.MedianFrequency(f, psd, 20, 450))
	// Output:
	// 129 bins, 6 segments
	// MNF 125.00 Hz, MDF 123.05 Hz
}

func ExampleSTFT() {
	s, err := spectrum.NewSTFT(1000, 128, 64)
	if err != nil {
		fmt.Println(err)
		return
	}
	x := make([]float64, 1000)
	for i := range x {
		x[i] = 2 * math.Cos(2*math.Pi*250*float64(i)/1000) // bin 32
	}
	mag := s.Magnitude(nil, x) // frame-major: mag[j*s.Bins()+k]
	j := 8                     // a frame away from the zero-padded edges
	fmt.Printf("%d frames × %d bins; frame %d at %.3f s: |Z| at 250 Hz = %.2f\n",
		s.Frames(len(x)), s.Bins(), j, s.Times(nil, len(x))[j], mag[j*s.Bins()+32])
	// Output:
	// 17 frames × 65 bins; frame 8 at 0.512 s: |Z| at 250 Hz = 1.00
}
