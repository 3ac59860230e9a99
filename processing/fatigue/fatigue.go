package fatigue

import (
	"errors"
	"fmt"
	"math"
)

// Label is the joint spectrum–amplitude (JASA) reading of a window: the
// direction of the MDF trend against the direction of the RMS trend over the
// recent active windows (Luttmann et al. 1996).
type Label uint8

const (
	// Rest marks a window where the muscle is not active (RMS below the
	// activity threshold) or too few recent windows are active to judge.
	Rest Label = iota
	// Stable: neither MDF nor RMS changes by more than the dead zone.
	Stable
	// Fatigue: MDF falls while RMS rises (more motor units recruited to
	// hold the force while conduction slows).
	Fatigue
	// ForceDecrease: MDF and RMS both fall.
	ForceDecrease
	// ForceIncrease: MDF and RMS both rise.
	ForceIncrease
	// Recovery: MDF rises while RMS falls.
	Recovery
)

var labelNames = [...]string{"rest", "stable", "fatigue", "force_decrease", "force_increase", "recovery"}

// String returns the label's name: "rest", "stable", "fatigue",
// "force_decrease", "force_increase" or "recovery".
func (l Label) String() string {
	if int(l) < len(labelNames) {
		return labelNames[l]
	}
	return fmt.Sprintf("Label(%d)", l)
}

// MarshalText encodes the label as its String.
func (l Label) MarshalText() ([]byte, error) {
	if int(l) >= len(labelNames) {
		return nil, fmt.Errorf("fatigue: invalid label %d", l)
	}
	return []byte(labelNames[l]), nil
}

// UnmarshalText decodes a label from its String.
func (l *Label) UnmarshalText(b []byte) error {
	for i, n := range labelNames {
		if string(b) == n {
			*l = Label(i)
			return nil
		}
	}
	return fmt.Errorf("fatigue: unknown label %q", b)
}

// jasa classifies relative trends (%/s) of MDF and RMS with a dead zone.
func jasa(mdfPctPerS, rmsPctPerS, deadZone float64) Label {
	if math.Abs(mdfPctPerS) < deadZone && math.Abs(rmsPctPerS) < deadZone {
		return Stable
	}
	switch {
	case mdfPctPerS < 0 && rmsPctPerS >= 0:
		return Fatigue
	case mdfPctPerS < 0:
		return ForceDecrease
	case rmsPctPerS >= 0:
		return ForceIncrease
	default:
		return Recovery
	}
}

// Config sets up a Tracker or Analyze. DefaultConfig gives the usual values;
// the zero value of an optional field means its default.
type Config struct {
	// SampleRateHz is the sampling rate (Hz), > 0.
	SampleRateHz float64
	// WindowLen is the number of samples per non-overlapping window
	// (usually 1 s), ≥ NPerSeg.
	WindowLen int
	// NPerSeg and NOverlap are the Welch segment length and overlap in
	// samples (0 ≤ NOverlap < NPerSeg; scipy's default overlap is
	// NPerSeg/2).
	NPerSeg, NOverlap int
	// LoHz and HiHz bound the band of MDF and MNF (inclusive), Hz.
	LoHz, HiHz float64

	// NoiseRMS is the rest (noise) RMS of the channel in signal units, for
	// example measured at rest during the patient's calibration. If 0, the
	// noise floor is estimated from the recording itself: the 1st
	// percentile of the standard deviations of its consecutive 100 ms
	// chunks, ignoring exactly flat chunks (dropouts).
	NoiseRMS float64
	// ActiveRatio (default 3, about 9.5 dB) and MinRelativeLevel (default
	// 0.2) decide which windows are active: the standard deviation of the
	// window's samples (its RMS after removing its mean) must be at least
	// ActiveRatio × the noise floor and at least MinRelativeLevel × the
	// 90th percentile of the window standard deviations so far (the
	// session's contraction level), so that windows where the effort has
	// collapsed to a few times the noise are not taken as contraction.
	ActiveRatio      float64
	MinRelativeLevel float64
	// BaselineWindows (default 3) is how many active windows form the
	// start and the end of the session for DeclinePct.
	BaselineWindows int
	// MinActiveWindows (default 10) and MinActiveFraction (default 0.5)
	// are the least number and share of active windows for a fatigue flag:
	// a recording that is mostly rest is never called fatigued.
	MinActiveWindows  int
	MinActiveFraction float64
	// MaxSlopePctPerS (default −0.1 %/s) is the largest relative MDF slope
	// over the active windows (slope / baseline MDF × 100) that can flag
	// fatigue; the slope must also be significant (t ≤ −2) and the MDF must
	// have declined by at least MinDeclinePct (default 5 %).
	MaxSlopePctPerS float64
	MinDeclinePct   float64
	// JASASpan (default 10) is the number of trailing windows whose MDF and
	// RMS trends give a window's Label; JASADeadZone (default 1 %/s) is
	// the relative trend below which a quantity counts as unchanged.
	JASASpan     int
	JASADeadZone float64
}

