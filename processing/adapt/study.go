package adapt

import (
	"fmt"
	"math/bits"
)

// Data is labelled feature rows (labels in [0, K)). Test rows are taken in
// their order as the stream seen during use.
type Data struct {
	X [][]float64
	Y []int
}

// Subject is one participant of a Study: the full training session, the
// short calibration (e.g. the first repetition of every gesture of that
// session) and the later test session, all with the same features and
// class indices.
type Subject struct {
	Name               string
	Train, Calib, Test Data
}

// StudyConfig configures Study.
type StudyConfig struct {
	// Classes is K.
	Classes int
	// Weights is the grid searched for both α (means, priors) and β
	// (covariance, shrinkage), each in [0, 1].
	Weights []float64
	// Online is the grid of online settings searched.
	Online []OnlineConfig
}

// Choice is a setting chosen by the inner leave-one-participant-out.
type Choice struct {
	Alpha, Beta float64
	Online      OnlineConfig
	// InnerAccuracy is the mean accuracy of the adapted model with Alpha,
	// Beta over the inner participants, and InnerOnline that of the
	// online model with Online.
	InnerAccuracy, InnerOnline float64
}

// SubjectResult is the accuracy (fraction of the subject's test rows
// classified correctly) of every model for one held-out subject.
type SubjectResult struct {
	Name string
	// Base: trained on the other subjects' training sessions, no
	// calibration.
	Base float64
	// CalibOnly: trained on the subject's calibration only (α = β = 1).
	CalibOnly float64
	// Adapted: Mix(base, calibration, Choice.Alpha, Choice.Beta).
	Adapted float64
	// AdaptedOnline: Adapted, then Online with Choice.Online over the
	// test rows in order (each decision made before its own update).
	AdaptedOnline float64
	// BaseOnline: Online with Choice.Online from the base model (no
	// calibration at all).
	BaseOnline float64
	// Full: trained on the subject's whole training session.
	Full float64
	// Updates is the number of online updates AdaptedOnline made.
	Updates     int
	TestWindows int
	// Choice was made on the other subjects only.
	Choice Choice
}

// StudyResult holds a Study's per-subject results and, for reporting, the
// mean outer accuracy of every grid point (these were not used to choose).
type StudyResult struct {
	Subjects []SubjectResult
	Weights  []float64
	// Grid[a][b] is the mean over subjects of the adapted model's accuracy
	// with α = Weights[a], β = Weights[b].
	Grid [][]float64
	// OnlineGrid[i] is the mean over subjects of AdaptedOnline with
	// Online[i] instead of the chosen setting.
	OnlineGrid []float64
	// Final is the choice made by leave-one-participant-out over all
	// subjects: the setting for a new patient.
	Final Choice
}

// Study runs the adaptation protocol, leave one participant out: for each
// subject k the base model is fitted on the training sessions of all the
// others, and the weights and online setting are chosen by an inner
// leave-one-participant-out on those others only (for each inner subject
// j: base on the rest but k and j, adapted with j's calibration, scored on
// j's test session; the grid point with the best mean wins, the first on a
// tie). Results are deterministic. At most 64 subjects.
func Study(subjects []Subject, cfg StudyConfig) (*StudyResult, error) {
	n := len(subjects)
	if n < 3 || n > 64 {
		return nil, fmt.Errorf("%w: %d subjects (need 3 to 64)", ErrData, n)
	}
	if len(cfg.Weights) == 0 || len(cfg.Online) == 0 {
		return nil, fmt.Errorf("%w: empty weight or online grid", ErrData)
	}
	for _, w := range cfg.Weights {
		if !(w >= 0 && w <= 1) {
			return nil, fmt.Errorf("%w: weight %v outside [0, 1]", ErrData, w)
		}
	}
	for _, oc := range cfg.Online {
		if err := oc.validate(); err != nil {
			return nil, err
		}
	}
	st := &study{s: subjects, cfg: cfg, base: map[uint64]*Stats{}}
	st.calib = make([]*Stats, n)
	st.full = make([]*Stats, n)
	for i, s := range subjects {
		var err error
		if st.calib[i], err = Fit(s.Calib.X, s.Calib.Y, cfg.Classes); err != nil {
			return nil, fmt.Errorf("%s calibration: %w", s.Name, err)
		}
		if st.full[i], err = Fit(s.Train.X, s.Train.Y, cfg.Classes); err != nil {
			return nil, fmt.Errorf("%s training: %w", s.Name, err)
		}
	}
	all := uint64(1)<<n - 1
	res := &StudyResult{Weights: cfg.Weights, OnlineGrid: make([]float64, len(cfg.Online))}
	nw := len(cfg.Weights)
	res.Grid = make([][]float64, nw)
	for a := range res.Grid {
		res.Grid[a] = make([]float64, nw)
	}
	for k, s := range subjects {
		ch, err := st.choose(all &^ (1 << k))
		if err != nil {
			return nil, err
		}
		base, err := st.baseStats(all &^ (1 << k))
		if err != nil {
			return nil, err
		}
		r := SubjectResult{Name: s.Name, Choice: ch, TestWindows: len(s.Test.X)}
		grid, err := st.weightGrid(base, k)
		if err != nil {
			return nil, err
		}
		for a := range grid {
			for b, v := range grid[a] {
				res.Grid[a][b] += v / float64(n)
			}
		}
		baseLDA, err := NewLDA(base)
		if err != nil {
			return nil, err
		}
		r.Base = accuracy(baseLDA, s.Test)
		if r.CalibOnly, err = st.score(st.calib[k], s.Test); err != nil {
			return nil, err
		}
		if r.Full, err = st.score(st.full[k], s.Test); err != nil {
			return nil, err
		}
		adapted, err := st.adapted(base, k, ch.Alpha, ch.Beta)
		if err != nil {
			return nil, err
		}
		r.Adapted = accuracy(adapted, s.Test)
		if r.AdaptedOnline, r.Updates, err = onlineAccuracy(adapted, ch.Online, s.Test); err != nil {
			return nil, err
		}
		if r.BaseOnline, _, err = onlineAccuracy(baseLDA, ch.Online, s.Test); err != nil {
			return nil, err
		}
		for i, oc := range cfg.Online {
			acc, _, err := onlineAccuracy(adapted, oc, s.Test)
			if err != nil {
				return nil, err
			}
			res.OnlineGrid[i] += acc / float64(n)
		}
		res.Subjects = append(res.Subjects, r)
	}
	var err error
	if res.Final, err = st.choose(all); err != nil {
		return nil, err
	}
	return res, nil
}

