package rehab

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"myorehab/acquisition"
	"myorehab/app/engine"
	"myorehab/app/service"
	"myorehab/processing/pipeline"
	"myorehab/processing/recognition"
)

// EnvelopeWindow is the moving RMS window of the live level, in seconds
// (the biofeedback bar's smoothing, as BioGraph and MR3 use 100–300 ms).
const EnvelopeWindow = 0.25

// historySeconds is how much level history the monitor keeps for scoring
// (a rep is scored when its hold ends, so this bounds a hold's length).
const historySeconds = 300

// GloveStatus is what the monitor reads of the glove (service.GloveService
// Status: cheap, safe from any goroutine).
type GloveStatus interface {
	Status() service.GloveStatus
}

// point is the monitor's record of one block: the stream index one past
// its last sample, and where the glove and the classifier stood.
type point struct {
	end   uint64
	n     int     // samples in the block
	glove float64 // largest finger position, % of range; NaN without a glove
	class int     // newest decision's class in the block, -1 none
}

// Monitor is an engine consumer of every stream the device opens (attach
// it with device.Device.Attach, or give Consumer to engine.New): it keeps
// each channel's moving RMS of the conditioned signal (EnvelopeWindow),
// a history of it per block for scoring, the newest stream conditions
// (fatigue), the glove's finger positions and, when a model is set, the
// classifier's decisions. All methods are safe from any goroutine; the
// consumer's hot path allocates nothing.
type Monitor struct {
	glove atomic.Pointer[gloveRef]
	dec   atomic.Pointer[decider]

	mu      sync.Mutex
	stream  uint64 // counts streams: a new one resets the history
	info    acquisition.StreamInfo
	rate    float64
	chans   int
	ring    []float64 // per channel: squared samples of the window (channel-major)
	pos     int       // next slot of ring
	fill    int       // samples in the window
	sum     []float64 // per channel: sum of ring
	rms     []float64 // per channel: current moving RMS (µV)
	hist    []float64 // per point: rms per channel (point-major), a ring
	pts     []point   // ring of points
	head    int       // next point slot
	count   int       // points stored (≤ len(pts))
	end     uint64    // stream index one past the last sample seen
	cond    *pipeline.Conditions
	started bool
}

type gloveRef struct{ g GloveStatus }

// NewMonitor returns a Monitor with nothing attached.
func NewMonitor() *Monitor { return &Monitor{} }

// SetGlove makes the monitor record g's finger positions (nil: none).
func (m *Monitor) SetGlove(g GloveStatus) {
	if g == nil {
		m.glove.Store(nil)
		return
	}
	m.glove.Store(&gloveRef{g: g})
}

// decider runs a recognition pipeline on the clean or raw stream.
type decider struct {
	classes []string
	dec     *pipeline.Decider
	clean   bool
	out     []pipeline.Decision
	next    uint64
	started bool
}

// SetModel makes the monitor classify the stream with pipe (per-channel
// MVC mvcUV for the level; prefiltered: the Spec's filter is the stream's
// conditioning, so it reads the clean signal); nil stops.
func (m *Monitor) SetModel(pipe *recognition.Pipeline, mvcUV []float64, prefiltered bool) error {
	if pipe == nil {
		m.dec.Store(nil)
		return nil
	}
	if len(mvcUV) != pipe.Channels || slices.Contains(mvcUV, 0) {
		mvcUV = nil
	}
	d, err := pipe.NewDecider(recognition.LiveOptions{BlockCap: 1024, MVC: mvcUV, Prefiltered: prefiltered})
	if err != nil {
		return fmt.Errorf("the patient's model cannot run on this stream: %w", err)
	}
	m.dec.Store(&decider{classes: pipe.Classes, dec: d, clean: prefiltered, out: make([]pipeline.Decision, 0, 1024/max(1, pipe.Spec.Increment)+1)})
	return nil
}

// Consumer returns the monitor's consumer of a stream: a 2 s queue whose
// overflow is counted (the level bar skips, scores use what arrived).
func (m *Monitor) Consumer(info acquisition.StreamInfo, blockLen int) engine.Consumer {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stream++
	m.info, m.rate, m.chans = info.Clone(), info.SampleRateHz, info.Channels
	w := max(1, int(math.Round(EnvelopeWindow*info.SampleRateHz)))
	m.ring = make([]float64, w*info.Channels)
	m.sum, m.rms = make([]float64, info.Channels), make([]float64, info.Channels)
	npts := int(historySeconds*info.SampleRateHz)/max(1, blockLen) + 1
	m.pts, m.hist = make([]point, npts), make([]float64, npts*info.Channels)
	m.pos, m.fill, m.head, m.count, m.end, m.cond, m.started = 0, 0, 0, 0, 0, nil, false
	return monitorConsumer{m: m, queue: int(2*info.SampleRateHz)/max(1, blockLen) + 1}
}

type monitorConsumer struct {
	m     *Monitor
	queue int
}

func (c monitorConsumer) Spec() engine.Spec {
	return engine.Spec{Name: "rehab", Queue: c.queue, Policy: engine.DropAndCount}
}

