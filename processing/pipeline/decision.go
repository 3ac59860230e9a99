package pipeline

import (
	"math"
	"time"

	"myorehab/acquisition"
	"myorehab/processing"
	"myorehab/processing/classify"
	"myorehab/processing/features"
)

// Decision is the output of the real-time recognition path for one window.
//
// Latency terms (all durations):
//
//   - TSync is the buffering/alignment delay: from the arrival of the
//     window's last sample at the host to the start of compute. The arrival
//     time of sample j of a block is estimated as Block.Received minus the
//     samples after j in the block divided by the sampling rate; TSync is 0
//     when the block carries no Received time.
//   - TComp is the compute time of this decision: features, model and
//     post-processing, measured with time.Now around them.
//   - TTrans is the transfer and decode time of a sample from the
//     amplifier to the host, an estimate supplied by the source
//     (DeciderConfig.TTrans, e.g. SerialTransfer).
//
// TTrans + TSync + TComp is the delay from the amplifier's last sample of
// the window to the decision; the window itself (Window samples), the vote
// (Decider.VoteDelay) and, for Level, the Kalman smoothing
// (Decider.LevelDelay) add their known algorithmic delay on top.
type Decision struct {
	// Sample is the window end: the stream index one past the window's
	// last sample.
	Sample uint64
	// Class is the decided class, or classify.NoDecision (−1) when the
	// window was rejected or the vote settled on no decision.
	Class int
	// Confidence is the model's probability of Class for this window (0 for
	// no decision).
	Confidence float64
	// Level is the proportional output in [0, 1]: the mean over channels
	// of the window RMS divided by the channel's MVC RMS (or, without MVC,
	// the largest window RMS seen so far on that channel), clamped to 1;
	// Kalman-smoothed over decisions when DeciderConfig.LevelQ and LevelR
	// are set.
	Level float64
	// TComp, TTrans and TSync are the latency terms described above.
	TComp, TTrans, TSync time.Duration
}

// Classifier is the model a Decider runs: classify.Model and
// *quant.Model satisfy it.
type Classifier interface {
	// Predict returns the class of x and writes the class probabilities to
	// probs (not nil); it must not allocate.
	Predict(probs, x []float64) int
	// Features is the length of x.
	Features() int
}

// DeciderConfig configures a Decider.
type DeciderConfig struct {
	// Channels and RateHz describe the stream (required).
	Channels int
	RateHz   float64
	// BlockCap is the largest block Process will be given (samples per
	// channel; required when Filter is set).
	BlockCap int
	// Filter conditions the stream before windowing; nil means none.
	Filter processing.Stage
	// Window and Increment are the window length and the decision step in
	// samples. Decisions fall on windows [k·Increment, k·Increment+Window)
	// from the start of the stream (sample index 0).
	Window, Increment int
	// Features extracts the feature vector of a window; it must be built
	// for Channels channels of Window samples.
	Features *features.Set
	// Transform, when not nil, is applied in place to each feature vector
	// before the model (it must not allocate).
	Transform func(v []float64)
	// Model classifies feature vectors of Features.Len() values into
	// Classes classes.
	Model   Classifier
	Classes int
	// Reject is the rejection threshold (classify.Reject); 0 never rejects.
	Reject float64
	// Votes is the majority vote length (classify.Vote); 0 or 1 is none.
	Votes int
	// MVC holds each channel's RMS at maximum voluntary contraction, in the
	// units of the (filtered) samples; nil normalises the level by the
	// largest window RMS seen so far on each channel.
	MVC []float64
	// TTrans is the source's transfer + decode estimate per sample,
	// reported in each Decision.
	TTrans time.Duration
	// LevelQ and LevelR, when both positive, smooth Level over decisions
	// with a random-walk Kalman filter (processing/kalman): LevelQ is the
	// variance of the true level's change from one decision to the next,
	// LevelR the variance of the window level around it (level units², the
	// level being in [0, 1]). A larger R/Q smooths more and delays more:
	// the settled gain is K = kalman.SteadyStateGain(LevelQ, LevelR), the
	// added delay Decider.LevelDelay. Both 0 (the default) is no smoothing.
	LevelQ, LevelR float64
	// Gate, when not nil, is the onset gate (see Gate).
	Gate *Gate
}

