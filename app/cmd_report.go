package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

	"myorehab/app/rehab"
	"myorehab/app/report"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// clinicName is the clinic named in reports: $MYOREHAB_CLINIC, else
// "MyoRehab".
func clinicName() string {
	if c := os.Getenv("MYOREHAB_CLINIC"); c != "" {
		return c
	}
	return "MyoRehab"
}

// parseDay reads a --from/--to date (YYYY-MM-DD, local); "" is zero.
func parseDay(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, time.Local)
	if err != nil {
		return time.Time{}, usagef("--%s %q is not a date YYYY-MM-DD", flagName, s)
	}
	return t, nil
}

// buildProgress opens the database and computes the patient's progress
// over the days fromS to toS (YYYY-MM-DD; empty: from the first or to the
// last record).
func buildProgress(ctx context.Context, dbPath, code, fromS, toS string) (*report.Progress, error) {
	from, err := parseDay("from", fromS)
	if err != nil {
		return nil, err
	}
	to, err := parseDay("to", toS)
	if err != nil {
		return nil, err
	}
	opt := report.Options{From: from, To: to, Today: time.Now()}
	db, err := openExisting(dbPath)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	pr, err := report.Build(ctx, db, report.DBRehab{DB: db}, code, opt)
	if errors.Is(err, report.ErrNoPatient) {
		return nil, fmt.Errorf("there is no patient %s in %s", code, dbPath)
	}
	return pr, err
}

// runReport implements `myorehab report` (CLI.md).
func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", stderr)
	dbPath := fs.String("db", "", "database")
	patient := fs.String("patient", "", "clinic code of the patient")
	fromS := fs.String("from", "", "first day of the period, YYYY-MM-DD (default: the first record)")
	toS := fs.String("to", "", "last day of the period, YYYY-MM-DD (default: the last record)")
	out := fs.String("out", "", "PDF file to write")
	deid := fs.Bool("deidentify", false, "patient code only: no name, birth date, diagnosis or free-text notes")
	asJSON := fs.Bool("json", false, `print {"pages","sessions","from","to"}`)
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *dbPath == "" || *patient == "" || *out == "" {
		return usagef("report needs --db, --patient and --out")
	}
	pr, err := buildProgress(ctx, *dbPath, *patient, *fromS, *toS)
	if err != nil {
		return err
	}
	res, err := report.WritePDFFile(*out, pr, report.PDFOptions{Clinic: clinicName(), Deidentify: *deid})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSONLine(stdout, res)
	}
	fmt.Fprintf(stdout, "wrote %s: %d pages, %d sessions from %s to %s\n", *out, res.Pages, res.Sessions, res.From, res.To)
	return nil
}

// runProgress implements `myorehab progress` (CLI.md); --sessions-csv and
// --reps-csv also write the per-session and per-rep metrics as CSV.
func runProgress(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("progress", stderr)
	dbPath := fs.String("db", "", "database")
	patient := fs.String("patient", "", "clinic code of the patient")
	fromS := fs.String("from", "", "first day, YYYY-MM-DD")
	toS := fs.String("to", "", "last day, YYYY-MM-DD")
	sessCSV := fs.String("sessions-csv", "", "also write the per-session metrics to this CSV file")
	repsCSV := fs.String("reps-csv", "", "also write the per-repetition metrics to this CSV file")
	asJSON := fs.Bool("json", false, "print the progress as JSON")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *dbPath == "" || *patient == "" {
		return usagef("progress needs --db and --patient")
	}
	pr, err := buildProgress(ctx, *dbPath, *patient, *fromS, *toS)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		path  string
		write func(io.Writer) error
	}{{*sessCSV, pr.WriteSessionsCSV}, {*repsCSV, pr.WriteRepsCSV}} {
		if f.path == "" {
			continue
		}
		if err := writeFileWith(f.path, f.write); err != nil {
			return err
		}
	}
	if *asJSON {
		return writeJSONLine(stdout, pr)
	}
	for _, w := range pr.Weekly {
		fmt.Fprintf(stdout, "%s\t%d sessions\t%d rehab\t%d/%d reps\ttime in band %s %%\n", w.Week, w.Sessions, w.RehabSessions,
			w.RepsCompleted, w.RepsPlanned, report.Fmt(w.TimeInBandPct, 1))
	}
	return nil
}

