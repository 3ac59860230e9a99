package pipeline

import (
	"math"
	"time"

	"myorehab/processing/kalman"
)

// levelSmoother smooths Decision.Level with a random-walk Kalman filter
// (processing/kalman): the level is modelled as a random walk, L[k] =
// L[k−1] + w with var(w) = LevelQ, observed as the window level z[k] = L[k]
// + v with var(v) = LevelR (both in level units², level ∈ [0, 1], per
// decision). The first window level initialises it; the gain then falls
// from (R+Q)/(2R+Q) to the steady-state gain K = kalman.SteadyStateGain(Q, R)
// within a few 1/K decisions, after which the output is the exponential
// average y[k] = y[k−1] + K·(z[k] − y[k−1]).
// Every output is a convex combination of window levels, so it stays in
// [0, 1].
type levelSmoother struct {
	f *kalman.Filter
	k float64 // steady-state gain
}

// newLevelSmoother returns the smoother of cfg, nil when LevelQ and LevelR
// are both 0. It panics unless both are positive and finite or both 0.
func newLevelSmoother(cfg DeciderConfig) *levelSmoother {
	q, r := cfg.LevelQ, cfg.LevelR
	if q == 0 && r == 0 {
		return nil
	}
	f, err := kalman.NewFilter(kalman.Params{Model: kalman.RandomWalk, Q: q, R: r})
	if err != nil {
		panic("pipeline: LevelQ and LevelR must both be positive and finite, or both 0")
	}
	return &levelSmoother{f: f, k: kalman.SteadyStateGain(q, r)}
}

// HalfTime returns the step-response half-time, in decisions, of the
// settled random-walk Kalman filter with gain k (0 < k ≤ 1): after a step
// of the input the output has covered 1 − (1−k)^m of it m decisions later
// (counting the decision at the step as 1), so half of it after
// ln 0.5 / ln(1−k) decisions (0 for k = 1). Its mean lag, the delay of a
// ramp, is (1−k)/k decisions.
func HalfTime(k float64) float64 {
	if !(k > 0 && k <= 1) {
		panic("pipeline: Kalman gain outside (0, 1]")
	}
	if k == 1 {
		return 0
	}
	return math.Log(0.5) / math.Log1p(-k)
}

// LevelGain returns the steady-state Kalman gain K of the level smoothing
// (kalman.SteadyStateGain(LevelQ, LevelR)), or 1 (no smoothing) when it is
// off.
func (d *Decider) LevelGain() float64 {
	if d.smooth == nil {
		return 1
	}
	return d.smooth.k
}

// LevelDelay returns the delay the level smoothing adds once settled: the
// step-response half-time HalfTime(LevelGain()) in decisions, and the same
// in time (decisions × Increment / RateHz). Both are 0 without smoothing.
// For example LevelQ = 1e-3, LevelR = 1e-2 give K ≈ 0.27, a half-time of
// 2.2 decisions, 55 ms at 25-sample increments and 1 kHz.
func (d *Decider) LevelDelay() (decisions float64, delay time.Duration) {
	if d.smooth == nil {
		return 0, 0
	}
	decisions = HalfTime(d.smooth.k)
	step := float64(d.cfg.Increment) / d.cfg.RateHz
	return decisions, time.Duration(decisions * step * float64(time.Second))
}
