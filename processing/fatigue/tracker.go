package fatigue

import (
	"fmt"
	"math"

	"myorehab/acquisition"
	"myorehab/processing/spectrum"
)

// chunkSeconds is the length of the chunks whose standard deviations
// estimate the noise floor.
const chunkSeconds = 0.1

// noisePercentile is the percentile of the chunk standard deviations taken
// as the noise floor.
const noisePercentile = 1.0

// Tracker is the streaming fatigue tracker for the live view. Feed it
// samples with Write or Process in blocks of any length; each time a
// window (Config.WindowLen samples, usually 1 s) completes on every channel
// it appends one Window per channel and refreshes each channel's Summary.
// Time is counted from the samples fed (gaps in Block.Start are not
// filled).
//
// Capacity is fixed at construction; once MaxWindows windows are stored
// the Tracker keeps them and ignores further input (Full reports it).
// Write and Process do not allocate. Per block the cost is O(samples); at
// a window boundary it adds one Welch PSD per channel and an O(windows)
// refresh of the summary. A Tracker is not safe for concurrent use.
type Tracker struct {
	cfg      Config
	channels int
	maxWin   int
	welch    *spectrum.Welch
	freqs    []float64
	psd      []float64

	buf  [][]float64 // per channel, the window being filled
	fill int

	chunkLen  int
	chunkN    int
	chunkSum  []float64 // per channel, over the chunk being filled
	chunkSq   []float64
	chunkSD   [][]float64 // per channel, SDs of completed non-flat chunks
	scratch   []float64
	wins      [][]Window
	summaries []Summary
}

// NewTracker returns a Tracker for channels channels that stores up to
// maxWindows windows per channel (e.g. 3600 for an hour of 1 s windows). It
// returns an error wrapping ErrConfig for an invalid cfg (fields left 0 take
// their defaults) and panics if channels or maxWindows is not positive.
func NewTracker(cfg Config, channels, maxWindows int) (*Tracker, error) {
	if channels < 1 || maxWindows < 1 {
		panic("fatigue: non-positive channel or window count")
	}
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	w, err := spectrum.NewWelch(cfg.SampleRateHz, cfg.NPerSeg, cfg.NOverlap)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	t := &Tracker{
		cfg:       cfg,
		channels:  channels,
		maxWin:    maxWindows,
		welch:     w,
		freqs:     w.Freqs(nil),
		psd:       make([]float64, w.Bins()),
		buf:       make([][]float64, channels),
		chunkLen:  max(1, int(math.Round(chunkSeconds*cfg.SampleRateHz))),
		chunkSum:  make([]float64, channels),
		chunkSq:   make([]float64, channels),
		chunkSD:   make([][]float64, channels),
		wins:      make([][]Window, channels),
		summaries: make([]Summary, channels),
	}
	chunks := max(maxWindows, (maxWindows*cfg.WindowLen)/t.chunkLen+1)
	t.scratch = make([]float64, chunks)
	for c := range channels {
		t.buf[c] = make([]float64, cfg.WindowLen)
		t.chunkSD[c] = make([]float64, 0, chunks)
		t.wins[c] = make([]Window, 0, maxWindows)
	}
	t.Reset()
	return t, nil
}

// Config returns the configuration in use, defaults filled in.
func (t *Tracker) Config() Config { return t.cfg }

// Channels returns the number of channels.
func (t *Tracker) Channels() int { return t.channels }

// Reset forgets all input, as at the start of a session, and keeps capacity.
func (t *Tracker) Reset() {
	t.fill, t.chunkN = 0, 0
	clear(t.chunkSum)
	clear(t.chunkSq)
	for c := range t.channels {
		t.chunkSD[c] = t.chunkSD[c][:0]
		t.wins[c] = t.wins[c][:0]
		t.summaries[c] = summarize(&t.cfg, nil, t.noise(c), nil)
	}
}

// Full reports whether MaxWindows windows are stored and input is ignored.
func (t *Tracker) Full() bool { return len(t.wins[0]) == t.maxWin }

// Windows returns the completed windows of channel c, oldest first. The
// slice aliases the Tracker's storage: it is valid until the next Write,
// Process or Reset and must not be modified.
func (t *Tracker) Windows(c int) []Window { return t.wins[c] }

// Summary returns the trend of channel c over the windows so far.
func (t *Tracker) Summary(c int) Summary { return t.summaries[c] }

// Process feeds the samples of every channel of b (b.Channels must equal
// Channels, or Process panics) and returns the number of windows completed.
func (t *Tracker) Process(b *acquisition.Block) int {
	if b.Channels != t.channels {
		panic("fatigue: block channel count mismatch")
	}
	done := 0
	for i := 0; i < b.Len; {
		n := min(b.Len-i, t.cfg.WindowLen-t.fill)
		for c := range t.channels {
			t.feed(c, b.Data[c*b.Cap+i:c*b.Cap+i+n])
		}
		i += n
		done += t.advance(n)
	}
	return done
}

