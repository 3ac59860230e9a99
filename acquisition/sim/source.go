package sim

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"myorehab/acquisition"
	"myorehab/acquisition/internal/pace"
)

var (
	_ acquisition.Source     = (*Source)(nil)
	_ acquisition.StatSource = (*Source)(nil)
)

// DefaultScaleUV is the default size of one raw count in µV: that of the
// OpenBCI Cyton's ADS1299 at gain 24 (4.5 V reference, 24-bit signed).
//
//	4.5e6 µV / 24 / (2²³ − 1) ≈ 0.02235 µV
const DefaultScaleUV = 4.5e6 / 24 / (1<<23 - 1)

// maxCount is the largest magnitude of a 24-bit signed count; samples beyond
// ±maxCount counts clip, like a saturated ADC.
const maxCount = 1<<23 - 1

// maxLag is how far a paced Source may fall behind the wall clock before it
// drops samples, as a real amplifier's buffer would overflow.
const maxLag = time.Second

// SourceConfig configures a Source.
type SourceConfig struct {
	// Config configures the Simulator the Source runs.
	Config
	// Paced delivers samples in real time, as a real amplifier does: a
	// block of n samples takes n/RateHz seconds to arrive.
	// When false, ReadBlock returns at once (for tests and benchmarks).
	Paced bool
	// ScaleUV is the size of one raw count in µV; 0 means DefaultScaleUV.
	ScaleUV float64
}

// Source is an acquisition.Source and acquisition.StatSource backed by a
// Simulator. Raw counts are the simulated µV quantised to ScaleUV (rounded,
// clipped to 24 bits), and Data is exactly Raw × ScaleUV.
//
// ReadBlock must be called from one goroutine at a time; Info, Stats,
// Simulator and Close are safe from any goroutine.
type Source struct {
	sim   *Simulator
	info  acquisition.StreamInfo
	paced bool
	scale float64

	// Owned by the ReadBlock goroutine.
	sample []float64
	next   uint64      // index of the next sample to deliver
	clock  *pace.Clock // sample 0 is due at the first paced ReadBlock

	samples, lost atomic.Uint64
	done          chan struct{}
	closeOnce     sync.Once
}

// NewSource returns a Source running a new Simulator for cfg.Config, or an
// error if cfg is invalid.
func NewSource(cfg SourceConfig) (*Source, error) {
	sim, err := NewSimulator(cfg.Config)
	if err != nil {
		return nil, err
	}
	scale := cfg.ScaleUV
	if scale == 0 {
		scale = DefaultScaleUV
	}
	if !(scale > 0) || math.IsInf(scale, 0) {
		return nil, fmt.Errorf("sim: scale %g µV/count must be finite and positive", scale)
	}
	c := sim.Config()
	scales := make([]float64, c.Channels)
	for i := range scales {
		scales[i] = scale
	}
	return &Source{
		sim: sim,
		info: acquisition.StreamInfo{
			Device:         "Simulated amplifier",
			Protocol:       "sim",
			Channels:       c.Channels,
			Labels:         c.Labels,
			SampleRateHz:   c.RateHz,
			ScaleUV:        scales,
			ResolutionBits: 24,
		},
		paced:  cfg.Paced,
		scale:  scale,
		sample: make([]float64, c.Channels),
		clock:  pace.New(c.RateHz, maxLag),
		done:   make(chan struct{}),
	}, nil
}

// Simulator returns the Simulator behind s, to steer the simulated patient
// (SetGesture, SetLevel, SetScript).
func (s *Source) Simulator() *Simulator { return s.sim }

// Info describes the stream: device "Simulated amplifier", protocol "sim",
// 24-bit counts of ScaleUV µV. The returned value is a copy.
func (s *Source) Info() acquisition.StreamInfo { return s.info.Clone() }

// Stats returns the samples delivered so far and, for a paced Source, the
// samples dropped because the reader fell more than a second behind. Safe
// for concurrent use.
func (s *Source) Stats() acquisition.Stats {
	return acquisition.Stats{Samples: s.samples.Load(), Lost: s.lost.Load()}
}

// Close stops the source and unblocks a pending ReadBlock, which returns
// acquisition.ErrClosed, as do all later calls. It is idempotent, safe from
// any goroutine, and always returns nil.
func (s *Source) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	return nil
}

// ReadBlock fills dst with dst.Cap consecutive samples and sets dst.Start,
// dst.Len and dst.Received. A paced Source first waits until the wall clock
// reaches the end of the block's last sample period (sample i ends (i+1)/rate
// seconds after the first ReadBlock), so blocks arrive at the sample rate
// without drift and a late reader catches up at once; a reader more than a second behind loses the
// samples it missed (counted in Stats.Lost, visible as a gap in Start).
// It returns acquisition.ErrClosed, with dst.Len = 0, once Close is called.
// It panics if dst.Channels differs from Info().Channels. An unpaced
// ReadBlock does not allocate.
func (s *Source) ReadBlock(dst *acquisition.Block) error {
	if dst.Channels != s.info.Channels {
		panic("sim: block channel count mismatch")
	}
	dst.Len = 0
	select {
	case <-s.done:
		return acquisition.ErrClosed
	default:
	}
	if s.paced {
		skip, err := s.clock.Wait(s.done, s.next, uint64(dst.Cap))
		s.next += skip
		s.lost.Add(skip)
		if err != nil {
			return err
		}
	}
	for i := range dst.Cap {
		s.sim.Next(s.sample)
		for c, v := range s.sample {
			raw := int32(math.Max(-maxCount, math.Min(maxCount, math.Round(v/s.scale))))
			dst.Raw[c*dst.Cap+i] = raw
			dst.Data[c*dst.Cap+i] = float64(raw) * s.scale
		}
	}
	dst.Start, dst.Len = s.next, dst.Cap
	dst.Received = time.Now()
	s.next += uint64(dst.Cap)
	s.samples.Add(uint64(dst.Cap))
	return nil
}
