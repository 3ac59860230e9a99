package rehab

import (
	"fmt"
	"math"
	"strings"

	"myorehab/processing/pipeline"
)

// SuccessFraction is the share of the hold a %MVC rep must spend in its
// band, and the share of a gesture rep's decisions that must name the
// target gesture, for the rep to count as a success.
const SuccessFraction = 0.5

// GestureOnsetPct is the working level (% MVC) that marks the onset of a
// gesture rep when no classifier runs.
const GestureOnsetPct = 10

// Score is one repetition's score.
type Score struct {
	// HoldS is the hold's length; TimeInBandS the part of it with the
	// working level inside the band (seconds).
	HoldS, TimeInBandS float64
	// PeakPct and MeanPct are the working level's peak and mean over the
	// hold (% MVC; above 100 when the MVC was under-estimated).
	PeakPct, MeanPct float64
	// OnsetDelayS is the time from the cue to the level first reaching the
	// band (gesture reps: to the classifier first naming the gesture, or
	// the level reaching GestureOnsetPct without one); NaN when it never did.
	OnsetDelayS float64
	// CCIPct is the co-contraction index of the agonist and antagonist
	// (CoContraction); NaN without an antagonist.
	CCIPct float64
	// Accuracy is the fraction of the hold's decisions naming the target
	// gesture; NaN for %MVC reps or without a classifier.
	Accuracy float64
	// GloveRangePct is the largest finger position the glove reached in
	// the hold, in % of the range; NaN without a glove.
	GloveRangePct float64
	// Success says the rep met its goal (SuccessFraction).
	Success bool
}

// Series is a level sampled at RateHz: Level[i] holds for Dur[i] seconds
// from the cue (Dur nil: every value lasts 1/RateHz).
type Series struct {
	Level []float64
	Dur   []float64
}

// ScoreBand scores a %MVC hold: level is the working muscles' level from
// the cue to the end of the hold; low and high bound the band (% MVC).
// Time in band sums the durations of the values with low ≤ level ≤ high.
func ScoreBand(s Series, low, high float64) (timeInBand, peak, mean, onset float64) {
	onset = math.NaN()
	t, sum, total := 0.0, 0.0, 0.0
	for i, v := range s.Level {
		d := s.Dur[i]
		if v >= low && v <= high {
			timeInBand += d
		}
		if v >= low && math.IsNaN(onset) {
			onset = t
		}
		peak = max(peak, v)
		sum += v * d
		total += d
		t += d
	}
	if total > 0 {
		mean = sum / total
	}
	return timeInBand, peak, mean, onset
}

// CoContraction returns the co-contraction index of an agonist and an
// antagonist, Falconer and Winter (1985):
//
//	CCI = 2 · Σ min(a_i, b_i) / Σ (a_i + b_i) · 100 %
//
// over the samples of the two normalised envelopes (here % MVC, each
// muscle against its own MVC): the share of the total activity the two
// muscles have in common. 0 % is pure agonist activity, 100 % equal
// activity of both. NaN when both are silent or the lengths differ.
func CoContraction(a, b []float64) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return math.NaN()
	}
	common, total := 0.0, 0.0
	for i := range a {
		x, y := max(a[i], 0), max(b[i], 0)
		common += min(x, y)
		total += x + y
	}
	if total == 0 {
		return math.NaN()
	}
	return 200 * common / total
}