func (c monitorConsumer) Run(_ context.Context, in *engine.Input) error {
	return engine.Each(in, c.m.take)
}

// take adds one frame: the moving RMS sample by sample, one history point.
func (m *Monitor) take(f *engine.Frame) {
	b := f.Clean
	if b == nil || b.Len == 0 {
		return
	}
	class := -1
	if d := m.dec.Load(); d != nil {
		class = d.take(f)
	}
	gl := math.NaN()
	if g := m.glove.Load(); g != nil {
		st := g.g.Status()
		for _, fs := range st.Fingers {
			gl = max(gl, fs.Position/10) // per mille → %
			if math.IsNaN(gl) {
				gl = fs.Position / 10
			}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if b.Channels != m.chans {
		return
	}
	if f.Cond != nil {
		m.cond = f.Cond
	}
	w := len(m.ring) / m.chans
	for ch := range m.chans {
		x, ring, pos, s := b.Chan(ch), m.ring[ch*w:(ch+1)*w], m.pos, m.sum[ch]
		for _, v := range x {
			s += v*v - ring[pos]
			ring[pos] = v * v
			if pos++; pos == w {
				pos = 0
			}
		}
		m.sum[ch] = s
	}
	m.pos = (m.pos + b.Len) % w
	m.fill = min(m.fill+b.Len, w)
	for ch := range m.chans {
		m.rms[ch] = math.Sqrt(max(m.sum[ch], 0) / float64(m.fill))
	}
	m.end = b.End()
	m.started = true
	m.pts[m.head] = point{end: m.end, n: b.Len, glove: gl, class: class}
	copy(m.hist[m.head*m.chans:(m.head+1)*m.chans], m.rms)
	if m.head++; m.head == len(m.pts) {
		m.head = 0
	}
	m.count = min(m.count+1, len(m.pts))
}

// take feeds one frame to the decider and returns the class of its newest
// decision in the frame (-1: none).
func (d *decider) take(f *engine.Frame) int {
	b := f.Raw
	if d.clean {
		b = f.Clean
	}
	if f.Missed > 0 || (d.started && b.Start < d.next) {
		d.dec.Reset()
	}
	if b.Len == 0 || b.Len > 1024 {
		return -1
	}
	d.started, d.next = true, b.End()
	d.out = d.dec.Process(d.out[:0], b)
	if len(d.out) == 0 {
		return -1
	}
	return d.out[len(d.out)-1].Class
}

// Classes returns the classes of the model set, nil without one.
func (m *Monitor) Classes() []string {
	if d := m.dec.Load(); d != nil {
		return d.classes
	}
	return nil
}

// End returns the stream index one past the newest sample the monitor has
// taken, and the stream's rate in hertz.
func (m *Monitor) End() (uint64, float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.end, m.rate
}

// RMS copies each channel's current moving RMS in µV into dst (grown as
// needed) and returns it.
func (m *Monitor) RMS(dst []float64) []float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append(dst[:0], m.rms...)
}

// Conditions returns the stream's newest conditions (fatigue trends), nil
// before the first.
func (m *Monitor) Conditions() *pipeline.Conditions {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cond
}

// Trace is the history of a stretch of the stream, one entry per block.
type Trace struct {
	// RateHz is the stream's rate.
	RateHz float64
	// Ends are the stream indices one past each block; Len its samples.
	Ends []uint64
	Len  []int
	// RMS is each block's moving RMS per channel (µV), block-major.
	RMS      []float64
	Channels int
	// Glove is the largest finger position per block (%, NaN: none);
	// Class the newest decision's class (-1: none).
	Glove []float64
	Class []int
}

// Trace returns the blocks ending in (from, to] (stream indices).
func (m *Monitor) Trace(from, to uint64) Trace {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := Trace{RateHz: m.rate, Channels: m.chans}
	for k := range m.count {
		i := (m.head - m.count + k + len(m.pts)) % len(m.pts)
		p := m.pts[i]
		if p.end <= from || p.end > to {
			continue
		}
		t.Ends = append(t.Ends, p.end)
		t.Len = append(t.Len, p.n)
		t.Glove = append(t.Glove, p.glove)
		t.Class = append(t.Class, p.class)
		t.RMS = append(t.RMS, m.hist[i*m.chans:(i+1)*m.chans]...)
	}
	return t
}

// Level returns the mean %MVC of channels chans at block k of t, with the
// per-channel MVC mvcUV (µV).
func (t Trace) Level(k int, chans []int, mvcUV []float64) float64 {
	return levelOf(t.RMS[k*t.Channels:(k+1)*t.Channels], chans, mvcUV)
}

// levelOf returns the mean over chans of rms/mvc × 100 (0 without
// channels or MVC).
func levelOf(rms []float64, chans []int, mvcUV []float64) float64 {
	s, n := 0.0, 0
	for _, c := range chans {
		if c < 0 || c >= len(rms) || c >= len(mvcUV) || !(mvcUV[c] > 0) {
			continue
		}
		s += rms[c] / mvcUV[c] * 100
		n++
	}
	if n == 0 {
		return 0
	}
	return s / float64(n)
}