// Gate is the onset gate of a Decider: it lets a contraction be
// recognised before most of the window holds it. For each window it
// measures the activity of the newest Len samples,
//
//	a = (1/C)·Σ_c sd_c / RestSD[c]
//
// (sd_c the standard deviation of channel c's newest Len samples: an
// amplifier's offset does not count). When the model decides Rest but
// a ≥ Threshold, the decision is the most probable other class k, with
// confidence
//
//	p_k / (1 − p_Rest)
//
// (the model's belief among the motions). Otherwise the model's decision
// stands: the gate never turns a motion into rest, so a weak motion the
// model knows is not lost. With Threshold 3 the onset rule is the classic
// one (activity beyond three times the resting level, Hodges & Bui 1996)
// on the newest tens of milliseconds. A model trained on windows that
// hold only the first tens of milliseconds of a contraction
// (recognition.GateSpec) knows which motion is starting long before it
// stops saying rest: on the simulated patient the gate halves the delay
// from gesture onset to decision (docs/recognition.md, "Control front
// end").
type Gate struct {
	// RestSD is each channel's standard deviation at rest over Len
	// samples, in the units of the (filtered) samples; all positive.
	RestSD []float64
	// Threshold is the activity, in multiples of RestSD, from which a
	// window the model calls rest is a motion starting (> 0).
	Threshold float64
	// Len is the activity window in samples (≥ 2, ≤ Window).
	Len int
	// Rest is the index of the rest class, in [0, Classes).
	Rest int
}

// SerialTransfer returns the time to send bytesPerSample bytes over a UART
// at baud bits per second with 10 bits per byte (start, 8 data, stop):
// bytesPerSample·10/baud seconds.
func SerialTransfer(bytesPerSample int, baud float64) time.Duration {
	return time.Duration(float64(bytesPerSample) * 10 / baud * float64(time.Second))
}

// Decider is the real-time recognition path: Block in → filter → per-channel
// ring → every Increment samples a window → features → model →
// rejection and vote → Decision with proportional level and latencies.
// One goroutine owns it; Process allocates nothing.
//
// The features come from a features.Stream on the feature set: as samples
// arrive their per-chunk sums (MAV, WL, ZC, SSC, WAMP, MSR, the
// autocorrelations behind AR) and LS's sorted list of new samples are
// updated, so a decision only adds a few partial sums per channel, merges
// the new samples into LS's sorted window and runs Burg's recursion on
// the autocorrelations; features without an incremental form are
// extracted from the window (features.Set.Extract). Either way the values
// are Set.Extract's on the same window, up to the order of additions.
type Decider struct {
	cfg      DeciderConfig
	filtered *acquisition.Block
	view     [][]float64 // one chunk of the block per channel, for stream
	maxRMS   []float64
	filled   int
	next     uint64 // stream index of the next expected sample
	started  bool
	feat     []float64
	probs    []float64
	stream   *features.Stream
	vote     *classify.Vote
	smooth   *levelSmoother // Kalman smoothing of Level, or nil
	// With a Gate: the newest Gate.Len samples of each channel (ring,
	// channel-major) and the ring's next slot.
	recent []float64
	pos    int
}

