//go:build !amd64 || purego

package features

// basicPass is basicPassGo: this build has no vector kernel (not amd64, or
// the purego build tag is set).
func basicPass(x []float64, sscT float64) (sumAbs, wl float64, zc, ssc int) {
	return basicPassGo(x, sscT)
}
