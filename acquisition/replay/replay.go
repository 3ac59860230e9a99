package replay

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
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

// Protocol is the StreamInfo.Protocol of a replay.
const Protocol = "replay"

// Annotation is an event in a recording, e.g. "grip" or a gesture hold.
type Annotation struct {
	// Onset is the sample index at which the event starts. In a
	// Recording it counts from the recording's first sample; in what
	// Source hands out it counts from the stream's first sample, so
	// later loops have later onsets (Onset + loop × recording length).
	Onset uint64
	// DurationS is the event's duration in seconds, 0 when unknown or
	// instantaneous.
	DurationS float64
	// Text is the annotation's text.
	Text string
}

// Recording is a recording held in memory.
type Recording struct {
	// Raw holds the raw counts of each channel (planar: Raw[c][i] is
	// sample i of channel c); every channel has the same, non-zero length.
	// The Source reads it in place: do not modify it while the Source runs.
	Raw [][]int32
	// ScaleUV is the size of one count in µV, per channel
	// (µV = count × ScaleUV[c], as in acquisition.Block).
	ScaleUV []float64
	// SampleRateHz is the sampling rate in hertz.
	SampleRateHz float64
	// Labels names the channels; nil means "ch1", "ch2", ….
	Labels []string
	// Device names the recording for the user, e.g. "Replay of P01.edf".
	// Empty means "Recording".
	Device string
	// ResolutionBits is the resolution of the counts, e.g. 16 for EDF and
	// 24 for BDF; 0 when unknown.
	ResolutionBits int
	// Annotations are the recording's events, in any order.
	Annotations []Annotation
}

// Config sets how a Recording is played.
type Config struct {
	// Speed is how many times faster than real time to play when paced;
	// 0 means 1 (real time).
	Speed float64
	// Unpaced delivers samples as fast as ReadBlock is called, for tests,
	// analysis and benchmarks.
	Unpaced bool
	// Loop starts the recording again at its end, with sample indices that
	// keep increasing; otherwise ReadBlock returns io.EOF after the last
	// sample.
	Loop bool
	// OnAnnotation, when not nil, is called from ReadBlock, before it
	// returns a block, once for each annotation whose onset lies in the
	// block (in onset order). It must not block.
	OnAnnotation func(Annotation)
}

// Source plays a Recording. ReadBlock must be called from one goroutine at
// a time; Info, Stats, Position, Annotations and Close are safe from any
// goroutine.
type Source struct {
	rec   Recording
	info  acquisition.StreamInfo
	ann   []Annotation // sorted by onset
	n     uint64       // samples per pass of the recording
	paced bool
	loop  bool
	onAnn func(Annotation)

	// Owned by the ReadBlock goroutine.
	next    uint64      // stream index of the next sample
	annNext uint64      // OnAnnotation cursor: annotation number (over loops)
	clock   *pace.Clock // at SampleRateHz × Speed; sample 0 due at the first ReadBlock

	pos       atomic.Uint64 // samples delivered
	mu        sync.Mutex
	annCursor uint64 // Annotations cursor, guarded by mu
	done      chan struct{}
	closeOnce sync.Once
}

// New returns a Source that plays rec as set by cfg, or an error when rec
// is empty or inconsistent (channels of different lengths, a scale or
// label per channel missing, a rate that is not positive, an annotation
// after the end) or cfg.Speed is negative.
func New(rec Recording, cfg Config) (*Source, error) {
	nc := len(rec.Raw)
	if nc == 0 || len(rec.Raw[0]) == 0 {
		return nil, errors.New("replay: empty recording")
	}
	n := len(rec.Raw[0])
	for c, ch := range rec.Raw {
		if len(ch) != n {
			return nil, fmt.Errorf("replay: channel %d has %d samples, channel 1 has %d", c+1, len(ch), n)
		}
	}
	if len(rec.ScaleUV) != nc {
		return nil, fmt.Errorf("replay: %d scales for %d channels", len(rec.ScaleUV), nc)
	}
	for c, s := range rec.ScaleUV {
		if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("replay: channel %d scale %g µV", c+1, s)
		}
	}
	if !(rec.SampleRateHz > 0) || math.IsInf(rec.SampleRateHz, 0) {
		return nil, fmt.Errorf("replay: sample rate %g Hz", rec.SampleRateHz)
	}
	if rec.Labels != nil && len(rec.Labels) != nc {
		return nil, fmt.Errorf("replay: %d labels for %d channels", len(rec.Labels), nc)
	}
	speed := cfg.Speed
	if speed == 0 {
		speed = 1
	}
	if !(speed > 0) || math.IsInf(speed, 0) {
		return nil, fmt.Errorf("replay: speed %g", cfg.Speed)
	}
	ann := slices.Clone(rec.Annotations)
	for _, a := range ann {
		if a.Onset > uint64(n) {
			return nil, fmt.Errorf("replay: annotation %q at sample %d, after the end (%d)", a.Text, a.Onset, n)
		}
	}
	slices.SortStableFunc(ann, func(a, b Annotation) int {
		switch {
		case a.Onset < b.Onset:
			return -1
		case a.Onset > b.Onset:
			return 1
		}
		return 0
	})
	labels := slices.Clone(rec.Labels)
	if labels == nil {
		labels = make([]string, nc)
		for c := range labels {
			labels[c] = "ch" + strconv.Itoa(c+1)
		}
	}
	device := rec.Device
	if device == "" {
		device = "Recording"
	}
	s := &Source{
		rec: rec,
		info: acquisition.StreamInfo{
			Device:         device,
			Protocol:       Protocol,
			Channels:       nc,
			Labels:         labels,
			SampleRateHz:   rec.SampleRateHz,
			ScaleUV:        slices.Clone(rec.ScaleUV),
			ResolutionBits: rec.ResolutionBits,
		},
		ann:   ann,
		n:     uint64(n),
		paced: !cfg.Unpaced,
		loop:  cfg.Loop,
		onAnn: cfg.OnAnnotation,
		clock: pace.New(rec.SampleRateHz*speed, 0),
		done:  make(chan struct{}),
	}
	s.rec.Raw = slices.Clone(rec.Raw) // the slice headers; the counts are shared
	return s, nil
}