// DefaultConfig returns the usual fatigue settings for sampling rate fsHz:
// 1 s windows, 0.2 s Welch segments with 50 % overlap, band 20–450 Hz, and
// the defaults of the optional fields.
func DefaultConfig(fsHz float64) Config {
	nper := int(math.Round(0.2 * fsHz))
	return Config{
		SampleRateHz: fsHz,
		WindowLen:    int(math.Round(fsHz)),
		NPerSeg:      nper,
		NOverlap:     nper / 2,
		LoHz:         20,
		HiHz:         450,
	}.withDefaults()
}

func (c Config) withDefaults() Config {
	set := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	seti := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	set(&c.ActiveRatio, 3)
	set(&c.MinRelativeLevel, 0.2)
	seti(&c.BaselineWindows, 3)
	seti(&c.MinActiveWindows, 10)
	set(&c.MinActiveFraction, 0.5)
	set(&c.MaxSlopePctPerS, -0.1)
	set(&c.MinDeclinePct, 5)
	seti(&c.JASASpan, 10)
	set(&c.JASADeadZone, 1)
	return c
}

// ErrConfig is wrapped by the errors of invalid configurations.
var ErrConfig = errors.New("fatigue: invalid configuration")

func (c Config) check() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, a...)...)
	}
	switch {
	case !(c.SampleRateHz > 0) || math.IsInf(c.SampleRateHz, 0):
		return bad("sampling rate %v Hz", c.SampleRateHz)
	case c.NPerSeg < 2:
		return bad("Welch segment of %d samples, need at least 2", c.NPerSeg)
	case c.NOverlap < 0 || c.NOverlap >= c.NPerSeg:
		return bad("overlap %d outside 0…%d", c.NOverlap, c.NPerSeg-1)
	case c.WindowLen < c.NPerSeg:
		return bad("window of %d samples shorter than the Welch segment (%d)", c.WindowLen, c.NPerSeg)
	case !(c.LoHz <= c.HiHz) || c.LoHz < 0:
		return bad("band %v–%v Hz", c.LoHz, c.HiHz)
	case c.LoHz > c.SampleRateHz/2:
		return bad("band starts at %v Hz, above the Nyquist frequency %v Hz", c.LoHz, c.SampleRateHz/2)
	case c.NoiseRMS < 0 || math.IsNaN(c.NoiseRMS):
		return bad("noise RMS %v", c.NoiseRMS)
	case c.ActiveRatio <= 0, c.MinRelativeLevel < 0, c.MinRelativeLevel > 1, c.MinActiveFraction < 0, c.MinActiveFraction > 1:
		return bad("activity settings")
	case c.BaselineWindows < 1, c.MinActiveWindows < 2, c.JASASpan < 2, c.JASADeadZone < 0:
		return bad("window counts must be positive")
	}
	return nil
}

