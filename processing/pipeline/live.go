package pipeline

import (
	"math"
	"sync/atomic"
	"time"

	"myorehab/acquisition"
	"myorehab/processing"
	"myorehab/processing/fatigue"
	"myorehab/processing/quality"
)

// LiveConfig configures a Live view of a stream.
type LiveConfig struct {
	// Info describes the stream. Channels and SampleRateHz are required.
	Info acquisition.StreamInfo
	// Filter, Fatigue and Quality are used by Process only, which
	// conditions the stream itself; a Live fed by Take reads a shared
	// Conditioner's output instead.
	//
	// Filter conditions the signal for the filtered traces; nil shows the
	// raw signal in both.
	Filter processing.Stage
	// BlockCap is the largest block Process will be given (samples per channel).
	BlockCap int
	// SpanSeconds is the time the traces cover; default 5.
	SpanSeconds float64
	// Points is the number of min/max points per trace; default 500.
	Points int
	// RMSSeconds is the RMS window of the filtered signal; default 0.2.
	RMSSeconds float64
	// PublishHz is how often a Snapshot is published, counted in samples
	// (so it follows the stream, not the wall clock); default 30. A
	// Snapshot is made only when the previous one has been looked at
	// (Snapshot called since), so a stream nobody watches (a headless
	// recording, the control loop) makes no garbage.
	PublishHz float64
	// Fatigue, when set, tracks median frequency and RMS of the filtered
	// signal in non-overlapping windows (fatigue.DefaultConfig: 1 s) and
	// publishes the trends in Snapshot.Fatigue.
	Fatigue *fatigue.Tracker
	// Quality, when set, judges the raw signal of every channel (electrode
	// off, clipping, mains, motion) and publishes it in Snapshot.Quality.
	Quality *quality.Monitor
}

// Live turns a stream of Blocks into Snapshots for the UI.
type Live struct {
	cfg      LiveConfig
	channels int
	cond     *Conditioner // Process's own conditioning

	bin                    int // samples per point
	points                 int
	head, count            int // ring of finished points
	rawMin, rawMax         [][]float32
	filtMin, filtMax       [][]float32
	accRMin, accRMax       []float32
	accFMin, accFMax       []float32
	accN                   int
	rmsSq                  [][]float64 // ring of squares per channel
	rmsSum                 []float64
	rmsHead, rmsLen, rmsN  int
	end                    uint64
	sinceSnap, publishEach int
	seq                    uint64
	snap                   atomic.Pointer[Snapshot]
	wanted                 atomic.Bool // Snapshot was called since the last publish
	conds                  *Conditions // of the newest block
	latest                 atomic.Pointer[Conditions]
}

// Conditions returns the conditions of the newest block taken (Take), or
// nil; safe to call from any goroutine, for the screens that show which
// notch is in use.
func (l *Live) Conditions() *Conditions { return l.latest.Load() }

// NewLive returns a Live for cfg. It panics on a programmer error
// (no channels, no rate, no block capacity).
func NewLive(cfg LiveConfig) *Live {
	ch := cfg.Info.Channels
	if ch <= 0 || cfg.Info.SampleRateHz <= 0 || cfg.BlockCap <= 0 {
		panic("pipeline: LiveConfig needs channels, rate and block capacity")
	}
	if cfg.SpanSeconds <= 0 {
		cfg.SpanSeconds = 5
	}
	if cfg.Points <= 0 {
		cfg.Points = 500
	}
	if cfg.RMSSeconds <= 0 {
		cfg.RMSSeconds = 0.2
	}
	if cfg.PublishHz <= 0 {
		cfg.PublishHz = 30
	}
	fs := cfg.Info.SampleRateHz
	span := int(math.Round(cfg.SpanSeconds * fs))
	bin := max(1, int(math.Ceil(float64(span)/float64(cfg.Points))))
	l := &Live{
		cfg:         cfg,
		channels:    ch,
		bin:         bin,
		points:      max(1, span/bin),
		rmsN:        max(1, int(math.Round(cfg.RMSSeconds*fs))),
		publishEach: max(1, int(math.Round(fs/cfg.PublishHz))),
	}
	mk := func() [][]float32 {
		m := make([][]float32, ch)
		for c := range m {
			m[c] = make([]float32, l.points)
		}
		return m
	}
	l.rawMin, l.rawMax, l.filtMin, l.filtMax = mk(), mk(), mk(), mk()
	l.accRMin, l.accRMax = make([]float32, ch), make([]float32, ch)
	l.accFMin, l.accFMax = make([]float32, ch), make([]float32, ch)
	l.rmsSq = make([][]float64, ch)
	for c := range l.rmsSq {
		l.rmsSq[c] = make([]float64, l.rmsN)
	}
	l.rmsSum = make([]float64, ch)
	if cfg.Filter != nil || cfg.Quality != nil || cfg.Fatigue != nil {
		cc := ConditionerConfig{Info: cfg.Info, BlockCap: cfg.BlockCap, Quality: cfg.Quality, Fatigue: cfg.Fatigue}
		if cfg.Filter != nil {
			cc.Filters = []MainsFilter{{Filter: cfg.Filter}}
		}
		l.cond = NewConditioner(cc)
	}
	return l
}

