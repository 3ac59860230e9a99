package report

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"myorehab/storage"
)

// history is three weeks (Mon 2 – Sun 22 March 2026) of a patient with a
// prescription of 3 sessions a week; figures chosen to be computed by hand.
func history() ([]*storage.Session, []*storage.Model, []RehabSession) {
	at := func(d int) time.Time { return time.Date(2026, 3, d, 10, 0, 0, 0, time.Local) }
	sess := func(id int64, d int, typ storage.SessionType, st storage.SessionStatus) *storage.Session {
		return &storage.Session{ID: id, StartedAt: at(d), Type: typ, Status: st, RateHz: 1000, Samples: 600000}
	}
	ss := []*storage.Session{
		sess(1, 2, storage.SessionCalibration, storage.StatusCompleted),
		sess(2, 2, storage.SessionTherapy, storage.StatusCompleted),
		sess(3, 4, storage.SessionTherapy, storage.StatusCompleted),
		sess(4, 6, storage.SessionTherapy, storage.StatusInterrupted),
		sess(5, 9, storage.SessionTherapy, storage.StatusCompleted),
		sess(6, 11, storage.SessionTherapy, storage.StatusCompleted),
		sess(7, 13, storage.SessionTherapy, storage.StatusCompleted),
		sess(8, 14, storage.SessionImport, storage.StatusCompleted),
		sess(9, 16, storage.SessionCalibration, storage.StatusCompleted),
		sess(10, 16, storage.SessionTherapy, storage.StatusCompleted),
	}
	ss[1].StartedAt = ss[1].StartedAt.Add(time.Hour) // rehab after the calibration
	ss[9].StartedAt = ss[9].StartedAt.Add(time.Hour)
	model := func(session int64, acc float64, mvc ...float64) *storage.Model {
		extra, _ := json.Marshal(map[string]any{"mvc_uv": mvc})
		return &storage.Model{SessionID: session, Accuracy: acc, Meta: storage.ModelMeta{Channels: []string{"FDS", "EDC"}, Extra: extra}}
	}
	models := []*storage.Model{model(1, 0.9, 100, 80), model(9, 0.95, 130, 110)}
	r := func(id int64, done, band float64) RehabSession {
		return RehabSession{SessionID: id, RepsPlanned: 30, RepsCompleted: int(done), TimeInBandPct: band,
			PeakPctMVC: 50, CoContractionPct: 30, MDFSlopeHzPerS: -0.2, AccuracyPct: 85, GloveRangePct: 70, AssistPct: 40}
	}
	rehab := []RehabSession{r(2, 20, 40), r(3, 25, 50), r(4, 5, 20), r(5, 30, 60), r(6, 28, 70), r(7, 30, 80), r(10, 30, 90)}
	return ss, models, rehab
}

func near(a Num, b float64) bool { return a.OK() && math.Abs(float64(a)-b) < 1e-9 }