// Window holds the measures of one non-overlapping window of one channel.
type Window struct {
	// TStartS is the window's start time (s) from the first sample.
	TStartS float64 `json:"t_start_s"`
	// MDFHz and MNFHz are the median and mean frequency over the band, Hz
	// (NaN when the band holds no power).
	MDFHz float64 `json:"mdf_hz"`
	MNFHz float64 `json:"mnf_hz"`
	// RMS is the root mean square of the window's samples, in signal units
	// (no mean removal).
	RMS float64 `json:"rms"`
	// SD is the standard deviation of the window's samples (RMS after
	// removing the window's mean), the amplitude used for activity.
	SD float64 `json:"sd"`
	// Active reports whether SD reaches Summary.ActiveThreshold.
	Active bool `json:"active"`
	// Label is the JASA reading of the window.
	Label Label `json:"label"`
}

// Summary is the trend of one channel over the windows so far.
type Summary struct {
	// Windows is the number of windows, ActiveWindows the active ones.
	Windows, ActiveWindows int
	// SlopeHzPerS and InterceptHz are the ordinary least-squares line
	// MDF = intercept + slope·t over all windows, t = window centre (s);
	// NaN with fewer than 2 windows. This is the reference slope of
	// ../shared/data/mckiernan-sustained.
	SlopeHzPerS, InterceptHz float64
	// ActiveSlopeHzPerS and ActiveInterceptHz are the same fit over the
	// active windows only; ActiveSlopeT is the slope's t statistic
	// (slope / standard error).
	ActiveSlopeHzPerS, ActiveInterceptHz, ActiveSlopeT float64
	// BaselineMDFHz is the mean MDF of the first BaselineWindows active
	// windows, CurrentMDFHz that of the last BaselineWindows.
	BaselineMDFHz, CurrentMDFHz float64
	// DeclinePct is 100·(BaselineMDFHz − CurrentMDFHz)/BaselineMDFHz
	// (positive when the MDF fell); NaN with fewer than
	// 2·BaselineWindows active windows.
	DeclinePct float64
	// NoiseRMS is the noise floor used (Config.NoiseRMS or the estimate),
	// LevelSD the 90th percentile of the window SDs, and ActiveThreshold =
	// max(ActiveRatio·NoiseRMS, MinRelativeLevel·LevelSD), all in signal
	// units.
	NoiseRMS, LevelSD, ActiveThreshold float64
	// Fatigued is the fatigue flag: at least MinActiveWindows active
	// windows making at least MinActiveFraction of all windows, an active
	// relative slope ActiveSlopeHzPerS/BaselineMDFHz·100 ≤ MaxSlopePctPerS
	// with ActiveSlopeT ≤ −2, and DeclinePct ≥ MinDeclinePct.
	Fatigued bool
}

// lineFit returns the least-squares line y = a + b·t through the points
// selected by use, and the t statistic of b. It returns NaNs for fewer than
// two usable points (t needs three).
func lineFit(w []Window, halfWin float64, use func(*Window) bool) (slope, intercept, tStat float64, n int) {
	var st, sy float64
	for i := range w {
		if use(&w[i]) {
			st += w[i].TStartS + halfWin
			sy += w[i].MDFHz
			n++
		}
	}
	nan := math.NaN()
	if n < 2 {
		return nan, nan, nan, n
	}
	tm, ym := st/float64(n), sy/float64(n)
	var stt, sty float64
	for i := range w {
		if use(&w[i]) {
			dt := w[i].TStartS + halfWin - tm
			stt += dt * dt
			sty += dt * (w[i].MDFHz - ym)
		}
	}
	if stt == 0 {
		return nan, nan, nan, n
	}
	slope = sty / stt
	intercept = ym - slope*tm
	tStat = nan
	if n > 2 {
		var sse float64
		for i := range w {
			if use(&w[i]) {
				r := w[i].MDFHz - intercept - slope*(w[i].TStartS+halfWin)
				sse += r * r
			}
		}
		se := math.Sqrt(sse / float64(n-2) / stt)
		switch {
		case se > 0:
			tStat = slope / se
		case slope < 0:
			tStat = math.Inf(-1)
		case slope > 0:
			tStat = math.Inf(1)
		}
	}
	return slope, intercept, tStat, n
}

