package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// Session types as the progress view separates them.
const (
	TypeRehab       = "rehab"
	TypeCalibration = "calibration"
	TypeRecording   = "recording"
	TypeImported    = "imported"
)

// Types lists the session types in the order charts show them.
var Types = []string{TypeRehab, TypeCalibration, TypeRecording, TypeImported}

// typeOf maps a stored session type to the progress view's.
func typeOf(t storage.SessionType) string {
	switch t {
	case storage.SessionCalibration:
		return TypeCalibration
	case storage.SessionImport:
		return TypeImported
	case storage.SessionTherapy, "rehab":
		return TypeRehab
	}
	return TypeRecording
}

// Num is a figure that may be missing (NaN); JSON writes a missing one as
// null.
type Num float64

// NaN is a missing figure.
var NaN = Num(math.NaN())

// OK says whether the figure is present.
func (n Num) OK() bool { return !math.IsNaN(float64(n)) && !math.IsInf(float64(n), 0) }

// MarshalJSON writes the number rounded to 4 decimals, or null.
func (n Num) MarshalJSON() ([]byte, error) {
	if !n.OK() {
		return []byte("null"), nil
	}
	return json.Marshal(round(float64(n), 4))
}

// UnmarshalJSON reads a number or null (NaN).
func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = NaN
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = Num(f)
	return nil
}