// Info describes the stream: protocol "replay", the recording's channels,
// labels, rate and scales. The returned value is a copy.
func (s *Source) Info() acquisition.StreamInfo { return s.info.Clone() }

// Len returns the number of samples per channel in the recording.
func (s *Source) Len() uint64 { return s.n }

// Position returns the number of samples delivered so far (the stream
// index one past the last delivered sample).
func (s *Source) Position() uint64 { return s.pos.Load() }

// Stats returns the samples delivered; a replay loses nothing.
func (s *Source) Stats() acquisition.Stats {
	return acquisition.Stats{Samples: s.pos.Load()}
}

// Close stops the replay and unblocks a pending ReadBlock, which returns
// acquisition.ErrClosed, as do all later calls. It is idempotent, safe
// from any goroutine, and returns nil.
func (s *Source) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	return nil
}

// annotation returns annotation number k counted over loops (k-th in
// onset order, the first pass first), with its onset in stream samples,
// and whether it exists (k is past the end without Loop, or there are no
// annotations).
func (s *Source) annotation(k uint64) (Annotation, bool) {
	na := uint64(len(s.ann))
	if na == 0 || (!s.loop && k >= na) {
		return Annotation{}, false
	}
	a := s.ann[k%na]
	a.Onset += (k / na) * s.n
	return a, true
}

// Annotations appends to dst the annotations whose onset is before
// Position() that earlier calls have not returned, in onset order, and
// returns the extended slice; once the recording has ended (without Loop)
// it also returns those at its very end. It is safe from any goroutine
// and independent of Config.OnAnnotation.
func (s *Source) Annotations(dst []Annotation) []Annotation {
	s.mu.Lock()
	defer s.mu.Unlock()
	pos := s.pos.Load()
	for {
		a, ok := s.annotation(s.annCursor)
		if !ok || !(a.Onset < pos || (!s.loop && pos == s.n)) {
			return dst
		}
		dst = append(dst, a)
		s.annCursor++
	}
}

// ReadBlock fills dst with up to dst.Cap consecutive samples and sets
// dst.Start, dst.Len and dst.Received; Data is Raw × ScaleUV. Paced, it
// first waits until the wall clock reaches the end of the block (sample i
// is due i/(rate × Speed) seconds after the first ReadBlock; a late reader
// catches up at once and nothing is dropped). Without Loop the last block
// may be short, and the next call returns io.EOF. It returns
// acquisition.ErrClosed, with dst.Len = 0, once Close is called. It panics
// if dst.Channels differs from Info().Channels. Unpaced, it does not
// allocate (nor does it paced, unless OnAnnotation does).
func (s *Source) ReadBlock(dst *acquisition.Block) error {
	if dst.Channels != s.info.Channels {
		panic("replay: block channel count mismatch")
	}
	dst.Len = 0
	select {
	case <-s.done:
		return acquisition.ErrClosed
	default:
	}
	want := uint64(dst.Cap)
	if !s.loop {
		if s.next >= s.n {
			return io.EOF
		}
		want = min(want, s.n-s.next)
	}
	if s.paced {
		if _, err := s.clock.Wait(s.done, s.next, want); err != nil {
			return err
		}
	}
	for i := range int(want) {
		j := (s.next + uint64(i)) % s.n
		for c := range dst.Channels {
			r := s.rec.Raw[c][j]
			dst.Raw[c*dst.Cap+i] = r
			dst.Data[c*dst.Cap+i] = float64(r) * s.info.ScaleUV[c]
		}
	}
	dst.Start, dst.Len = s.next, int(want)
	dst.Received = time.Now()
	s.next += want
	if s.onAnn != nil {
		end := s.next
		for {
			a, ok := s.annotation(s.annNext)
			if !ok || !(a.Onset < end || (!s.loop && end == s.n)) {
				break
			}
			s.onAnn(a)
			s.annNext++
		}
	}
	s.pos.Store(s.next)
	return nil
}
