package wavelet_test

import (
	"fmt"
	"math"

	"myorehab/processing/wavelet"
)

func ExampleTransform() {
	w, err := wavelet.New("db4")
	if err != nil {
		fmt.Println(err)
		return
	}
	tr, err := wavelet.NewTransform(w, 100, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	x := make([]float64, 100)
	for i := range x {
		x[i] = math.Sin(float64(i) / 5)
	}
	coeffs := tr.Decompose(nil, x) // cA2, cD2, cD1
	y := tr.Reconstruct(nil, coeffs)
	var maxErr float64
	for i := range x {
		maxErr = math.Max(maxErr, math.Abs(y[i]-x[i]))
	}
	fmt.Println("lengths:", tr.CoeffLens())
	fmt.Println("perfect reconstruction:", maxErr < 1e-12)
	// Output:
	// lengths: [30 30 53]
	// perfect reconstruction: true
}

func ExampleDenoiser() {
	w, _ := wavelet.New("sym4")
	const n = 512
	d, err := wavelet.NewDenoiser(w, n, 4, wavelet.Universal, wavelet.Soft)
	if err != nil {
		fmt.Println(err)
		return
	}
	x := make([]float64, n)
	for i := range x {
		x[i] = math.Sin(2 * math.Pi * float64(i) / 128)
		if i%2 == 0 { // "noise" at the Nyquist frequency
			x[i] += 0.05
		} else {
			x[i] -= 0.05
		}
	}
	y := d.Denoise(nil, x)
	fmt.Printf("sigma %.3f, threshold %.3f\n", d.Sigma(), d.Thresholds(nil)[3])
	fmt.Printf("x[32] %.3f → y[32] %.3f\n", x[32], y[32])
	// Output:
	// sigma 0.105, threshold 0.370
	// x[32] 1.050 → y[32] 1.003
}
