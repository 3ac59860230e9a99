package records

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// TestProgressService: outcome measures entered, a session's notes, the
// view and the PDF report through the real database.
func TestProgressService(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	p := &storage.Patient{Code: "R-1", Name: "Rita Roe"}
	if err := db.CreatePatient(ctx, p); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)
	s := &storage.Session{PatientID: p.ID, RateHz: 100, Channels: 1, StartedAt: start, Type: storage.SessionRecording, Status: storage.StatusCompleted}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	svc := Progress{DB: db, Clinic: "Test Clinic"}
	if err := svc.AddOutcome(ctx, &storage.Outcome{PatientID: p.ID, Kind: storage.ARAT, Value: 60, TakenOn: start}); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("ARAT 60 accepted: %v", err)
	}
	for _, v := range []float64{20, 26} {
		if err := svc.AddOutcome(ctx, &storage.Outcome{PatientID: p.ID, Kind: storage.ARAT, Value: v, TakenOn: start.AddDate(0, 0, int(v)-20)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.SetSessionNotes(ctx, s.ID, "first visit"); err != nil {
		t.Fatal(err)
	}
	v, err := svc.Progress(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Sessions) != 1 || v.Sessions[0].Notes != "first visit" || v.Sessions[0].Type != "recording" || v.ReportName != "R-1_progress_2026-03-02_2026-03-08.pdf" {
		t.Errorf("view %+v", v)
	}
	found := false
	for _, c := range v.Charts {
		if c.Title == "Clinical outcome measures" && len(c.Series) == 1 && len(c.Series[0].Points) == 2 && c.Series[0].Points[1].Value == 26 {
			found = true
		}
	}
	if !found || !strings.Contains(strings.Join(v.Summary, "\n"), "ARAT: 20, now 26 (of 57)") {
		t.Errorf("outcomes not on the timeline: %+v %q", v.Charts, v.Summary)
	}
	out := filepath.Join(dir, "r.pdf")
	var steps []float64
	pages, err := svc.WriteReport(ctx, p.ID, out, true, func(f float64) { steps = append(steps, f) })
	if err != nil || pages < 1 || steps[len(steps)-1] != 1 {
		t.Fatalf("report: %d pages, %v, progress %v", pages, err, steps)
	}
	if b, err := os.ReadFile(out); err != nil || !strings.HasPrefix(string(b), "%PDF-") {
		t.Errorf("report file: %v", err)
	}
	list, err := svc.Outcomes(ctx, p.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("outcomes %v, %v", list, err)
	}
	if err := svc.DeleteOutcome(ctx, list[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.WriteReport(ctx, p.ID, filepath.Join(dir, "missing", "r.pdf"), false, func(float64) {}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing folder: %v", err)
	}
}
