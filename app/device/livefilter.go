package device

import (
	"fmt"

	"myorehab/acquisition"
	"myorehab/processing/filter"
)

// Conditioning of every stream: the 20–450 Hz sEMG band (4th-order
// Butterworth, clipped to the Nyquist frequency of slow amplifiers) and a
// notch at the mains frequency.
const (
	BandLowHz  = 20
	BandHighHz = 450
	BandOrder  = 4
	NotchQ     = 30
)

// Mains is the clinic's mains frequency setting, where the notch sits.
type Mains int

// Mains settings.
const (
	// MainsAuto starts at 50 Hz and follows the frequency the quality
	// monitor finds in the signal (pipeline.Conditioner).
	MainsAuto Mains = iota
	Mains50         // Europe, Africa, most of Asia
	Mains60         // the Americas, parts of Asia
)

// ParseMains reads "auto", "50" or "60".
func ParseMains(s string) (Mains, error) {
	switch s {
	case "auto", "":
		return MainsAuto, nil
	case "50":
		return Mains50, nil
	case "60":
		return Mains60, nil
	}
	return 0, fmt.Errorf("mains frequency %q: use 50, 60 or auto", s)
}

// String returns "auto", "50" or "60".
func (m Mains) String() string {
	switch m {
	case Mains50:
		return "50"
	case Mains60:
		return "60"
	}
	return "auto"
}

// frequencies returns the notch frequencies in hertz, the first in use at
// the start.
func (m Mains) frequencies() []float64 {
	switch m {
	case Mains50:
		return []float64{50}
	case Mains60:
		return []float64{60}
	}
	return []float64{50, 60}
}

// ConditioningFilter builds the conditioning filter chain of a stream with
// the notch at mainsHz.
func ConditioningFilter(info acquisition.StreamInfo, mainsHz float64) (*filter.Chain, error) {
	return filter.NewEMGChain(info.SampleRateHz, info.Channels, BandLowHz, BandHighHz, BandOrder, mainsHz, NotchQ)
}
