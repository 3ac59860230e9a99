//go:build !purego

package features

import (
	"math"

	"golang.org/x/sys/cpu"
)

// useAVX2 reports whether the CPU and the operating system support AVX2:
// golang.org/x/sys/cpu sets X86.HasAVX2 only when CPUID reports AVX2 and
// the OS saves the YMM registers (OSXSAVE and XCR0). It is read once while
// the package initialises: a constant of the machine, not mutable state.
var useAVX2 = cpu.X86.HasAVX2

// basicAVX2Min is the shortest window sent to the AVX2 kernel: below it
// basicPassGo is as fast.
const basicAVX2Min = 16

// basicPass returns what basicPassGo returns: the counts exactly, the sums
// up to rounding (the AVX2 kernel adds in a different order; the relative
// difference is below len(x)·2⁻⁵³). It uses the AVX2 kernel when the CPU
// has one and falls back to basicPassGo otherwise.
func basicPass(x []float64, sscT float64) (sumAbs, wl float64, zc, ssc int) {
	if !useAVX2 || len(x) < basicAVX2Min {
		return basicPassGo(x, sscT)
	}
	return basicPassAVX2(x, sscT)
}

// basicPassAVX2 is basicPassGo computed by basicAVX2 for the samples
// 2 … 2+4k−1 (the largest multiple of 4 that fits) and in Go for sample 1
// (whose slope test has no predecessor) and the at most 3 last samples.
// len(x) ≥ 2; the CPU must support AVX2.
func basicPassAVX2(x []float64, sscT float64) (sumAbs, wl float64, zc, ssc int) {
	t := -sscT
	m := (len(x) - 2) &^ 3
	sumAbs, wl, zc, ssc = basicAVX2(x[:2+m], t)
	x0, x1 := x[0], x[1]
	sumAbs += math.Abs(x0) + math.Abs(x1)
	wl += math.Abs(x1 - x0)
	zc += b2i(x0*x1 < 0)
	prev, dPrev := x[1+m], x[1+m]-x[m]
	for _, c := range x[2+m:] {
		d := c - prev
		sumAbs += math.Abs(c)
		wl += math.Abs(d)
		zc += b2i(prev*c < 0)
		ssc += b2i(dPrev*d <= t)
		prev, dPrev = c, d
	}
	return sumAbs, wl, zc, ssc
}

// basicAVX2 returns, over n = 2 … len(x)−1, Σ|x[n]|, Σ|x[n]−x[n−1]|, the
// number of n with x[n−1]·x[n] < 0 and the number of n with
// (x[n−1]−x[n−2])·(x[n]−x[n−1]) ≤ t, four samples per AVX2 instruction
// (comparisons ordered and quiet: false on NaN, as in Go). len(x) ≥ 2 and
// len(x)−2 is a multiple of 4; the CPU must support AVX2.
//
//go:noescape
func basicAVX2(x []float64, t float64) (sumAbs, wl float64, zc, ssc int)
