package records

import (
	"context"
	"fmt"
	"os"
	"time"

	"myorehab/app/report"
	"myorehab/app/service"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// Progress implements service.ProgressService with app/report; Clinic
// names the clinic in reports. Report writing and outcome entries are
// audited.
type Progress struct {
	DB     *sqlite.DB
	Clinic string
}

var _ service.ProgressService = Progress{}

func (p Progress) build(ctx context.Context, patientID int64) (*report.Progress, error) {
	pt, err := p.DB.PatientByID(ctx, patientID)
	if err != nil {
		return nil, err
	}
	return report.Build(ctx, p.DB, report.DBRehab{DB: p.DB}, pt.Code, report.Options{Today: time.Now()})
}

// Progress computes the view of patient patientID.
func (p Progress) Progress(ctx context.Context, patientID int64) (*service.ProgressView, error) {
	pr, err := p.build(ctx, patientID)
	if err != nil {
		return nil, err
	}
	v := &service.ProgressView{PatientCode: pr.PatientCode, ReportName: report.FileName(pr.PatientCode, pr.From, pr.To)}
	v.From, _ = time.ParseInLocation("2006-01-02", pr.From, time.Local)
	v.To, _ = time.ParseInLocation("2006-01-02", pr.To, time.Local)
	v.Summary = report.SummaryLines(pr)
	for _, c := range pr.Charts() {
		sc := service.ProgressChart{Title: c.Title, Unit: c.YLabel, Bars: c.Bars, Target: c.Target, TargetLabel: c.TargetLabel}
		for _, s := range c.Series {
			ss := service.ProgressSeries{Label: s.Label, Marks: s.Marks}
			for i, d := range s.Dates {
				ss.Points = append(ss.Points, service.ProgressPoint{Date: d, Value: s.Values[i]})
			}
			sc.Series = append(sc.Series, ss)
		}
		v.Charts = append(v.Charts, sc)
	}
	for _, s := range pr.Sessions {
		row := service.ProgressSession{ID: s.ID, Start: s.Start, Type: s.Type, Status: s.Status, Notes: s.Notes,
			TimeInBand: report.Fmt(s.TimeInBandPct, 1)}
		if s.Type == report.TypeRehab {
			row.Reps = fmt.Sprintf("%d/%d", s.RepsCompleted, s.RepsPlanned)
		}
		v.Sessions = append(v.Sessions, row)
	}
	return v, nil
}

// WriteReport writes patient patientID's PDF report to path.
func (p Progress) WriteReport(ctx context.Context, patientID int64, path string, deidentify bool, progress func(float64)) (int, error) {
	progress(0)
	pr, err := p.build(ctx, patientID)
	if err != nil {
		return 0, err
	}
	res, err := report.WritePDFFile(path, pr, report.PDFOptions{Clinic: p.Clinic, Deidentify: deidentify,
		Progress: func(f float64) { progress(0.1 + 0.9*f) }})
	if err != nil {
		return 0, err
	}
	detail := "report " + path
	if deidentify {
		detail = "de-identified " + detail
	}
	if err := audit(ctx, p.DB, storage.AuditExported, storage.ObjectPatient, patientID, detail); err != nil {
		os.Remove(path)
		return 0, err
	}
	progress(1)
	return res.Pages, nil
}

// Outcomes lists patient patientID's outcome measures.
func (p Progress) Outcomes(ctx context.Context, patientID int64) ([]storage.Outcome, error) {
	list, err := p.DB.ListOutcomes(ctx, patientID, time.Time{}, time.Time{})
	if err != nil {
		return nil, err
	}
	out := make([]storage.Outcome, len(list))
	for i, o := range list {
		out[i] = *o
	}
	return out, nil
}

// AddOutcome stores o.
func (p Progress) AddOutcome(ctx context.Context, o *storage.Outcome) error {
	return p.DB.AddOutcome(ctx, o)
}

// DeleteOutcome deletes outcome measure id.
func (p Progress) DeleteOutcome(ctx context.Context, id int64) error {
	return p.DB.DeleteOutcome(ctx, id)
}

// SetSessionNotes replaces the notes of session id.
func (p Progress) SetSessionNotes(ctx context.Context, id int64, notes string) error {
	return p.DB.SetSessionNotes(ctx, id, notes)
}