// NewDecider returns a Decider for cfg. It panics on a programmer error
// (shape mismatch between the stream, the feature set and the model, or a
// bad window, increment, class count or MVC length, or LevelQ and LevelR
// not both positive and finite nor both 0).
func NewDecider(cfg DeciderConfig) *Decider {
	switch {
	case cfg.Channels < 1 || !(cfg.RateHz > 0):
		panic("pipeline: DeciderConfig needs channels and rate")
	case cfg.Window < 1 || cfg.Increment < 1:
		panic("pipeline: DeciderConfig needs a positive window and increment")
	case cfg.Features == nil || cfg.Features.Channels() != cfg.Channels || cfg.Features.WindowLen() != cfg.Window:
		panic("pipeline: feature set does not match the stream and window")
	case cfg.Model == nil || cfg.Model.Features() != cfg.Features.Len():
		panic("pipeline: model input does not match the feature set")
	case cfg.Classes < 1:
		panic("pipeline: DeciderConfig needs the class count")
	case cfg.MVC != nil && len(cfg.MVC) != cfg.Channels:
		panic("pipeline: MVC length mismatch")
	case cfg.Filter != nil && cfg.BlockCap < 1:
		panic("pipeline: DeciderConfig with a filter needs BlockCap")
	}
	if g := cfg.Gate; g != nil {
		checkGate(g, cfg)
	}
	d := &Decider{
		cfg:    cfg,
		view:   make([][]float64, cfg.Channels),
		maxRMS: make([]float64, cfg.Channels),
		feat:   make([]float64, cfg.Features.Len()),
		probs:  make([]float64, cfg.Classes),
	}
	if g := cfg.Gate; g != nil {
		d.cfg.Gate = &Gate{RestSD: append([]float64(nil), g.RestSD...), Threshold: g.Threshold, Len: g.Len, Rest: g.Rest}
		d.recent = make([]float64, cfg.Channels*g.Len)
	}
	if cfg.Filter != nil {
		d.filtered = acquisition.NewBlock(cfg.Channels, cfg.BlockCap)
	}
	d.stream = features.NewStream(cfg.Features)
	if cfg.Votes > 1 {
		d.vote = classify.NewVote(cfg.Votes, cfg.Classes)
	}
	d.smooth = newLevelSmoother(cfg)
	return d
}

// checkGate panics unless g fits cfg.
func checkGate(g *Gate, cfg DeciderConfig) {
	switch {
	case len(g.RestSD) != cfg.Channels:
		panic("pipeline: gate RestSD length mismatch")
	case !(g.Threshold > 0) || math.IsInf(g.Threshold, 0):
		panic("pipeline: gate threshold not positive")
	case g.Len < 2 || g.Len > cfg.Window:
		panic("pipeline: gate length outside [2, Window]")
	case g.Rest < 0 || g.Rest >= cfg.Classes:
		panic("pipeline: gate rest class out of range")
	case cfg.Classes < 2:
		panic("pipeline: gate without motion classes")
	}
	for _, v := range g.RestSD {
		if !(v > 0) || math.IsInf(v, 0) {
			panic("pipeline: gate RestSD not positive")
		}
	}
}

// Reset forgets the stream (filter state, ring, vote, maximum RMS, level
// smoothing), as for a new stream starting at sample 0. A gap in the
// stream (see Process) keeps the level smoothing's state.
func (d *Decider) Reset() {
	if d.cfg.Filter != nil {
		d.cfg.Filter.Reset()
	}
	d.restart(0)
	clear(d.maxRMS)
	if d.vote != nil {
		d.vote.Reset()
	}
	if d.smooth != nil {
		d.smooth.f.Reset()
	}
}

// restart forgets the window; the next one starts at stream index start.
func (d *Decider) restart(start uint64) {
	d.stream.Reset()
	d.filled, d.next, d.started = 0, start, true
}

// VoteDelay returns the delay the majority vote adds, in decisions.
func (d *Decider) VoteDelay() int {
	if d.vote == nil {
		return 0
	}
	return d.vote.Delay()
}

// Process feeds block b (Channels channels) and appends the decisions of
// the windows that end inside it to dst, returning the extended slice; it
// allocates nothing when dst has room (one decision per Increment samples).
// After lost samples (b.Start beyond the previous block's end) the ring
// refills first: no window spans a gap, and the grid restarts at b.Start.
// It panics if b has the wrong channel count or (with a filter) exceeds
// BlockCap.
func (d *Decider) Process(dst []Decision, b *acquisition.Block) []Decision {
	if b.Channels != d.cfg.Channels {
		panic("pipeline: block channel count mismatch")
	}
	src := b
	if d.cfg.Filter != nil {
		d.cfg.Filter.Process(d.filtered, b)
		src = d.filtered
	}
	if !d.started || b.Start != d.next {
		if d.started && b.Start < d.next {
			panic("pipeline: blocks out of order")
		}
		d.restart(b.Start)
	}
	w, inc := d.cfg.Window, d.cfg.Increment
	for i := 0; i < src.Len; {
		// The next chunk ends at the next decision or the block's end.
		m := w - d.filled
		if d.filled >= w {
			m = inc - (d.filled-w)%inc
		}
		m = min(m, src.Len-i)
		for c := range d.view {
			d.view[c] = src.Data[c*src.Cap+i : c*src.Cap+i+m]
		}
		d.stream.Append(d.view)
		if d.recent != nil {
			d.keep(m)
		}
		i += m
		d.filled += m
		d.next += uint64(m)
		if d.filled >= w && (d.filled-w)%inc == 0 {
			dst = append(dst, d.decide(b, i-1))
		}
	}
	clear(d.view)
	return dst
}

