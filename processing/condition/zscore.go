package condition

import (
	"errors"
	"fmt"
	"math"

	"myorehab/acquisition"
)

// ZScore holds per-channel (or per-feature) normalisation statistics,
//
//	y = (x − Mean[c]) / Std[c]
//
// fitted once on a patient's calibration data with FitZScore and stored
// with the patient's model (it marshals to JSON as {"mean":[…],"std":[…]}).
// Mean is in the unit of the data, Std too (population standard deviation,
// ddof 0, as sklearn's StandardScaler). A ZScore is read-only after fitting
// and safe for concurrent use.
type ZScore struct {
	Mean []float64 `json:"mean"`
	Std  []float64 `json:"std"`
}

// ErrFlat is wrapped by FitZScore and Validate when a channel has zero (or
// non-finite) standard deviation, e.g. a disconnected electrode.
var ErrFlat = errors.New("condition: channel has no variance")

// FitZScore returns the mean and standard deviation of every channel of
// calib (one slice per channel; lengths may differ, each ≥ 2 samples). It
// returns an error for no channels, a channel shorter than 2 samples, a
// non-finite sample, or a flat channel (wrapping ErrFlat).
func FitZScore(calib [][]float64) (ZScore, error) {
	if len(calib) == 0 {
		return ZScore{}, errors.New("condition: no calibration channels")
	}
	z := ZScore{Mean: make([]float64, len(calib)), Std: make([]float64, len(calib))}
	for c, x := range calib {
		if len(x) < 2 {
			return ZScore{}, fmt.Errorf("condition: channel %d has %d calibration samples, need at least 2", c, len(x))
		}
		var s float64
		for _, v := range x {
			s += v
		}
		m := s / float64(len(x))
		var ss float64
		for _, v := range x {
			d := v - m
			ss += d * d
		}
		z.Mean[c], z.Std[c] = m, math.Sqrt(ss/float64(len(x)))
	}
	if err := z.Validate(); err != nil {
		return ZScore{}, err
	}
	return z, nil
}

// Validate checks stored statistics (after loading them): equal lengths,
// finite means, positive finite standard deviations.
func (z *ZScore) Validate() error {
	if len(z.Mean) == 0 || len(z.Mean) != len(z.Std) {
		return fmt.Errorf("condition: %d means and %d standard deviations", len(z.Mean), len(z.Std))
	}
	for c := range z.Mean {
		if math.IsNaN(z.Mean[c]) || math.IsInf(z.Mean[c], 0) {
			return fmt.Errorf("condition: channel %d mean is %v", c, z.Mean[c])
		}
		if !(z.Std[c] > 0) || math.IsInf(z.Std[c], 0) {
			return fmt.Errorf("%w: channel %d standard deviation is %v", ErrFlat, c, z.Std[c])
		}
	}
	return nil
}

// Channels returns the number of channels (or features) normalised.
func (z *ZScore) Channels() int { return len(z.Mean) }

// Normalize normalises a vector x with one value per channel (a feature
// row, say) into dst and returns it. nil dst allocates; dst and x must
// have length Channels() or Normalize panics; dst may be x.
func (z *ZScore) Normalize(dst, x []float64) []float64 {
	if len(x) != len(z.Mean) {
		panic("condition: vector length mismatch")
	}
	dst = makeOrCheck(dst, len(x))
	for c, v := range x {
		dst[c] = (v - z.Mean[c]) / z.Std[c]
	}
	return dst
}

// Transform normalises the samples src of channel c into dst and returns
// it. nil dst allocates; a wrong length panics; dst may be src.
func (z *ZScore) Transform(dst, src []float64, c int) []float64 {
	dst = makeOrCheck(dst, len(src))
	m, s := z.Mean[c], z.Std[c]
	for i, v := range src {
		dst[i] = (v - m) / s
	}
	return dst
}

// Process normalises every channel of src into dst (dst may be src) and
// copies Start, Len and Received. It panics if a channel count differs
// from Channels() or src.Len > dst.Cap. It does not allocate.
func (z *ZScore) Process(dst, src *acquisition.Block) {
	checkBlocks(dst, src, len(z.Mean))
	for c := range len(z.Mean) {
		z.Transform(dst.Data[c*dst.Cap:c*dst.Cap+src.Len], src.Chan(c), c)
	}
}

// Reset does nothing: a ZScore has no state. It completes the Stage
// contract.
func (z *ZScore) Reset() {}

func checkBlocks(dst, src *acquisition.Block, channels int) {
	if src.Channels != channels || dst.Channels != channels {
		panic("condition: block channel count mismatch")
	}
	if src.Len > dst.Cap {
		panic("condition: dst block too small")
	}
	dst.Start, dst.Len, dst.Received = src.Start, src.Len, src.Received
}

func makeOrCheck(dst []float64, n int) []float64 {
	if dst == nil {
		return make([]float64, n)
	}
	if len(dst) != n {
		panic("condition: dst length mismatch")
	}
	return dst
}