func round(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

// RehabSession is what one rehabilitation session adds to the progress
// (app/rehab's records). Missing figures are NaN.
type RehabSession struct {
	SessionID                  int64
	RepsPlanned, RepsCompleted int
	// TimeInBandPct is the share of the exercise time the activation was
	// inside the target band, 0–100.
	TimeInBandPct float64
	// PeakPctMVC is the highest activation reached, % of MVC.
	PeakPctMVC float64
	// CoContractionPct is the co-contraction index of agonist and
	// antagonist (Falconer–Winter), 0–100 % (0: none).
	CoContractionPct float64
	// MDFSlopeHzPerS is the median-frequency slope in sustained holds, Hz
	// per second (more negative: faster fatigue).
	MDFSlopeHzPerS float64
	// AccuracyPct is the in-session recognition accuracy, 0–100.
	AccuracyPct float64
	// GloveRangePct is the glove's range of motion used and AssistPct its
	// assistance level, 0–100.
	GloveRangePct, AssistPct float64
	// MVCUV is the MVC per muscle (channel label) measured in the session,
	// µV; nil when none.
	MVCUV map[string]float64
	// Reps are the session's repetitions in order.
	Reps []Rep
}

// Rep is one repetition of a rehabilitation session.
type Rep struct {
	Index     int
	Exercise  string
	Completed bool
	// DurationS is the repetition's length in seconds; TimeInBandPct and
	// PeakPctMVC as in RehabSession.
	DurationS, TimeInBandPct, PeakPctMVC float64
}

// Prescription is the patient's current plan.
type Prescription struct {
	// Plan describes it in words ("3 × 20 min hand opening, assist 40 %").
	Plan string `json:"plan"`
	// SessionsPerWeek is the prescribed number of rehabilitation sessions
	// per week (0: none prescribed; adherence is then missing).
	SessionsPerWeek float64 `json:"sessions_per_week"`
	// Muscles are the channel labels the plan works (agonists and
	// antagonists), which the report's tables and charts show.
	Muscles []string `json:"muscles,omitempty"`
}

// RehabSource gives the rehabilitation figures of a patient's sessions.
type RehabSource interface {
	RehabSessions(ctx context.Context, patientID int64) ([]RehabSession, error)
	Prescription(ctx context.Context, patientID int64) (Prescription, error)
	// MVC returns the MVC measured per session: session ID → channel
	// label → µV.
	MVC(ctx context.Context, patientID int64) (map[int64]map[string]float64, error)
}

// Inputs are the records Compute works on.
type Inputs struct {
	Patient  storage.Patient
	Sessions []*storage.Session // any order
	Models   []*storage.Model   // oldest first
	Outcomes []*storage.Outcome
	Rehab    []RehabSession
	// MVC is the MVC per session (RehabSource.MVC); it completes the MVC
	// stored with calibration models.
	MVC          map[int64]map[string]float64
	Prescription Prescription
}

// Records is what Build reads from the database (storage/sqlite.DB).
type Records interface {
	PatientByCode(ctx context.Context, code string) (*storage.Patient, error)
	ListSessions(ctx context.Context, f storage.SessionFilter) ([]*storage.Session, error)
	ListModels(ctx context.Context, patientID int64) ([]*storage.Model, error)
	ListOutcomes(ctx context.Context, patientID int64, from, to time.Time) ([]*storage.Outcome, error)
}

var _ Records = (*sqlite.DB)(nil)

// SessionRow is one session on the progress time axis.
type SessionRow struct {
	ID     int64     `json:"id"`
	Date   string    `json:"date"` // YYYY-MM-DD, local
	Start  time.Time `json:"started_at"`
	Type   string    `json:"type"`   // rehab, calibration, recording, imported
	Status string    `json:"status"` // completed, interrupted, recording
	// DurationS is the recorded duration, seconds.
	DurationS        Num                `json:"duration_s"`
	RepsPlanned      int                `json:"reps_planned"`
	RepsCompleted    int                `json:"reps_completed"`
	TimeInBandPct    Num                `json:"time_in_band_pct"`
	PeakPctMVC       Num                `json:"peak_pct_mvc"`
	CoContractionPct Num                `json:"co_contraction_pct"`
	MDFSlopeHzPerS   Num                `json:"mdf_slope_hz_per_s"`
	CVAccuracyPct    Num                `json:"cv_accuracy_pct"`      // calibration: cross-validated
	AccuracyPct      Num                `json:"session_accuracy_pct"` // rehab: in session
	GloveRangePct    Num                `json:"glove_range_pct"`
	AssistPct        Num                `json:"assist_pct"`
	MVCUV            map[string]float64 `json:"mvc_uv,omitempty"`
	Notes            string             `json:"notes,omitempty"`
	Reps             []Rep              `json:"-"`
}

// Week is the aggregation of the sessions of one week (Monday to Sunday).
type Week struct {
	// Week is the Monday, YYYY-MM-DD.
	Week  string    `json:"week"`
	Start time.Time `json:"-"`
	// Sessions counts every session of the week, RehabSessions the
	// completed rehabilitation ones, Interrupted the interrupted ones.
	Sessions      int `json:"sessions"`
	RehabSessions int `json:"rehab_sessions"`
	Interrupted   int `json:"interrupted"`
	// ByType counts the week's sessions per type (rehab, calibration,
	// recording, imported), any status.
	ByType map[string]int `json:"by_type"`
	// Prescribed is the rehabilitation sessions prescribed for the week's
	// days inside the period; AdherencePct is RehabSessions against it, %.
	Prescribed    Num `json:"prescribed"`
	AdherencePct  Num `json:"adherence_pct"`
	RepsCompleted int `json:"reps_completed"`
	RepsPlanned   int `json:"reps_planned"`
	// The means over the week's rehabilitation sessions that have them.
	TimeInBandPct    Num `json:"time_in_band_pct"`
	PeakPctMVC       Num `json:"peak_pct_mvc"`
	CoContractionPct Num `json:"co_contraction_pct"`
	MDFSlopeHzPerS   Num `json:"mdf_slope_hz_per_s"`
	AccuracyPct      Num `json:"accuracy_pct"`
	AssistPct        Num `json:"assist_pct"`
	// MVCUV is the mean MVC per muscle measured in the week, µV.
	MVCUV map[string]float64 `json:"mvc_uv"`
}

// OutcomeRow is one outcome measure on the time axis.
type OutcomeRow struct {
	Date   string  `json:"date"`
	Kind   string  `json:"kind"`
	Muscle string  `json:"muscle,omitempty"`
	Value  float64 `json:"value"`
	// Text is the value as the scale writes it ("1+").
	Text  string `json:"text"`
	Notes string `json:"notes,omitempty"`
}

// Trends are least-squares slopes per week over the period's weeks.
type Trends struct {
	TimeInBandPctPerWeek Num `json:"time_in_band_pct_per_week"`
	RepsPerWeek          Num `json:"reps_completed_per_week"`
	// MVCUVPerWeek is per muscle, µV per week.
	MVCUVPerWeek map[string]float64 `json:"mvc_uv_per_week"`
	// AdherencePct is the whole period's completed rehabilitation sessions
	// against the prescription, %.
	AdherencePct Num `json:"adherence_pct"`
}

// Progress is the numbers behind the progress view and the report.
type Progress struct {
	Patient      storage.Patient `json:"-"`
	PatientCode  string          `json:"patient"`
	From         string          `json:"from"` // YYYY-MM-DD
	To           string          `json:"to"`
	Prescription Prescription    `json:"prescription"`
	Muscles      []string        `json:"muscles"`
	Sessions     []SessionRow    `json:"sessions"`
	Weekly       []Week          `json:"weekly"`
	Outcomes     []OutcomeRow    `json:"outcomes"`
	Trends       Trends          `json:"trends"`
}

// Options bound the period: From and To are inclusive local calendar
// dates; a zero From is the first session or outcome, a zero To the
// Sunday of the last one's week, or Today when that is earlier.
type Options struct {
	From, To time.Time
	// Today is the current date (zero: not known, the Sunday is taken).
	Today time.Time
}

// ErrNoPatient is returned (wrapped) by Build for an unknown patient code.
var ErrNoPatient = errors.New("no such patient")

// Build reads patient code's records from db (and rehab, which may be
// nil) and computes the progress over the period.
func Build(ctx context.Context, db Records, rehab RehabSource, code string, opt Options) (*Progress, error) {
	p, err := db.PatientByCode(ctx, code)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("progress of %s: %w: %w", code, ErrNoPatient, err)
	}
	if err != nil {
		return nil, fmt.Errorf("progress of %s: %w", code, err)
	}
	ss, err := db.ListSessions(ctx, storage.SessionFilter{PatientID: p.ID})
	if err != nil {
		return nil, fmt.Errorf("progress of %s: %w", code, err)
	}
	models, err := db.ListModels(ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("progress of %s: %w", code, err)
	}
	outs, err := db.ListOutcomes(ctx, p.ID, opt.From, opt.To)
	if err != nil {
		return nil, fmt.Errorf("progress of %s: %w", code, err)
	}
	in := Inputs{Patient: *p, Sessions: ss, Models: models, Outcomes: outs}
	if rehab != nil {
		if in.Rehab, err = rehab.RehabSessions(ctx, p.ID); err != nil {
			return nil, fmt.Errorf("progress of %s: rehabilitation sessions: %w", code, err)
		}
		if in.Prescription, err = rehab.Prescription(ctx, p.ID); err != nil {
			return nil, fmt.Errorf("progress of %s: prescription: %w", code, err)
		}
		if in.MVC, err = rehab.MVC(ctx, p.ID); err != nil {
			return nil, fmt.Errorf("progress of %s: MVC: %w", code, err)
		}
	}
	return Compute(in, opt), nil
}

