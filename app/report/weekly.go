package report

import (
	"math"
	"time"
)

// weekly aggregates the sessions (sorted by start) of the weeks from
// from's Monday to to's, one Week each, empty weeks included. perWeek is
// the prescribed rehabilitation sessions per week: a week only partly
// inside the period is prescribed its share of days.
func weekly(ss []SessionRow, from, to time.Time, perWeek float64) []Week {
	var weeks []Week
	for m := monday(from); !m.After(to); m = m.AddDate(0, 0, 7) {
		weeks = append(weeks, Week{Week: m.Format(dateLayout), Start: m, MVCUV: map[string]float64{}, ByType: map[string]int{}})
	}
	type acc struct{ sum, n float64 }
	add := func(a *acc, v Num) {
		if v.OK() {
			a.sum += float64(v)
			a.n++
		}
	}
	mean := func(a acc) Num {
		if a.n == 0 {
			return NaN
		}
		return Num(a.sum / a.n)
	}
	for i := range weeks {
		w := &weeks[i]
		end := w.Start.AddDate(0, 0, 7)
		var band, peak, cci, slope, accu, assist acc
		mvc := map[string]*acc{}
		for _, s := range ss {
			d := day(s.Start.In(time.Local))
			if d.Before(w.Start) || !d.Before(end) {
				continue
			}
			w.Sessions++
			w.ByType[s.Type]++
			if s.Status == "interrupted" {
				w.Interrupted++
			}
			for m, v := range s.MVCUV {
				if mvc[m] == nil {
					mvc[m] = &acc{}
				}
				add(mvc[m], Num(v))
			}
			if s.Type != TypeRehab {
				continue
			}
			if s.Status == "completed" {
				w.RehabSessions++
			}
			w.RepsCompleted += s.RepsCompleted
			w.RepsPlanned += s.RepsPlanned
			add(&band, s.TimeInBandPct)
			add(&peak, s.PeakPctMVC)
			add(&cci, s.CoContractionPct)
			add(&slope, s.MDFSlopeHzPerS)
			add(&accu, s.AccuracyPct)
			add(&assist, s.AssistPct)
		}
		w.TimeInBandPct, w.PeakPctMVC, w.CoContractionPct = mean(band), mean(peak), mean(cci)
		w.MDFSlopeHzPerS, w.AccuracyPct, w.AssistPct = mean(slope), mean(accu), mean(assist)
		for m, a := range mvc {
			if a.n > 0 {
				w.MVCUV[m] = a.sum / a.n
			}
		}
		w.AdherencePct, w.Prescribed = NaN, NaN
		if days := daysInside(w.Start, end, from, to); perWeek > 0 && days > 0 {
			w.Prescribed = Num(perWeek * float64(days) / 7)
			w.AdherencePct = Num(100 * float64(w.RehabSessions) / float64(w.Prescribed))
		}
	}
	return weeks
}

// daysInside counts the days of [start, end) that lie in [from, to]
// (calendar dates).
func daysInside(start, end, from, to time.Time) int {
	n := 0
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		if !d.Before(from) && !d.After(to) {
			n++
		}
	}
	return n
}

// trends fits the weekly series.
func trends(weeks []Week, muscles []string, perWeek float64) Trends {
	t := Trends{TimeInBandPctPerWeek: NaN, RepsPerWeek: NaN, AdherencePct: NaN, MVCUVPerWeek: map[string]float64{}}
	var x, band, reps []float64
	var xb []float64
	for i, w := range weeks {
		x = append(x, float64(i))
		reps = append(reps, float64(w.RepsCompleted))
		if w.TimeInBandPct.OK() {
			xb = append(xb, float64(i))
			band = append(band, float64(w.TimeInBandPct))
		}
	}
	t.TimeInBandPctPerWeek = Num(Slope(xb, band))
	t.RepsPerWeek = Num(Slope(x, reps))
	for _, m := range muscles {
		var xm, ym []float64
		for i, w := range weeks {
			if v, ok := w.MVCUV[m]; ok {
				xm = append(xm, float64(i))
				ym = append(ym, v)
			}
		}
		if s := Slope(xm, ym); !math.IsNaN(s) {
			t.MVCUVPerWeek[m] = s
		}
	}
	done, prescribed := 0, 0.0
	for _, w := range weeks {
		done += w.RehabSessions
		prescribed += float64(w.Prescribed)
	}
	if perWeek > 0 && prescribed > 0 {
		t.AdherencePct = Num(100 * float64(done) / prescribed)
	}
	return t
}

// Slope is the least-squares slope of y against x; NaN for fewer than two
// points or x all equal.
func Slope(x, y []float64) float64 {
	n := float64(len(x))
	if len(x) < 2 || len(x) != len(y) {
		return math.NaN()
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= n
	my /= n
	var sxy, sxx float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
	}
	if sxx == 0 {
		return math.NaN()
	}
	return sxy / sxx
}