// keep copies the newest m samples of the view into the gate's ring.
func (d *Decider) keep(m int) {
	n := d.cfg.Gate.Len
	for k := max(0, m-n); k < m; k++ {
		for c, v := range d.view {
			d.recent[c*n+d.pos] = v[k]
		}
		d.pos++
		if d.pos == n {
			d.pos = 0
		}
	}
}

// activity returns the gate's activity over the newest Gate.Len samples
// (Gate's a). The ring always holds Len samples when it is called: a
// window is at least Len long.
func (d *Decider) activity() float64 {
	g := d.cfg.Gate
	n := float64(g.Len)
	var a float64
	for c, rest := range g.RestSD {
		var sum, sq float64
		for _, v := range d.recent[c*g.Len : (c+1)*g.Len] {
			sum += v
			sq += v * v
		}
		mean := sum / n
		a += math.Sqrt(max(sq/n-mean*mean, 0)) / rest
	}
	return a / float64(len(g.RestSD))
}

// decide classifies the window ending at sample i of block b.
func (d *Decider) decide(b *acquisition.Block, i int) Decision {
	start := time.Now()
	dec := Decision{Sample: d.next, TTrans: d.cfg.TTrans}
	if !b.Received.IsZero() {
		after := time.Duration(float64(b.Len-1-i) / d.cfg.RateHz * float64(time.Second))
		if s := start.Sub(b.Received.Add(-after)); s > 0 {
			dec.TSync = s
		}
	}
	d.stream.Extract(d.feat)
	if d.cfg.Transform != nil {
		d.cfg.Transform(d.feat)
	}
	class := classify.NoDecision
	if firstBad(d.feat) < 0 {
		class = d.cfg.Model.Predict(d.probs, d.feat)
		if g := d.cfg.Gate; g != nil && class == g.Rest && d.activity() >= g.Threshold {
			class = d.onset()
		}
		if d.cfg.Reject > 0 {
			class = classify.Reject(class, d.probs, d.cfg.Reject)
		}
	}
	if d.vote != nil {
		class = d.vote.Push(class)
	}
	conf := 0.0
	if class >= 0 {
		conf = d.probs[class]
	}
	dec.Class, dec.Confidence = class, conf
	dec.Level = d.level()
	if d.smooth != nil {
		dec.Level = d.smooth.f.Update(dec.Level)
	}
	dec.TComp = time.Since(start)
	return dec
}

// onset returns the gate's decision when the model says rest on an
// active window: the most probable other class, its probability
// renormalised over the other classes in d.probs (Gate).
func (d *Decider) onset() int {
	rest := d.cfg.Gate.Rest
	best, other := -1, 1-d.probs[rest]
	for k, p := range d.probs {
		if k != rest && (best < 0 || p > d.probs[best]) {
			best = k
		}
	}
	if !(other > 0) {
		return rest // the model is certain: nothing to renormalise
	}
	for k := range d.probs {
		d.probs[k] /= other
	}
	d.probs[rest] = 0
	return best
}

// level returns the proportional output of the current window (after
// the stream's Extract, which sums the window's squares).
func (d *Decider) level() float64 {
	inv := 1 / float64(d.cfg.Window)
	var sum float64
	for c := range d.maxRMS {
		rms := math.Sqrt(max(d.stream.SumSquares(c), 0) * inv)
		norm := d.maxRMS[c]
		if d.cfg.MVC != nil {
			norm = d.cfg.MVC[c]
		} else if rms > norm {
			norm, d.maxRMS[c] = rms, rms
		}
		if norm > 0 {
			sum += min(rms/norm, 1)
		}
	}
	return sum / float64(len(d.maxRMS))
}

// firstBad returns the index of the first non-finite value, or −1.
func firstBad(v []float64) int {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return i
		}
	}
	return -1
}
