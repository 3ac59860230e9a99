package app

import (
	"myorehab/acquisition"
	"myorehab/processing/filter"
)

// Live-view conditioning: the 20–450 Hz sEMG band (4th-order Butterworth,
// clipped to the Nyquist frequency of slow amplifiers) and a notch at the
// mains frequency.
const (
	liveLoHz    = 20
	liveHiHz    = 450
	liveOrder   = 4
	liveMainsHz = 50
	liveNotchQ  = 30
)

// liveFilter builds the live-view filter chain for a stream.
func liveFilter(info acquisition.StreamInfo) (*filter.Chain, string, error) {
	c, err := filter.NewEMGChain(info.SampleRateHz, info.Channels, liveLoHz, liveHiHz, liveOrder, liveMainsHz, liveNotchQ)
	if err != nil {
		return nil, "", err
	}
	return c, c.String(), nil
}