// Write feeds x, one slice per channel, all of the same length (or Write
// panics), and returns the number of windows completed.
func (t *Tracker) Write(x [][]float64) int {
	if len(x) != t.channels {
		panic("fatigue: channel count mismatch")
	}
	for _, xc := range x {
		if len(xc) != len(x[0]) {
			panic("fatigue: channels of unequal length")
		}
	}
	done := 0
	for i := 0; i < len(x[0]); {
		n := min(len(x[0])-i, t.cfg.WindowLen-t.fill)
		for c := range t.channels {
			t.feed(c, x[c][i:i+n])
		}
		i += n
		done += t.advance(n)
	}
	return done
}

// feed copies src (which fits in the current window) into channel c's
// window and chunk sums, without moving the shared counters.
func (t *Tracker) feed(c int, src []float64) {
	if t.Full() {
		return
	}
	copy(t.buf[c][t.fill:], src)
	k := t.chunkN
	sum, sq := t.chunkSum[c], t.chunkSq[c]
	for _, v := range src {
		sum += v
		sq += v * v
		k++
		if k == t.chunkLen {
			t.addChunk(c, sum, sq)
			sum, sq, k = 0, 0, 0
		}
	}
	t.chunkSum[c], t.chunkSq[c] = sum, sq
}

// addChunk stores the standard deviation of a completed chunk.
func (t *Tracker) addChunk(c int, sum, sq float64) {
	n := float64(t.chunkLen)
	m := sum / n
	v := sq/n - m*m
	if v > 0 && len(t.chunkSD[c]) < cap(t.chunkSD[c]) {
		t.chunkSD[c] = append(t.chunkSD[c], math.Sqrt(v))
	}
}

// advance moves the shared counters by n samples and closes the window
// when it is full; it returns 1 if a window completed.
func (t *Tracker) advance(n int) int {
	if t.Full() {
		return 0
	}
	t.chunkN = (t.chunkN + n) % t.chunkLen
	t.fill += n
	if t.fill < t.cfg.WindowLen {
		return 0
	}
	t.fill = 0
	start := float64(len(t.wins[0])*t.cfg.WindowLen) / t.cfg.SampleRateHz
	for c := range t.channels {
		w := t.measure(t.buf[c])
		w.TStartS = start
		t.wins[c] = append(t.wins[c], w)
		t.summaries[c] = summarize(&t.cfg, t.wins[c], t.noise(c), t.scratch)
	}
	return 1
}

// measure computes the spectral and amplitude measures of one window.
func (t *Tracker) measure(x []float64) Window {
	var sum, sq float64
	for _, v := range x {
		sum += v
		sq += v * v
	}
	n := float64(len(x))
	m := sum / n
	var dev float64
	for _, v := range x {
		d := v - m
		dev += d * d
	}
	t.welch.PSD(t.psd, x)
	return Window{
		MDFHz: spectrum.MedianFrequency(t.freqs, t.psd, t.cfg.LoHz, t.cfg.HiHz),
		MNFHz: spectrum.MeanFrequency(t.freqs, t.psd, t.cfg.LoHz, t.cfg.HiHz),
		RMS:   math.Sqrt(sq / n),
		SD:    math.Sqrt(dev / n),
	}
}

// noise returns the noise floor of channel c: Config.NoiseRMS, or the
// noisePercentile-th percentile of the chunk SDs so far (NaN before the
// first chunk, which makes every window inactive).
func (t *Tracker) noise(c int) float64 {
	if t.cfg.NoiseRMS > 0 {
		return t.cfg.NoiseRMS
	}
	sd := t.chunkSD[c]
	if len(sd) == 0 {
		return math.NaN()
	}
	s := t.scratch[:len(sd)]
	copy(s, sd)
	k := int(math.Floor(noisePercentile / 100 * float64(len(s)-1)))
	return selectK(s, k)
}

// selectK returns the k-th smallest value of s (0-based), reordering s
// (Hoare's quickselect with a median-of-three pivot).
func selectK(s []float64, k int) float64 {
	lo, hi := 0, len(s)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if s[mid] < s[lo] {
			s[mid], s[lo] = s[lo], s[mid]
		}
		if s[hi] < s[lo] {
			s[hi], s[lo] = s[lo], s[hi]
		}
		if s[hi] < s[mid] {
			s[hi], s[mid] = s[mid], s[hi]
		}
		p := s[mid]
		i, j := lo, hi
		for i <= j {
			for s[i] < p {
				i++
			}
			for s[j] > p {
				j--
			}
			if i <= j {
				s[i], s[j] = s[j], s[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return s[k]
		}
	}
	return s[k]
}

// Result is the offline analysis of one channel.
type Result struct {
	Summary
	Windows []Window
}

// Analyze runs the fatigue analysis over a whole recording x (one slice per
// channel, equal lengths) and returns one Result per channel. Windows are
// k·WindowLen … (k+1)·WindowLen−1; a final partial window is dropped. It
// is a Tracker fed the whole recording and allocates its results. It
// returns an error wrapping ErrConfig for an invalid cfg.
func Analyze(cfg Config, x [][]float64) ([]Result, error) {
	if len(x) == 0 {
		return nil, nil
	}
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	nwin := len(x[0]) / cfg.WindowLen
	t, err := NewTracker(cfg, len(x), max(1, nwin))
	if err != nil {
		return nil, err
	}
	t.Write(x)
	out := make([]Result, len(x))
	for c := range out {
		out[c] = Result{Summary: t.Summary(c), Windows: append([]Window(nil), t.Windows(c)...)}
	}
	return out, nil
}