// scoreTrace scores one rep from the monitor's trace of the blocks from
// the cue to the end of the hold.
func scoreTrace(t Trace, ex *Exercise, work, ant []int, mvcUV []float64, target int) Score {
	sc := Score{CCIPct: math.NaN(), Accuracy: math.NaN(), GloveRangePct: math.NaN(), OnsetDelayS: math.NaN()}
	n := len(t.Ends)
	s := Series{Level: make([]float64, n), Dur: make([]float64, n)}
	var a, b []float64
	if len(ant) > 0 {
		a, b = make([]float64, n), make([]float64, n)
	}
	decisions, correct := 0, 0
	firstCorrect := math.NaN()
	elapsed := 0.0
	for k := range n {
		s.Level[k] = t.Level(k, work, mvcUV)
		s.Dur[k] = float64(t.Len[k]) / t.RateHz
		if a != nil {
			a[k], b[k] = s.Level[k], t.Level(k, ant, mvcUV)
		}
		if g := t.Glove[k]; !math.IsNaN(g) {
			sc.GloveRangePct = max(g, nanZero(sc.GloveRangePct))
		}
		elapsed += s.Dur[k]
		if c := t.Class[k]; c >= 0 && target >= 0 {
			decisions++
			if c == target {
				correct++
				if math.IsNaN(firstCorrect) {
					firstCorrect = elapsed
				}
			}
		}
	}
	sc.HoldS = elapsed
	if ex.Kind == KindMVC {
		sc.TimeInBandS, sc.PeakPct, sc.MeanPct, sc.OnsetDelayS = ScoreBand(s, ex.TargetLowPct, ex.TargetHighPct)
		sc.Success = sc.HoldS > 0 && sc.TimeInBandS >= SuccessFraction*sc.HoldS
	} else {
		_, sc.PeakPct, sc.MeanPct, sc.OnsetDelayS = ScoreBand(s, GestureOnsetPct, math.Inf(1))
		if decisions > 0 {
			sc.Accuracy = float64(correct) / float64(decisions)
			sc.OnsetDelayS = firstCorrect
			sc.Success = sc.Accuracy >= SuccessFraction
		} else {
			sc.Success = sc.MeanPct >= GestureOnsetPct
		}
	}
	if a != nil {
		sc.CCIPct = CoContraction(a, b)
	}
	return sc
}

func nanZero(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// Advice is a suggestion to rest.
type Advice struct {
	// Channel is the working muscle's label; Why says in plain words what
	// was seen (median frequency decline and slope).
	Channel string
	Why     string
	// DeclinePct and SlopeHzPerS are the fatigue trend's figures.
	DeclinePct, SlopeHzPerS float64
}

// FatigueAdvice returns a rest suggestion when one of the working channels
// chans shows fatigue in cond (the stream's median-frequency trend,
// processing/fatigue: the MDF falling during the active windows).
func FatigueAdvice(cond *pipeline.Conditions, chans []int, labels []string) (Advice, bool) {
	if cond == nil {
		return Advice{}, false
	}
	for _, c := range chans {
		if c < 0 || c >= len(cond.Fatigue) || !cond.Fatigue[c].Fatigued {
			continue
		}
		tr := cond.Fatigue[c]
		label := fmt.Sprintf("channel %d", c+1)
		if c < len(labels) {
			label = labels[c]
		}
		return Advice{Channel: label, DeclinePct: tr.DeclinePct, SlopeHzPerS: tr.SlopeHzPerS,
			Why: fmt.Sprintf("Suggest a rest: the median frequency of %s fell %.0f %% (%.2f Hz per second) while contracting — the muscle is tiring.",
				strings.TrimSpace(label), tr.DeclinePct, tr.SlopeHzPerS)}, true
	}
	return Advice{}, false
}

// AssistStep, AssistRange: the assist-as-needed rule. After each scored
// rep, the glove's assist level for the next rep of the exercise goes down
// by AssistStep points after a success (the patient did it: help less) and
// up by AssistStep after a failure (help more), never leaving
// [start − AssistRange, start + AssistRange] ∩ [0, 100], where start is the
// level the plan prescribes. A locked exercise keeps its level.
const (
	AssistStep  = 10
	AssistRange = 30
)

// NextAssist applies the assist-as-needed rule.
func NextAssist(a Assist, current int, success bool) int {
	if a.Locked || a.Mode == "" || a.Mode == "none" {
		return current
	}
	next := current + AssistStep
	if success {
		next = current - AssistStep
	}
	lo, hi := max(0, a.Level-AssistRange), min(100, a.Level+AssistRange)
	return min(max(next, lo), hi)
}
