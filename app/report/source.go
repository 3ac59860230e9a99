package report

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"myorehab/app/rehab"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// DBRehab is the RehabSource over app/rehab's records in the database
// (migration 0005): rehab sessions with their scored repetitions, the
// plan in force and the MVC measurements.
type DBRehab struct{ DB *sqlite.DB }

var _ RehabSource = DBRehab{}

// minHoldSeconds is the shortest hold whose median-frequency slope counts
// as a sustained hold (whole seconds of per-second metrics inside it).
const minHoldSeconds = 3

// RehabSessions returns the figures of every rehab session of the patient:
// repetitions planned and completed (not skipped), time in band (the
// reps' seconds in band over their hold seconds), the highest peak %MVC,
// and the means over the reps that have them of co-contraction,
// classifier accuracy, glove range and assistance level; the MDF slope is
// the mean over sustained holds (at least minHoldSeconds whole seconds)
// and channels of the least-squares slope of the per-second median
// frequency.
func (d DBRehab) RehabSessions(ctx context.Context, patientID int64) ([]RehabSession, error) {
	ss, err := d.DB.ListSessions(ctx, storage.SessionFilter{PatientID: patientID})
	if err != nil {
		return nil, err
	}
	var out []RehabSession
	for _, s := range ss {
		rs, err := d.DB.RehabSessionOf(ctx, s.ID)
		if errors.Is(err, storage.ErrNotFound) {
			continue // not a guided session (or interrupted before its summary)
		}
		if err != nil {
			return nil, err
		}
		reps, err := d.DB.RehabReps(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		metrics, err := d.DB.SessionMetrics(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, summarize(rs, reps, metrics, s.RateHz))
	}
	return out, nil
}

// summarize computes one session's figures (see RehabSessions).
func summarize(rs *storage.RehabSession, reps []*storage.RehabRep, metrics []storage.SecondMetrics, rateHz float64) RehabSession {
	r := RehabSession{SessionID: rs.SessionID, RepsPlanned: rs.PlannedReps, RepsCompleted: rs.CompletedReps,
		TimeInBandPct: math.NaN(), PeakPctMVC: math.NaN(), CoContractionPct: math.NaN(), MDFSlopeHzPerS: math.NaN(),
		AccuracyPct: math.NaN(), GloveRangePct: math.NaN(), AssistPct: math.NaN()}
	type acc struct{ sum, n float64 }
	var inBand, hold float64
	var cci, accu, glove, assist, slope acc
	addIf := func(a *acc, v float64) {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			a.sum += v
			a.n++
		}
	}
	bySecond := map[int64]storage.SecondMetrics{}
	for _, m := range metrics {
		bySecond[m.Second] = m
	}
	for i, x := range reps {
		rep := Rep{Index: i + 1, Exercise: x.Exercise, Completed: !x.Skipped, DurationS: x.HoldS,
			TimeInBandPct: math.NaN(), PeakPctMVC: x.PeakMVCPct}
		if x.HoldS > 0 {
			rep.TimeInBandPct = 100 * x.TimeInBandS / x.HoldS
		}
		r.Reps = append(r.Reps, rep)
		if x.Skipped {
			continue
		}
		if x.Kind == "mvc" {
			inBand += x.TimeInBandS
			hold += x.HoldS
		}
		if math.IsNaN(r.PeakPctMVC) || x.PeakMVCPct > r.PeakPctMVC {
			r.PeakPctMVC = x.PeakMVCPct
		}
		addIf(&cci, x.CCIPct)
		addIf(&accu, 100*x.ClassifierAccuracy)
		addIf(&glove, x.GloveRangePct)
		if x.AssistMode != "" {
			addIf(&assist, float64(x.AssistLevel))
		}
		if rateHz > 0 {
			addIf(&slope, holdSlope(bySecond, x.CueSample, x.HoldSamples, rateHz))
		}
	}
	if hold > 0 {
		r.TimeInBandPct = 100 * inBand / hold
	}
	mean := func(a acc) float64 {
		if a.n == 0 {
			return math.NaN()
		}
		return a.sum / a.n
	}
	r.CoContractionPct, r.AccuracyPct, r.GloveRangePct, r.AssistPct, r.MDFSlopeHzPerS = mean(cci), mean(accu), mean(glove), mean(assist), mean(slope)
	return r
}

