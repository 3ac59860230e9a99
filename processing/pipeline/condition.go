package pipeline

import (
	"myorehab/acquisition"
	"myorehab/processing"
	"myorehab/processing/fatigue"
	"myorehab/processing/quality"
)

// MainsFilter is a conditioning filter whose notch sits at one mains
// frequency.
type MainsFilter struct {
	// Hz is the notch frequency in hertz (50 or 60); 0 for a filter
	// without notch.
	Hz float64
	// Filter is the stage (band-pass + notch at Hz).
	Filter processing.Stage
}

// ConditionerConfig configures a Conditioner.
type ConditionerConfig struct {
	// Info describes the stream; Channels and SampleRateHz are required.
	Info acquisition.StreamInfo
	// BlockCap is the largest block Process will be given, in samples per
	// channel.
	BlockCap int
	// Filters are the conditioning filters, one per mains frequency. The
	// first runs from the start. With two or more the Conditioner follows
	// the mains frequency the Quality monitor measures (automatic notch,
	// see Conditioner). None: the clean signal is the raw signal.
	Filters []MainsFilter
	// Quality, when set, judges the raw signal of every channel.
	Quality *quality.Monitor
	// Fatigue, when set, tracks median frequency and RMS of the clean
	// signal in non-overlapping windows.
	Fatigue *fatigue.Tracker
}

// Conditions is what conditioning knows about the stream up to a block.
// It is immutable once published and shared by every consumer of the
// stream; a new one is made only when something in it changed.
type Conditions struct {
	// Seq increases with every new Conditions of a stream.
	Seq uint64
	// MainsHz is the notch frequency of the filter in use, in hertz (0:
	// no notch).
	MainsHz float64
	// Quality is the signal quality per channel; nil when not assessed.
	Quality []ChannelQuality
	// Statuses are the quality monitor's statuses behind Quality (with
	// their reasons and metrics), for the control layer; nil when not
	// assessed.
	Statuses []quality.Status
	// Fatigue is the fatigue trend per channel since the stream began; nil
	// when not tracked. Its slices only ever grow between Conditions (a
	// later Conditions holds the earlier windows as its prefix).
	Fatigue []FatigueTrend
	// Windows is the number of completed fatigue windows per channel.
	Windows int
}

// autoConfirm is the number of consecutive quality updates (each a
// quality segment, 250 ms by default) that must find the other mains
// frequency before the automatic notch switches to it.
const autoConfirm = 3

// Conditioner is the one conditioning stage of a stream: every block is
// filtered (band-pass and notch) once, its quality judged once and its
// fatigue windows measured once, and every consumer reads the result.
//
// With several Filters (automatic notch) it starts with the first and
// switches to the filter of the other frequency when, for autoConfirm
// consecutive quality updates, most channels with noticeable mains
// interference (quality.MainsWarnFraction of the band and
// quality.MainsWarnUV) show it at that frequency. The switched-to filter
// starts from rest, so the clean signal has a short transient there.
type Conditioner struct {
	cfg     ConditionerConfig
	clean   *acquisition.Block
	active  int // index of the filter in use
	other   int // candidate filter of the automatic notch
	confirm int // consecutive updates that found it

	cond     *Conditions
	seq      uint64
	statuses []quality.Status
	shown    []shownVerdict // the verdicts of the latest statuses
	// prevShown are the verdicts of the published Quality.
	prevShown []shownVerdict
	// Append-only fatigue series, capacity for every window the tracker
	// keeps: published as prefixes, never rewritten.
	tSec, mdf, rms [][]float64
}

