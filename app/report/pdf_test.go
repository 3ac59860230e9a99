package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"myorehab/storage"
)

// twelveWeeks is a 12-week history: three rehab sessions a week with 20
// reps each, a calibration every fourth week, outcome measures every four
// weeks.
func twelveWeeks() Inputs {
	start := time.Date(2026, 1, 5, 10, 0, 0, 0, time.Local) // a Monday
	var in Inputs
	in.Patient = storage.Patient{Code: "P-12", Name: "Test Patient", BirthDate: "1950-01-01", Diagnosis: "stroke"}
	in.Prescription = Prescription{Plan: "grip and open", SessionsPerWeek: 3, Muscles: []string{"FDS", "EDC"}}
	id := int64(0)
	for w := range 12 {
		if w%4 == 0 {
			id++
			in.Sessions = append(in.Sessions, &storage.Session{ID: id, Type: storage.SessionCalibration, Status: storage.StatusCompleted,
				StartedAt: start.AddDate(0, 0, 7*w).Add(-time.Hour), RateHz: 1000, Samples: 120000})
			extra, _ := json.Marshal(map[string]any{"mvc_uv": []float64{100 + float64(5*w), 80 + float64(4*w)}})
			in.Models = append(in.Models, &storage.Model{SessionID: id, Accuracy: 0.8 + 0.01*float64(w), Meta: storage.ModelMeta{Channels: []string{"FDS", "EDC"}, Extra: extra}})
			for _, k := range []storage.OutcomeKind{storage.FuglMeyerUE, storage.ARAT, storage.GripKg} {
				in.Outcomes = append(in.Outcomes, &storage.Outcome{Kind: k, Value: float64(10 + w), TakenOn: start.AddDate(0, 0, 7*w)})
			}
		}
		for _, d := range []int{0, 2, 4} {
			id++
			in.Sessions = append(in.Sessions, &storage.Session{ID: id, Type: storage.SessionRehab, Status: storage.StatusCompleted,
				StartedAt: start.AddDate(0, 0, 7*w+d), RateHz: 1000, Samples: 600000, Notes: fmt.Sprint("note ", id)})
			r := RehabSession{SessionID: id, RepsPlanned: 20, RepsCompleted: 18 + w%3, TimeInBandPct: 30 + 4*float64(w), PeakPctMVC: 60,
				CoContractionPct: 40 - float64(w), MDFSlopeHzPerS: -0.5 + 0.03*float64(w), AccuracyPct: 80, GloveRangePct: 60, AssistPct: 50 - 2*float64(w)}
			for k := range 20 {
				r.Reps = append(r.Reps, Rep{Index: k + 1, Exercise: "grip", Completed: k < r.RepsCompleted, DurationS: 3, TimeInBandPct: 50, PeakPctMVC: 60})
			}
			in.Rehab = append(in.Rehab, r)
		}
	}
	return in
}

func TestWritePDF(t *testing.T) {
	pr := Compute(twelveWeeks(), Options{})
	var buf bytes.Buffer
	var steps []float64
	res, err := WritePDF(&buf, pr, PDFOptions{Clinic: "Test Clinic", Progress: func(f float64) { steps = append(steps, f) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sessions != 39 || res.From != "2026-01-05" || res.To != "2026-03-29" || res.Pages < 3 || !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Errorf("result %+v, %d bytes", res, buf.Len())
	}
	for i := 1; i < len(steps); i++ {
		if steps[i] < steps[i-1] {
			t.Fatalf("progress went back: %v", steps)
		}
	}
	if len(steps) < 3 || steps[len(steps)-1] != 1 {
		t.Errorf("progress %v", steps)
	}
	if len(pr.Weekly) != 12 || pr.Weekly[11].RehabSessions != 3 || !near(pr.Trends.AdherencePct, 100) || !near(pr.Trends.TimeInBandPctPerWeek, 4) {
		t.Errorf("weekly %d, trends %+v", len(pr.Weekly), pr.Trends)
	}
}

func TestSessionsAndRepsCSV(t *testing.T) {
	pr := Compute(twelveWeeks(), Options{})
	var b bytes.Buffer
	if err := pr.WriteSessionsCSV(&b); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(b.Bytes()), []byte("\n"))
	if len(lines) != 40 || !bytes.HasSuffix(lines[0], []byte("mvc_uv_EDC,mvc_uv_FDS")) {
		t.Fatalf("%d lines, header %s", len(lines), lines[0])
	}
	if want := "P-12,1,2026-01-05,"; !bytes.HasPrefix(lines[1], []byte(want)) || !bytes.HasSuffix(lines[1], []byte(",80,100")) {
		t.Errorf("first row %s", lines[1])
	}
	b.Reset()
	if err := pr.WriteRepsCSV(&b); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b.Bytes(), []byte("\n")); n != 1+36*20 {
		t.Errorf("%d rep lines, want %d", n, 1+36*20)
	}
}

// BenchmarkWritePDF12Weeks: the 12-week report (computing the progress,
// drawing the charts, writing the PDF).
func BenchmarkWritePDF12Weeks(b *testing.B) {
	in := twelveWeeks()
	b.ReportAllocs()
	for b.Loop() {
		pr := Compute(in, Options{})
		if _, err := WritePDF(io.Discard, pr, PDFOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