// TestWeeklyAndTrendsByHand checks the weekly aggregation, the adherence
// and the trends against figures computed by hand (see history).
func TestWeeklyAndTrendsByHand(t *testing.T) {
	ss, models, rehab := history()
	p := Compute(Inputs{Patient: storage.Patient{Code: "P-1"}, Sessions: ss, Models: models, Rehab: rehab, Prescription: Prescription{SessionsPerWeek: 3}}, Options{})
	if p.From != "2026-03-02" || p.To != "2026-03-22" || len(p.Sessions) != 10 {
		t.Fatalf("period %s – %s, %d sessions", p.From, p.To, len(p.Sessions))
	}
	if s := p.Sessions[0]; s.Type != TypeCalibration || !near(s.CVAccuracyPct, 90) || s.MVCUV["FDS"] != 100 {
		t.Errorf("first session %+v", s)
	}
	if s := p.Sessions[7]; s.Type != TypeImported || p.Sessions[3].Status != "interrupted" || p.Sessions[1].Type != TypeRehab {
		t.Errorf("types: %s %s %s", s.Type, p.Sessions[3].Status, p.Sessions[1].Type)
	}
	want := []struct {
		week                            string
		sessions, rehab, interr, reps   int
		planned                         int
		band, adherence, mvcFDS, mvcEDC float64
	}{
		{"2026-03-02", 4, 2, 1, 50, 90, (40 + 50 + 20) / 3.0, 100 * 2 / 3.0, 100, 80},
		{"2026-03-09", 4, 3, 0, 88, 90, 70, 100, -1, -1},
		{"2026-03-16", 2, 1, 0, 30, 30, 90, 100 * 1 / 3.0, 130, 110}, // the period ends on that week's Sunday
	}
	if len(p.Weekly) != len(want) {
		t.Fatalf("%d weeks, want %d", len(p.Weekly), len(want))
	}
	for i, w := range want {
		g := p.Weekly[i]
		if g.Week != w.week || g.Sessions != w.sessions || g.RehabSessions != w.rehab || g.Interrupted != w.interr ||
			g.RepsCompleted != w.reps || g.RepsPlanned != w.planned || !near(g.TimeInBandPct, w.band) || !near(g.AdherencePct, w.adherence) {
			t.Errorf("week %d: %+v\nwant %+v", i, g, w)
		}
		if fds, ok := g.MVCUV["FDS"]; (w.mvcFDS < 0) == ok || (ok && (fds != w.mvcFDS || g.MVCUV["EDC"] != w.mvcEDC)) {
			t.Errorf("week %d MVC %v, want FDS %v EDC %v", i, g.MVCUV, w.mvcFDS, w.mvcEDC)
		}
	}
	// Trends over weeks 0, 1, 2: time in band 36.67, 70, 90 → slope
	// ((−1)(36.67−65.56) + (1)(90−65.56)) / 2 = 26.67 %/week; reps 50, 88,
	// 30 → −10/week; MVC FDS 100 → 130 over 2 weeks = 15 µV/week.
	if !near(p.Trends.TimeInBandPctPerWeek, 80.0/3) || !near(p.Trends.RepsPerWeek, -10) ||
		p.Trends.MVCUVPerWeek["FDS"] != 15 || p.Trends.MVCUVPerWeek["EDC"] != 15 {
		t.Errorf("trends %+v", p.Trends)
	}
	// Adherence: 6 completed sessions for 3 + 3 + 3 prescribed.
	if !near(p.Trends.AdherencePct, 100*6/9.0) {
		t.Errorf("adherence %v", p.Trends.AdherencePct)
	}
}

// TestPeriodBounds: a period starting on a Wednesday prescribes 5/7 of the
// first week and leaves earlier sessions out; without an end, the period
// ends on the last record's Sunday unless today is earlier.
func TestPeriodBounds(t *testing.T) {
	ss, models, rehab := history()
	from := time.Date(2026, 3, 4, 0, 0, 0, 0, time.Local)
	to := time.Date(2026, 3, 22, 0, 0, 0, 0, time.Local)
	p := Compute(Inputs{Patient: storage.Patient{Code: "P-1"}, Sessions: ss, Models: models, Rehab: rehab, Prescription: Prescription{SessionsPerWeek: 3}}, Options{From: from, To: to})
	if len(p.Sessions) != 8 || p.From != "2026-03-04" || p.To != "2026-03-22" {
		t.Fatalf("%d sessions, %s – %s", len(p.Sessions), p.From, p.To)
	}
	w := p.Weekly[0]
	if w.Sessions != 2 || w.RehabSessions != 1 || !near(w.Prescribed, 3*5/7.0) || !near(w.AdherencePct, 100/(3*5/7.0)) {
		t.Errorf("first week %+v", w)
	}
	if !near(p.Trends.AdherencePct, 100*5/(3*5/7.0+6)) {
		t.Errorf("adherence %v", p.Trends.AdherencePct)
	}
	today := time.Date(2026, 3, 18, 15, 0, 0, 0, time.Local) // a Wednesday
	p = Compute(Inputs{Patient: storage.Patient{Code: "P-1"}, Sessions: ss, Models: models, Rehab: rehab, Prescription: Prescription{SessionsPerWeek: 3}}, Options{Today: today})
	if w := p.Weekly[2]; p.To != "2026-03-18" || !near(w.Prescribed, 3*3/7.0) {
		t.Errorf("to %s, last week prescribed %v", p.To, w.Prescribed)
	}
}

func TestSlope(t *testing.T) {
	if s := Slope([]float64{0, 1, 2, 3}, []float64{1, 3, 5, 7}); s != 2 {
		t.Errorf("slope %v, want 2", s)
	}
	if s := Slope([]float64{1}, []float64{1}); !math.IsNaN(s) {
		t.Errorf("one point: %v", s)
	}
	if s := Slope([]float64{2, 2}, []float64{1, 5}); !math.IsNaN(s) {
		t.Errorf("equal x: %v", s)
	}
}

func TestNumJSON(t *testing.T) {
	b, err := json.Marshal(struct{ A, B Num }{Num(1.234567), NaN})
	if err != nil || string(b) != `{"A":1.2346,"B":null}` {
		t.Errorf("%s %v", b, err)
	}
}