// NewConditioner returns a Conditioner for cfg. It panics on a programmer
// error (no channels, no rate, no block capacity, a monitor or tracker for
// another channel count).
func NewConditioner(cfg ConditionerConfig) *Conditioner {
	ch := cfg.Info.Channels
	if ch <= 0 || cfg.Info.SampleRateHz <= 0 || cfg.BlockCap <= 0 {
		panic("pipeline: ConditionerConfig needs channels, rate and block capacity")
	}
	if (cfg.Quality != nil && cfg.Quality.Channels() != ch) || (cfg.Fatigue != nil && cfg.Fatigue.Channels() != ch) {
		panic("pipeline: quality monitor or fatigue tracker channel count mismatch")
	}
	c := &Conditioner{cfg: cfg, clean: acquisition.NewBlock(ch, cfg.BlockCap), other: -1}
	if t := cfg.Fatigue; t != nil {
		n := cap(t.Windows(0))
		c.tSec, c.mdf, c.rms = make([][]float64, ch), make([][]float64, ch), make([][]float64, ch)
		for i := range ch {
			c.tSec[i], c.mdf[i], c.rms[i] = make([]float64, 0, n), make([]float64, 0, n), make([]float64, 0, n)
		}
	}
	c.publish()
	return c
}

// Process conditions raw and returns the clean block (valid until the next
// call) and the stream's Conditions. The returned Conditions pointer
// changes only when the conditions changed. It does not allocate, except
// for the new Conditions (a few times a second at most). Only one
// goroutine may call it.
func (c *Conditioner) Process(raw *acquisition.Block) (*acquisition.Block, *Conditions) {
	if raw.Channels != c.cfg.Info.Channels {
		panic("pipeline: block channel count mismatch")
	}
	if len(c.cfg.Filters) > 0 {
		c.cfg.Filters[c.active].Filter.Process(c.clean, raw)
	} else {
		c.clean.CopyFrom(raw)
	}
	var mains, verdicts, windows bool
	if c.cfg.Quality != nil && c.cfg.Quality.Process(raw) {
		c.statuses = c.cfg.Quality.Statuses(c.statuses)
		mains = c.followMains()
		verdicts = c.verdictsChanged()
	}
	if c.cfg.Fatigue != nil && c.cfg.Fatigue.Process(c.clean) > 0 {
		windows = true
	}
	if mains || verdicts || windows {
		c.update(verdicts, windows)
	}
	return c.clean, c.cond
}

// Conditions returns the latest Conditions. Same goroutine as Process.
func (c *Conditioner) Conditions() *Conditions { return c.cond }

// MainsHz returns the notch frequency of the filter in use (0: none).
func (c *Conditioner) MainsHz() float64 {
	if len(c.cfg.Filters) == 0 {
		return 0
	}
	return c.cfg.Filters[c.active].Hz
}

// Description returns the filter in use, e.g. "bp 20-450 Hz order 4;
// notch 50 Hz Q30", or "none".
func (c *Conditioner) Description() string {
	if len(c.cfg.Filters) == 0 {
		return "none"
	}
	return describe(c.cfg.Filters[c.active])
}

// Descriptions returns the description of each filter the Conditioner
// may use, by mains frequency in hertz (Description's text). The filters
// are fixed at construction, so it is safe from any goroutine.
func (c *Conditioner) Descriptions() map[float64]string {
	out := make(map[float64]string, len(c.cfg.Filters))
	for _, f := range c.cfg.Filters {
		out[f.Hz] = describe(f)
	}
	return out
}

func describe(f MainsFilter) string {
	if s, ok := f.Filter.(interface{ String() string }); ok {
		return s.String()
	}
	return "filtered"
}

// followMains runs the automatic notch on fresh statuses and reports
// whether it switched filters.
func (c *Conditioner) followMains() bool {
	if len(c.cfg.Filters) < 2 {
		return false
	}
	cand := -1
	for i, f := range c.cfg.Filters {
		if i == c.active {
			continue
		}
		votes, notable := 0, 0
		for j := range c.statuses {
			m := &c.statuses[j].Metrics
			if m.MainsFraction >= quality.MainsWarnFraction && m.MainsRMSUV >= quality.MainsWarnUV {
				notable++
				if m.MainsHz == f.Hz {
					votes++
				}
			}
		}
		if votes*2 > notable {
			cand = i
		}
	}
	if cand != c.other {
		c.other, c.confirm = cand, 0
	}
	if cand < 0 {
		return false
	}
	c.confirm++
	if c.confirm < autoConfirm {
		return false
	}
	c.active, c.other, c.confirm = cand, -1, 0
	c.cfg.Filters[c.active].Filter.Reset()
	return true
}