func usable(w *Window) bool       { return !math.IsNaN(w.MDFHz) }
func activeUsable(w *Window) bool { return w.Active && !math.IsNaN(w.MDFHz) }

// summarize marks active windows, labels them and fits the trends. w is
// modified in place (Active, Label). It does not allocate.
// scratch must hold len(w) values.
func summarize(cfg *Config, w []Window, noise float64, scratch []float64) Summary {
	s := Summary{Windows: len(w), NoiseRMS: noise, LevelSD: math.NaN()}
	if len(w) > 0 {
		sd := scratch[:len(w)]
		for i := range w {
			sd[i] = w[i].SD
		}
		s.LevelSD = selectK(sd, int(math.Floor(0.9*float64(len(sd)-1))))
	}
	s.ActiveThreshold = max(cfg.ActiveRatio*noise, cfg.MinRelativeLevel*s.LevelSD)
	halfWin := float64(cfg.WindowLen) / (2 * cfg.SampleRateHz)
	for i := range w {
		w[i].Active = w[i].SD >= s.ActiveThreshold && w[i].SD > 0
		if w[i].Active {
			s.ActiveWindows++
		}
	}
	s.SlopeHzPerS, s.InterceptHz, _, _ = lineFit(w, halfWin, usable)
	s.ActiveSlopeHzPerS, s.ActiveInterceptHz, s.ActiveSlopeT, _ = lineFit(w, halfWin, activeUsable)
	s.BaselineMDFHz, s.CurrentMDFHz, s.DeclinePct = math.NaN(), math.NaN(), math.NaN()
	b := cfg.BaselineWindows
	var nUse int
	for i := range w {
		if activeUsable(&w[i]) {
			nUse++
		}
	}
	if nUse >= 2*b {
		var first, last float64
		k := 0
		for i := range w {
			if activeUsable(&w[i]) {
				if k < b {
					first += w[i].MDFHz
				}
				if k >= nUse-b {
					last += w[i].MDFHz
				}
				k++
			}
		}
		s.BaselineMDFHz, s.CurrentMDFHz = first/float64(b), last/float64(b)
		s.DeclinePct = 100 * (s.BaselineMDFHz - s.CurrentMDFHz) / s.BaselineMDFHz
	}
	relSlope := 100 * s.ActiveSlopeHzPerS / s.BaselineMDFHz
	s.Fatigued = s.ActiveWindows >= cfg.MinActiveWindows &&
		float64(s.ActiveWindows) >= cfg.MinActiveFraction*float64(len(w)) &&
		relSlope <= cfg.MaxSlopePctPerS && s.ActiveSlopeT <= -2 &&
		s.DeclinePct >= cfg.MinDeclinePct
	for i := range w {
		w[i].Label = label(cfg, w[max(0, i-cfg.JASASpan+1):i+1])
	}
	return s
}

// label returns the JASA label of the last window of span: least-squares
// slopes of MDF and RMS over the active windows of span, relative to their
// means, in %/s.
func label(cfg *Config, span []Window) Label {
	last := &span[len(span)-1]
	if !activeUsable(last) {
		return Rest
	}
	var n, st, sm, sr float64
	for i := range span {
		if activeUsable(&span[i]) {
			n++
			st += span[i].TStartS
			sm += span[i].MDFHz
			sr += span[i].RMS
		}
	}
	if n < 3 {
		return Rest
	}
	tm, mm, rm := st/n, sm/n, sr/n
	var stt, stm, str float64
	for i := range span {
		if activeUsable(&span[i]) {
			dt := span[i].TStartS - tm
			stt += dt * dt
			stm += dt * (span[i].MDFHz - mm)
			str += dt * (span[i].RMS - rm)
		}
	}
	if stt == 0 || mm <= 0 || rm <= 0 {
		return Rest
	}
	return jasa(100*stm/stt/mm, 100*str/stt/rm, cfg.JASADeadZone)
}