// Process conditions one block of the stream with the Filter, Quality and
// Fatigue of the LiveConfig and takes it (Take). It does not allocate
// unless it publishes a Snapshot. Only one goroutine may call it.
func (l *Live) Process(b *acquisition.Block) {
	if l.cond == nil {
		l.Take(b, b, nil)
		return
	}
	clean, c := l.cond.Process(b)
	l.Take(b, clean, c)
}

// Take adds one block of the stream: raw as read (µV), f the same samples
// conditioned (filtered, µV; may be raw itself), and the stream's
// Conditions (nil: no quality or fatigue shown). It does not allocate
// unless it publishes a Snapshot. Only one goroutine may call it.
func (l *Live) Take(b, f *acquisition.Block, c *Conditions) {
	if b.Channels != l.channels || f.Channels != l.channels || f.Len != b.Len {
		panic("pipeline: block channel count mismatch")
	}
	if c != l.conds && c != nil {
		l.latest.Store(c) // only when they change: new Conditions are rare
	}
	l.conds = c
	for i := 0; i < b.Len; i++ {
		if l.accN == 0 {
			for c := 0; c < l.channels; c++ {
				l.accRMin[c], l.accRMax[c] = float32(math.Inf(1)), float32(math.Inf(-1))
				l.accFMin[c], l.accFMax[c] = float32(math.Inf(1)), float32(math.Inf(-1))
			}
		}
		for c := 0; c < l.channels; c++ {
			r := float32(b.Data[c*b.Cap+i])
			v := f.Data[c*f.Cap+i]
			fv := float32(v)
			l.accRMin[c] = min(l.accRMin[c], r)
			l.accRMax[c] = max(l.accRMax[c], r)
			l.accFMin[c] = min(l.accFMin[c], fv)
			l.accFMax[c] = max(l.accFMax[c], fv)
			sq := v * v
			l.rmsSum[c] += sq - l.rmsSq[c][l.rmsHead]
			l.rmsSq[c][l.rmsHead] = sq
		}
		l.rmsHead++
		if l.rmsHead == l.rmsN {
			// Recompute the running sums once per window so rounding
			// errors of the add/subtract updates cannot accumulate.
			l.rmsHead = 0
			for c := range l.rmsSum {
				var s float64
				for _, v := range l.rmsSq[c] {
					s += v
				}
				l.rmsSum[c] = s
			}
		}
		l.rmsLen = min(l.rmsLen+1, l.rmsN)
		l.accN++
		if l.accN == l.bin {
			for c := 0; c < l.channels; c++ {
				l.rawMin[c][l.head], l.rawMax[c][l.head] = l.accRMin[c], l.accRMax[c]
				l.filtMin[c][l.head], l.filtMax[c][l.head] = l.accFMin[c], l.accFMax[c]
			}
			l.head = (l.head + 1) % l.points
			l.count = min(l.count+1, l.points)
			l.accN = 0
		}
	}
	l.end = b.End()
	l.sinceSnap += b.Len
	if l.sinceSnap >= l.publishEach && (l.wanted.Load() || l.snap.Load() == nil) {
		l.sinceSnap = 0
		l.publish(b.Received)
	}
}

// publish makes a new immutable Snapshot (this is the one allocation).
func (l *Live) publish(at time.Time) {
	l.wanted.Store(false)
	l.seq++
	s := &Snapshot{
		Seq:         l.seq,
		Info:        l.cfg.Info,
		End:         l.end,
		Published:   at,
		SpanSeconds: float64(l.points*l.bin) / l.cfg.Info.SampleRateHz,
		BinSamples:  l.bin,
		RMSUV:       make([]float64, l.channels),
	}
	n := l.count
	start := (l.head - n + l.points) % l.points
	cp := func(src [][]float32) [][]float32 {
		out := make([][]float32, l.channels)
		buf := make([]float32, l.channels*n)
		for c := range out {
			out[c] = buf[c*n : (c+1)*n : (c+1)*n]
			k := copy(out[c], src[c][start:min(start+n, l.points)])
			copy(out[c][k:], src[c][:n-k])
		}
		return out
	}
	s.RawMin, s.RawMax = cp(l.rawMin), cp(l.rawMax)
	s.FilteredMin, s.FilteredMax = cp(l.filtMin), cp(l.filtMax)
	for c := range s.RMSUV {
		if l.rmsLen > 0 {
			s.RMSUV[c] = math.Sqrt(max(0, l.rmsSum[c]) / float64(l.rmsLen))
		}
	}
	if c := l.conds; c != nil {
		s.Quality, s.Fatigue = c.Quality, c.Fatigue
	}
	l.snap.Store(s)
}

// Snapshot returns the latest published Snapshot, or nil before the first,
// and asks for a new one at the next publishing point.
// Safe from any goroutine.
func (l *Live) Snapshot() *Snapshot {
	l.wanted.Store(true)
	return l.snap.Load()
}