// Compute is Build on records already read.
func Compute(in Inputs, opt Options) *Progress {
	p, ss, models, outs, rehab, presc := in.Patient, in.Sessions, in.Models, in.Outcomes, in.Rehab, in.Prescription
	pr := &Progress{Patient: p, PatientCode: p.Code, Prescription: presc, Sessions: []SessionRow{}, Weekly: []Week{}, Outcomes: []OutcomeRow{}}
	byModel := map[int64]*storage.Model{}
	for _, m := range models {
		if m.SessionID != 0 {
			byModel[m.SessionID] = m // the latest version wins (ListModels: oldest first)
		}
	}
	byRehab := map[int64]*RehabSession{}
	for i := range rehab {
		byRehab[rehab[i].SessionID] = &rehab[i]
	}
	from, to := day(opt.From), day(opt.To)
	muscles := map[string]bool{}
	for _, s := range ss {
		d := day(s.StartedAt.In(time.Local))
		if (!from.IsZero() && d.Before(from)) || (!to.IsZero() && d.After(to)) {
			continue
		}
		row := SessionRow{ID: s.ID, Date: d.Format(dateLayout), Start: s.StartedAt, Type: typeOf(s.Type), Status: string(s.Status),
			DurationS: Num(s.Duration().Seconds()), TimeInBandPct: NaN, PeakPctMVC: NaN, CoContractionPct: NaN,
			MDFSlopeHzPerS: NaN, CVAccuracyPct: NaN, AccuracyPct: NaN, GloveRangePct: NaN, AssistPct: NaN, Notes: s.Notes}
		if m := byModel[s.ID]; m != nil {
			if !math.IsNaN(m.Accuracy) {
				row.CVAccuracyPct = Num(100 * m.Accuracy)
			}
			row.MVCUV = modelMVC(m)
		}
		if r := byRehab[s.ID]; r != nil {
			row.RepsPlanned, row.RepsCompleted = r.RepsPlanned, r.RepsCompleted
			row.TimeInBandPct, row.PeakPctMVC, row.CoContractionPct = Num(r.TimeInBandPct), Num(r.PeakPctMVC), Num(r.CoContractionPct)
			row.MDFSlopeHzPerS, row.AccuracyPct = Num(r.MDFSlopeHzPerS), Num(r.AccuracyPct)
			row.GloveRangePct, row.AssistPct = Num(r.GloveRangePct), Num(r.AssistPct)
			row.Reps = r.Reps
			if len(r.MVCUV) > 0 && row.MVCUV == nil {
				row.MVCUV = r.MVCUV
			}
		}
		if m := in.MVC[s.ID]; len(m) > 0 && row.MVCUV == nil {
			row.MVCUV = m
		}
		for m := range row.MVCUV {
			muscles[m] = true
		}
		pr.Sessions = append(pr.Sessions, row)
	}
	sort.SliceStable(pr.Sessions, func(i, j int) bool {
		a, b := pr.Sessions[i], pr.Sessions[j]
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		return a.ID < b.ID
	})
	for _, o := range outs {
		pr.Outcomes = append(pr.Outcomes, OutcomeRow{Date: o.TakenOn.Format(dateLayout), Kind: string(o.Kind), Muscle: o.Muscle,
			Value: o.Value, Text: storage.FormatOutcome(o.Kind, o.Value), Notes: o.Notes})
	}
	for m := range muscles {
		pr.Muscles = append(pr.Muscles, m)
	}
	slices.Sort(pr.Muscles)
	// The period: as asked, else from the first to the last record.
	if from.IsZero() || to.IsZero() {
		var first, last time.Time
		see := func(d time.Time) {
			if first.IsZero() || d.Before(first) {
				first = d
			}
			if d.After(last) {
				last = d
			}
		}
		for _, s := range pr.Sessions {
			see(day(s.Start.In(time.Local)))
		}
		for _, o := range outs {
			see(day(o.TakenOn))
		}
		if from.IsZero() {
			from = first
		}
		if to.IsZero() && !last.IsZero() {
			// The end of the last record's week (not after today), so a
			// week is not prescribed fewer days than it had.
			to = monday(last).AddDate(0, 0, 6)
			if today := day(opt.Today); !today.IsZero() && to.After(today) {
				to = today
				if last.After(today) {
					to = last
				}
			}
		}
	}
	if !from.IsZero() {
		pr.From, pr.To = from.Format(dateLayout), to.Format(dateLayout)
		pr.Weekly = weekly(pr.Sessions, from, to, presc.SessionsPerWeek)
	}
	pr.Trends = trends(pr.Weekly, pr.Muscles, presc.SessionsPerWeek)
	return pr
}