// study holds a Study's cached statistics.
type study struct {
	s           []Subject
	cfg         StudyConfig
	calib, full []*Stats
	base        map[uint64]*Stats // by subject bit set
}

// baseStats returns the statistics of the training sessions of the
// subjects in set.
func (st *study) baseStats(set uint64) (*Stats, error) {
	if s, ok := st.base[set]; ok {
		return s, nil
	}
	var X [][]float64
	var y []int
	for i := range st.s {
		if set&(1<<i) != 0 {
			X = append(X, st.s[i].Train.X...)
			y = append(y, st.s[i].Train.Y...)
		}
	}
	s, err := Fit(X, y, st.cfg.Classes)
	if err != nil {
		return nil, fmt.Errorf("base of %d subjects: %w", bits.OnesCount64(set), err)
	}
	st.base[set] = s
	return s, nil
}

// score returns the accuracy of the LDA of s on d.
func (st *study) score(s *Stats, d Data) (float64, error) {
	m, err := NewLDA(s)
	if err != nil {
		return 0, err
	}
	return accuracy(m, d), nil
}

// adapted returns the LDA of base mixed with subject j's calibration.
func (st *study) adapted(base *Stats, j int, alpha, beta float64) (*LDA, error) {
	s, err := Mix(base, st.calib[j], alpha, beta)
	if err != nil {
		return nil, err
	}
	return NewLDA(s)
}

// weightGrid returns the accuracy on subject j's test rows of base adapted
// with j's calibration for every (α, β) of the grid.
func (st *study) weightGrid(base *Stats, j int) ([][]float64, error) {
	w := st.cfg.Weights
	g := make([][]float64, len(w))
	for a, alpha := range w {
		g[a] = make([]float64, len(w))
		for b, beta := range w {
			m, err := st.adapted(base, j, alpha, beta)
			if err != nil {
				return nil, err
			}
			g[a][b] = accuracy(m, st.s[j].Test)
		}
	}
	return g, nil
}

// choose picks the weights, then the online setting, by leave one
// participant out within set: each subject j of set is adapted from the
// base of set without j.
func (st *study) choose(set uint64) (Choice, error) {
	w := st.cfg.Weights
	mean := make([][]float64, len(w))
	for a := range mean {
		mean[a] = make([]float64, len(w))
	}
	inner := bits.OnesCount64(set)
	var members []int
	for j := range st.s {
		if set&(1<<j) == 0 {
			continue
		}
		members = append(members, j)
		base, err := st.baseStats(set &^ (1 << j))
		if err != nil {
			return Choice{}, err
		}
		g, err := st.weightGrid(base, j)
		if err != nil {
			return Choice{}, err
		}
		for a := range g {
			for b, v := range g[a] {
				mean[a][b] += v / float64(inner)
			}
		}
	}
	var ch Choice
	ch.InnerAccuracy = -1
	for a := range mean {
		for b, v := range mean[a] {
			if v > ch.InnerAccuracy {
				ch.Alpha, ch.Beta, ch.InnerAccuracy = w[a], w[b], v
			}
		}
	}
	ch.InnerOnline = -1
	for _, oc := range st.cfg.Online {
		var acc float64
		for _, j := range members {
			base, err := st.baseStats(set &^ (1 << j))
			if err != nil {
				return Choice{}, err
			}
			m, err := st.adapted(base, j, ch.Alpha, ch.Beta)
			if err != nil {
				return Choice{}, err
			}
			a, _, err := onlineAccuracy(m, oc, st.s[j].Test)
			if err != nil {
				return Choice{}, err
			}
			acc += a / float64(inner)
		}
		if acc > ch.InnerOnline {
			ch.Online, ch.InnerOnline = oc, acc
		}
	}
	return ch, nil
}

// accuracy returns the fraction of rows of d that m classifies correctly.
func accuracy(m *LDA, d Data) float64 {
	if len(d.X) == 0 {
		return 0
	}
	ok := 0
	for i, x := range d.X {
		if m.Predict(nil, x) == d.Y[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(d.X))
}

// onlineAccuracy streams the rows of d in order through an Online started
// from m and returns the fraction decided correctly (each before its own
// update) and the number of updates.
func onlineAccuracy(m *LDA, cfg OnlineConfig, d Data) (float64, int, error) {
	o, err := NewOnline(m, cfg)
	if err != nil {
		return 0, 0, err
	}
	if len(d.X) == 0 {
		return 0, 0, nil
	}
	ok := 0
	for i, x := range d.X {
		if c, _ := o.Observe(nil, x); c == d.Y[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(d.X)), o.Updates(), nil
}