// verdictsChanged reports whether the fresh statuses differ from the
// published ones in level, control permission or worst reason, and
// remembers them.
func (c *Conditioner) verdictsChanged() bool {
	if len(c.shown) != len(c.statuses) {
		c.shown = make([]shownVerdict, len(c.statuses)) // once per stream
	}
	changed := false
	for i := range c.statuses {
		st := &c.statuses[i]
		v := shownVerdict{level: st.Level, ok: st.OKForControl, valid: true}
		if len(st.Reasons) > 0 {
			v.code, v.hz = st.Reasons[0].Code, st.Reasons[0].Hz
		}
		if v != c.shown[i] {
			c.shown[i], changed = v, true
		}
	}
	return changed
}

// shownVerdict is what a published quality verdict depends on.
type shownVerdict struct {
	valid bool // a verdict was published for the channel
	level quality.Level
	ok    bool
	code  quality.Code
	hz    float64
}

// publish makes the first Conditions of the stream.
func (c *Conditioner) publish() {
	c.cond = &Conditions{}
	c.update(c.cfg.Quality != nil, c.cfg.Fatigue != nil)
}

// update makes a new immutable Conditions from the previous one: fresh
// quality verdicts when they changed, a longer fatigue trend when windows
// completed; the rest is shared.
func (c *Conditioner) update(verdicts, windows bool) {
	c.seq++
	n := *c.cond
	n.Seq, n.MainsHz = c.seq, c.MainsHz()
	if verdicts {
		n.Quality = c.verdicts(c.cond.Quality)
		n.Statuses = make([]quality.Status, len(c.statuses))
		for i := range c.statuses {
			n.Statuses[i].CopyFrom(&c.statuses[i])
		}
	}
	if t := c.cfg.Fatigue; t != nil && windows {
		n.Fatigue = make([]FatigueTrend, t.Channels())
		for ch := range n.Fatigue {
			w := t.Windows(ch)
			for _, x := range w[len(c.tSec[ch]):] {
				c.tSec[ch] = append(c.tSec[ch], x.TStartS)
				c.mdf[ch] = append(c.mdf[ch], x.MDFHz)
				c.rms[ch] = append(c.rms[ch], x.RMS)
			}
			k := len(c.tSec[ch])
			sum := t.Summary(ch)
			n.Fatigue[ch] = FatigueTrend{
				TSeconds: c.tSec[ch][:k:k], MDFHz: c.mdf[ch][:k:k], RMSUV: c.rms[ch][:k:k],
				SlopeHzPerS: sum.ActiveSlopeHzPerS, DeclinePct: sum.DeclinePct, Fatigued: sum.Fatigued,
			}
			n.Windows = k
		}
	}
	c.cond = &n
}

// verdicts turns the monitor's statuses into the UI's verdicts, with the
// worst reason as the plain-language explanation; a channel whose verdict
// did not change keeps its previous text (prev), so only news allocates.
func (c *Conditioner) verdicts(prev []ChannelQuality) []ChannelQuality {
	if c.statuses == nil {
		return nil // the window has not filled yet
	}
	out := make([]ChannelQuality, len(c.statuses))
	for ch, st := range c.statuses {
		if ch < len(prev) && ch < len(c.prevShown) && c.prevShown[ch] == c.shown[ch] {
			out[ch] = prev[ch]
			continue
		}
		q := ChannelQuality{OKForControl: st.OKForControl}
		switch st.Level {
		case quality.Good:
			q.Level = QualityGood
		case quality.Warn:
			q.Level = QualityWarn
		case quality.Bad:
			q.Level = QualityBad
		}
		if len(st.Reasons) > 0 {
			label := ""
			if ch < len(c.cfg.Info.Labels) {
				label = c.cfg.Info.Labels[ch]
			}
			q.Reason = st.Reasons[0].Message(ch, label)
		}
		out[ch] = q
	}
	c.prevShown = append(c.prevShown[:0], c.shown...)
	return out
}