// writeFileWith writes a new file at path with write.
func writeFileWith(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// demoResult is what `myorehab demo-history` prints.
type demoResult struct {
	Patient      string `json:"patient"`
	Sessions     int    `json:"sessions"`
	Calibrations int    `json:"calibrations"`
	Skipped      int    `json:"skipped"`
	Outcomes     int    `json:"outcomes"`
	PlanVersion  int    `json:"plan_version"`
	From         string `json:"from"`
	To           string `json:"to"`
}

// runDemoHistory implements `myorehab demo-history` (CLI.md).
func runDemoHistory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo-history", stderr)
	dbPath := fs.String("db", "", "database (created if absent)")
	patient := fs.String("patient", "", "clinic code of the patient (created if absent)")
	weeks := fs.Int("weeks", 12, "weeks of history, ending last Sunday")
	seed := fs.Uint64("seed", 1, "seed of the simulated patient and of the missed sessions")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *dbPath == "" || *patient == "" || *weeks < 1 || *weeks > 104 {
		return usagef("demo-history needs --db, --patient and --weeks from 1 to 104")
	}
	db, err := sqlite.Open(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	end := time.Now()
	start := mondayOf(end).AddDate(0, 0, -7**weeks)
	res, err := DemoHistory(ctx, db, *patient, start, *weeks, *seed)
	if err != nil {
		return err
	}
	return writeJSONLine(stdout, res)
}

func mondayOf(t time.Time) time.Time {
	y, m, d := t.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.Local)
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// DemoHistory builds a synthetic history of weeks weeks from Monday start
// for patient code (created if absent) through the real session path
// (rehab.RunSimulated: simulated amplifier → engine → recorder and
// monitor → prompts → scoring → database): three rehab sessions a week
// prescribed (Monday, Wednesday, Friday 10:00; about one in eight missed),
// a simulated patient whose skill grows from 0.35 to 0.9, MVC measured at
// the first session of every fourth week, the plan progressed every four
// weeks after a calibration (app/calibrate, unpaced: demoCalibration),
// outcome measures every four weeks and at the end, and a few therapist's
// notes.
func DemoHistory(ctx context.Context, db *sqlite.DB, code string, start time.Time, weeks int, seed uint64) (*demoResult, error) {
	p, err := db.PatientByCode(ctx, code)
	if errors.Is(err, storage.ErrNotFound) {
		p = &storage.Patient{Code: code, Name: "Demo Patient", BirthDate: "1958-04-12", Sex: "F", AffectedSide: "right",
			Diagnosis: "ischaemic stroke (left MCA), 3 months ago; right hemiparesis"}
		err = db.CreatePatient(ctx, p)
	}
	if err != nil {
		return nil, fmt.Errorf("demo-history: patient %s: %w", code, err)
	}
	rng := rand.New(rand.NewPCG(seed, 0xdead))
	res := &demoResult{Patient: code, From: start.Format("2006-01-02"), To: start.AddDate(0, 0, 7*weeks-1).Format("2006-01-02")}
	var plan *rehab.Plan
	var stored *storage.RehabPlan
	notes := []string{
		"Good engagement; explained the band on the screen.",
		"Reports fatigue in the afternoon; rests lengthened.",
		"Wrist flexor tone lower today; active opening better.",
		"Practised grasp of a cup at home as agreed.",
	}
	for w := range weeks {
		if w%4 == 0 {
			// The plan in force: the band rises every four weeks.
			plan = rehab.DefaultPlan()
			plan.Name = fmt.Sprintf("grip and open, block %d", w/4+1)
			plan.SessionsPerWeek = 3
			if open, ok := rehab.Template("hand opening"); ok {
				plan.Exercises = append(plan.Exercises, open) // a gesture: the classifier's accuracy in session
			}
			for i := range plan.Exercises {
				if plan.Exercises[i].Kind == rehab.KindMVC {
					plan.Exercises[i].TargetLowPct = float64(20 + 5*(w/4))
					plan.Exercises[i].TargetHighPct = float64(40 + 5*(w/4))
				}
			}
			stored = &storage.RehabPlan{PatientID: p.ID, Name: plan.Name, JSON: rehab.PlanJSON(plan)}
			if err := db.SaveRehabPlan(ctx, stored); err != nil {
				return nil, fmt.Errorf("demo-history: %w", err)
			}
			res.PlanVersion = stored.Version
			// A calibration (the classifier and its cross-validation) on
			// the first Monday of the block, before the session.
			if _, err := demoCalibration(ctx, db, p.ID, start.AddDate(0, 0, 7*w).Add(9*time.Hour), seed*7919+uint64(w)); err != nil {
				return nil, fmt.Errorf("demo-history: week %d: %w", w+1, err)
			}
			res.Calibrations++
			if err := demoOutcomes(ctx, db, p.ID, start.AddDate(0, 0, 7*w), w, weeks, rng); err != nil {
				return nil, err
			}
			res.Outcomes += 6
		}
		for k, wd := range []int{0, 2, 4} { // Monday, Wednesday, Friday
			if rng.Float64() < 0.125 && !(w%4 == 0 && k == 0) {
				res.Skipped++
				continue
			}
			at := start.AddDate(0, 0, 7*w+wd).Add(10*time.Hour + time.Duration(rng.IntN(90))*time.Minute)
			skill := 0.35 + 0.55*float64(w)/float64(max(weeks-1, 1)) + 0.05*(rng.Float64()-0.5)
			r, err := rehab.RunSimulated(ctx, rehab.SimRun{DB: db, PatientID: p.ID, Plan: plan, PlanID: stored.ID, PlanVersion: stored.Version,
				Skill: skill, Seed: seed*1000 + uint64(7*w+wd), At: at, MeasureMVC: w%4 == 0 && k == 0, Fast: true})
			if err != nil {
				return nil, fmt.Errorf("demo-history: week %d: %w", w+1, err)
			}
			res.Sessions++
			if res.Sessions%5 == 2 {
				if err := db.SetSessionNotes(ctx, r.SessionID, notes[(res.Sessions/5)%len(notes)]); err != nil {
					return nil, fmt.Errorf("demo-history: %w", err)
				}
			}
		}
	}
	if err := demoOutcomes(ctx, db, p.ID, start.AddDate(0, 0, 7*weeks-1), weeks, weeks, rng); err != nil {
		return nil, err
	}
	res.Outcomes += 6
	return res, nil
}

// demoOutcomes enters the outcome measures of week w of weeks on day: a
// patient who improves steadily (Fugl-Meyer UE 28 → 40, wrist/hand 8 →
// 14, ARAT 18 → 30, grip 6 → 10 kg, Ashworth 2 → 1).
func demoOutcomes(ctx context.Context, db *sqlite.DB, patientID int64, day time.Time, w, weeks int, rng *rand.Rand) error {
	f := float64(w) / float64(weeks)
	jitter := func() float64 { return float64(rng.IntN(3) - 1) }
	ash := []float64{2, storage.AshworthPlus, 1}[min(int(f*3), 2)]
	for _, o := range []storage.Outcome{
		{Kind: storage.FuglMeyerUE, Value: max(0, min(66, 28+12*f+jitter()))},
		{Kind: storage.FuglMeyerWH, Value: max(0, min(24, 8+6*f))},
		{Kind: storage.ARAT, Value: max(0, min(57, 18+12*f+jitter()))},
		{Kind: storage.GripKg, Value: float64(int((6+4*f)*10+0.5)) / 10},
		{Kind: storage.Ashworth, Muscle: "wrist flexors", Value: ash},
		{Kind: storage.Ashworth, Muscle: "finger flexors", Value: []float64{2, 2, storage.AshworthPlus}[min(int(f*3), 2)]},
	} {
		o.PatientID, o.TakenOn = patientID, day
		if o.Kind == storage.FuglMeyerUE && w == 0 {
			o.Notes = "Baseline assessment before the programme."
		}
		if err := db.AddOutcome(ctx, &o); err != nil {
			return fmt.Errorf("demo-history: outcome %s: %w", o.Kind, err)
		}
	}
	return nil
}
