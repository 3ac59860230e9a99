// Package pace holds the wall-clock pacing shared by the sources that
// make samples up instead of reading them from a device (acquisition/sim,
// acquisition/replay): sample i is due i/rate seconds after the first
// Wait, blocks arrive without drift, and a late reader catches up at once.
//
// It is internal to acquisition: the sources document their own
// behaviour.
package pace

import (
	"time"

	"myorehab/acquisition"
)

// Clock paces one stream. It is owned by the source's ReadBlock goroutine.
type Clock struct {
	// Now is the wall clock, time.Now unless a test replaces it.
	Now func() time.Time

	rateHz  float64
	maxLag  time.Duration
	t0      time.Time
	started bool
	timer   *time.Timer
}

// New returns a Clock delivering rateHz samples per second. A reader more
// than maxLag behind loses the samples it missed (see Wait); maxLag 0
// means it never loses any. It panics if rateHz is not positive.
func New(rateHz float64, maxLag time.Duration) *Clock {
	if !(rateHz > 0) {
		panic("pace: rate must be positive")
	}
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &Clock{Now: time.Now, rateHz: rateHz, maxLag: maxLag, timer: t}
}

// Start sets the wall-clock time of sample 0 if no Wait has set it yet.
func (c *Clock) Start(t0 time.Time) {
	if !c.started {
		c.t0, c.started = t0, true
	}
}

// Due returns the wall-clock time at which sample i has been delivered:
// t0 + i/rate.
func (c *Clock) Due(i uint64) time.Time {
	return c.t0.Add(time.Duration(float64(i) / c.rateHz * float64(time.Second)))
}

// Wait blocks until samples next … next+n−1 are due, that is until
// Due(next+n); the first Wait starts the clock. With a maxLag, a reader
// that is more than maxLag behind Due(next) first skips ahead so that the
// block ends at the sample due now: skip is the number of samples lost,
// and the block starts at next+skip. Wait returns acquisition.ErrClosed if
// done closes meanwhile.
func (c *Clock) Wait(done <-chan struct{}, next, n uint64) (skip uint64, err error) {
	now := c.Now()
	c.Start(now)
	if c.maxLag > 0 && now.Sub(c.Due(next)) > c.maxLag {
		// The block ending now starts here; samples before it are lost.
		if due := uint64(now.Sub(c.t0).Seconds() * c.rateHz); due > next+n {
			skip = due - n - next
		}
	}
	d := c.Due(next + skip + n).Sub(now)
	if d <= 0 {
		return skip, nil
	}
	c.timer.Reset(d)
	select {
	case <-c.timer.C:
		return skip, nil
	case <-done:
		c.timer.Stop()
		return skip, acquisition.ErrClosed
	}
}