// modelMVC returns the MVC per channel label stored with calibration model
// m (calibrate.ModelExtra's mvc_uv against Meta.Channels), nil when none.
func modelMVC(m *storage.Model) map[string]float64 {
	var extra struct {
		MVCUV []float64 `json:"mvc_uv"`
	}
	if len(m.Meta.Extra) == 0 || json.Unmarshal(m.Meta.Extra, &extra) != nil || len(extra.MVCUV) == 0 {
		return nil
	}
	out := map[string]float64{}
	for c, v := range extra.MVCUV {
		label := fmt.Sprintf("ch%d", c+1)
		if c < len(m.Meta.Channels) && m.Meta.Channels[c] != "" {
			label = m.Meta.Channels[c]
		}
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[label] = v
		}
	}
	return out
}

const dateLayout = "2006-01-02"

// day returns t's local calendar date at midnight (zero stays zero).
func day(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.Local)
}

// monday returns the Monday of d's week.
func monday(d time.Time) time.Time {
	off := (int(d.Weekday()) + 6) % 7 // Monday 0 … Sunday 6
	return d.AddDate(0, 0, -off)
}

// KeyMuscles returns the muscles the report shows: those of the plan that
// were measured, else the first four measured.
func (pr *Progress) KeyMuscles() []string {
	var out []string
	for _, m := range pr.Prescription.Muscles {
		if slices.Contains(pr.Muscles, m) && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		out = pr.Muscles[:min(4, len(pr.Muscles))]
	}
	return out
}
