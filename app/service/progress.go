package service

import (
	"context"
	"time"

	"myorehab/storage"
)

// ProgressPoint is one value of a progress chart at a date.
type ProgressPoint struct {
	Date  time.Time
	Value float64
}

// ProgressSeries is one labelled line (or bars) of a progress chart.
type ProgressSeries struct {
	Label  string
	Points []ProgressPoint
	// Marks draws the points as crosses without a line (counts of events
	// such as interrupted sessions; on a Bars chart, at the week's bar).
	Marks bool
}

// ProgressChart is one chart of the progress view on a time axis.
type ProgressChart struct {
	Title string
	// Unit is shown after values in tooltips ("%", "µV", "sessions").
	Unit   string
	Series []ProgressSeries
	// Bars draws the first series as weekly bars.
	Bars bool
	// Target, when positive, is a dashed reference line (the prescription).
	Target      float64
	TargetLabel string
}

// ProgressSession is one session on the progress time axis.
type ProgressSession struct {
	ID     int64
	Start  time.Time
	Type   string // rehab, calibration, recording, imported
	Status string // completed, interrupted, recording
	// Reps is "completed/planned" for rehab sessions, "" otherwise;
	// TimeInBand is a percentage text or "".
	Reps, TimeInBand string
	Notes            string
}

// ProgressView is what the progress view shows of a patient.
type ProgressView struct {
	PatientCode string
	From, To    time.Time
	// Summary are short lines: "32 sessions (32 rehab)", "Adherence 89 %",
	// "Plan: …".
	Summary  []string
	Charts   []ProgressChart
	Sessions []ProgressSession // oldest first
	// ReportName is the proposed file name of the PDF report.
	ReportName string
}

// ProgressService serves the progress view, the report, the outcome
// measures and the session notes.
type ProgressService interface {
	// Progress computes the patient's progress over all records.
	Progress(ctx context.Context, patientID int64) (*ProgressView, error)
	// WriteReport writes the PDF report to path (replacing a file: ask
	// first) and returns its page count; progress as for Export.
	WriteReport(ctx context.Context, patientID int64, path string, deidentify bool, progress func(done float64)) (pages int, err error)
	// Outcomes lists the patient's outcome measures, oldest first.
	Outcomes(ctx context.Context, patientID int64) ([]storage.Outcome, error)
	// AddOutcome stores o (ranges checked: storage.ErrInvalid).
	AddOutcome(ctx context.Context, o *storage.Outcome) error
	// DeleteOutcome deletes outcome measure id.
	DeleteOutcome(ctx context.Context, id int64) error
	// SetSessionNotes replaces the therapist's notes of a session.
	SetSessionNotes(ctx context.Context, sessionID int64, notes string) error
}