// holdSlope is the mean over channels of the MDF slope (Hz/s) over the
// whole seconds inside the hold [cue, cue+n) samples, NaN for a hold
// shorter than minHoldSeconds whole seconds.
func holdSlope(bySecond map[int64]storage.SecondMetrics, cue, n int64, rateHz float64) float64 {
	first := int64(math.Ceil(float64(cue) / rateHz))
	last := int64(math.Floor(float64(cue+n)/rateHz)) - 1 // the last second ending inside the hold
	if last-first+1 < minHoldSeconds {
		return math.NaN()
	}
	var sum, cnt float64
	for c := 0; ; c++ {
		var x, y []float64
		more := false
		for sec := first; sec <= last; sec++ {
			m, ok := bySecond[sec]
			if !ok || c >= len(m.MDF) {
				continue
			}
			more = true
			if v := m.MDF[c]; !math.IsNaN(v) {
				x = append(x, float64(sec))
				y = append(y, v)
			}
		}
		if !more {
			break
		}
		if len(x) >= minHoldSeconds {
			if s := Slope(x, y); !math.IsNaN(s) {
				sum += s
				cnt++
			}
		}
	}
	if cnt == 0 {
		return math.NaN()
	}
	return sum / cnt
}

// Prescription returns the plan in force (the newest version) in words
// and its sessions per week.
func (d DBRehab) Prescription(ctx context.Context, patientID int64) (Prescription, error) {
	sp, err := d.DB.LatestRehabPlan(ctx, patientID)
	if errors.Is(err, storage.ErrNotFound) {
		return Prescription{}, nil
	}
	if err != nil {
		return Prescription{}, err
	}
	p, err := rehab.Parse(sp.JSON)
	if err != nil {
		return Prescription{Plan: sp.Name + " (plan version " + fmt.Sprint(sp.Version) + " cannot be read)"}, nil
	}
	pr := Prescription{Plan: DescribePlan(p, sp.Version), SessionsPerWeek: p.SessionsPerWeek}
	for _, e := range p.Exercises {
		for _, m := range append(append([]string(nil), e.Channels...), e.Antagonist...) {
			if !slices.Contains(pr.Muscles, m) {
				pr.Muscles = append(pr.Muscles, m)
			}
		}
	}
	return pr, nil
}

// DescribePlan writes plan p (version v) in words: its name and each
// exercise's repetitions, hold and target.
func DescribePlan(p *rehab.Plan, v int) string {
	var ex []string
	for _, e := range p.Exercises {
		s := fmt.Sprintf("%s %d×%d × %g s", e.Name, e.SetCount(), e.Reps, e.HoldS)
		if e.Kind == rehab.KindMVC {
			s += fmt.Sprintf(" at %g–%g %% MVC", e.TargetLowPct, e.TargetHighPct)
		}
		if e.Assist.Mode != "" {
			s += fmt.Sprintf(", glove %s %d %%", e.Assist.Mode, e.Assist.Level)
		}
		ex = append(ex, s)
	}
	return fmt.Sprintf("%s (version %d): %s", p.Name, v, strings.Join(ex, "; "))
}

// MVC returns the MVC measurements per session.
func (d DBRehab) MVC(ctx context.Context, patientID int64) (map[int64]map[string]float64, error) {
	ms, err := d.DB.ListMVC(ctx, patientID)
	if err != nil {
		return nil, err
	}
	out := map[int64]map[string]float64{}
	for _, m := range ms {
		if m.SessionID == 0 {
			continue
		}
		v := map[string]float64{}
		for i, l := range m.Labels {
			if i < len(m.MVCUV) {
				v[l] = m.MVCUV[i]
			}
		}
		out[m.SessionID] = v
	}
	return out, nil
}
