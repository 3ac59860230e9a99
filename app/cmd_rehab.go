package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"myorehab/app/rehab"
	"myorehab/app/service"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// rehabResult is the JSON of `myorehab rehab` (CLI.md).
type rehabResult struct {
	SessionID     int64      `json:"session_id"`
	PlanVersion   int        `json:"plan_version"`
	PlannedReps   int        `json:"planned_reps"`
	CompletedReps int        `json:"completed_reps"`
	Successes     int        `json:"successes"`
	Reps          []rehabRep `json:"reps"`
	Advice        []string   `json:"advice"`
	Faults        []string   `json:"faults"`
}

type rehabRep struct {
	Exercise      string   `json:"exercise"`
	Set           int      `json:"set"`
	Rep           int      `json:"rep"`
	TargetLowPct  float64  `json:"target_low_pct"`
	TargetHighPct float64  `json:"target_high_pct"`
	TimeInBandS   float64  `json:"time_in_band_s"`
	PeakMVCPct    float64  `json:"peak_mvc_pct"`
	MeanMVCPct    float64  `json:"mean_mvc_pct"`
	OnsetDelayS   *float64 `json:"onset_delay_s"`
	CCIPct        *float64 `json:"cci_pct"`
	Accuracy      *float64 `json:"classifier_accuracy"`
	GloveRangePct *float64 `json:"glove_range_pct"`
	AssistLevel   int      `json:"assist_level"`
	Skipped       bool     `json:"skipped"`
	Success       bool     `json:"success"`
}

func optional(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

// runRehab implements `myorehab rehab`: a plan run as a guided session
// without a window.
func runRehab(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("rehab", stderr)
	planPath := fs.String("plan", "", "exercise plan (JSON, as in CLI.md)")
	protocol := fs.String("protocol", "", "amplifier protocol (sim for the simulated patient)")
	portPath := fs.String("port", "", "serial port of the amplifier")
	glovePath := fs.String("glove", "", "serial port of the glove")
	dbPath := fs.String("db", "", "database")
	patient := fs.String("patient", "", "clinic code of the patient (created if absent)")
	measure := fs.Bool("measure-mvc", false, "measure the MVC (maximum contractions) first")
	skill := fs.Float64("skill", 0.8, "the simulated patient's skill, 0 to 1 (--protocol sim)")
	fast := fs.Bool("fast", false, "run the simulator unpaced, without a glove (--protocol sim)")
	seed := fs.Uint64("seed", 1, "seed of the simulated patient")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	verbose := fs.Bool("v", false, "log to stderr")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *planPath == "" || *protocol == "" || *dbPath == "" || *patient == "" {
		return usagef("rehab needs --plan, --protocol, --db and --patient")
	}
	if *protocol != "sim" && *portPath == "" {
		return usagef("--port is needed with --protocol %s", *protocol)
	}
	if *fast && *protocol != "sim" {
		return usagef("--fast runs the simulator only (--protocol sim)")
	}
	if !(*skill >= 0 && *skill <= 1) {
		return usagef("--skill must be 0 to 1")
	}
	data, err := os.ReadFile(*planPath)
	if err != nil {
		return fmt.Errorf("--plan: %w", err)
	}
	plan, err := rehab.Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %w", *planPath, err)
	}
	log := cliLog(*verbose, stderr)
	db, err := sqlite.Open(*dbPath)
	if err != nil {
		return err
	}
	p, err := db.PatientByCode(ctx, *patient)
	if errors.Is(err, storage.ErrNotFound) {
		p = &storage.Patient{Code: *patient}
		err = db.CreatePatient(ctx, p)
	}
	if err != nil {
		db.Close()
		return fmt.Errorf("patient %s: %w", *patient, err)
	}
	var res *rehab.Result
	if *fast {
		defer db.Close()
		stored, err := storePlan(ctx, db, p.ID, plan)
		if err != nil {
			return err
		}
		res, err = rehab.RunSimulated(ctx, rehab.SimRun{DB: db, Log: log, PatientID: p.ID, Plan: plan, PlanID: stored.ID,
			PlanVersion: stored.Version, Skill: *skill, Seed: *seed, MeasureMVC: *measure, Fast: true})
		if err != nil {
			return err
		}
	} else {
		svc := NewServices(context.WithoutCancel(ctx), log, db)
		defer svc.Close()
		if *glovePath != "" {
			if err := svc.Glove.Connect(*glovePath); err != nil {
				return err
			}
		}
		if err := svc.Device.Connect(service.DeviceConfig{Protocol: *protocol, Port: *portPath}); err != nil {
			return err
		}
		r := svc.Rehab.Runner()
		req := rehab.Request{PatientID: p.ID, Plan: plan, MeasureMVC: *measure}
		if *protocol == "sim" {
			req.Patient = rehab.NewSimPatient(*skill, *seed)
		}
		if err := r.Check(ctx, req); err != nil {
			return err
		}
		stored, err := storePlan(ctx, db, p.ID, plan)
		if err != nil {
			return err
		}
		req.PlanID, req.PlanVersion = stored.ID, stored.Version
		if res, err = r.Run(ctx, req); err != nil {
			return err
		}
	}
	out := rehabResult{SessionID: res.SessionID, PlanVersion: res.PlanVersion, PlannedReps: res.Planned, CompletedReps: res.Completed(),
		Successes: res.Summary.Successes, Reps: []rehabRep{}, Advice: res.Summary.Advice, Faults: res.Faults}
	if out.Faults == nil {
		out.Faults = []string{}
	}
	if out.Advice == nil {
		out.Advice = []string{}
	}
	for _, x := range res.Reps {
		s := x.Score
		out.Reps = append(out.Reps, rehabRep{Exercise: x.Exercise, Set: x.Set, Rep: x.Rep, TargetLowPct: x.LowPct, TargetHighPct: x.HighPct,
			TimeInBandS: s.TimeInBandS, PeakMVCPct: s.PeakPct, MeanMVCPct: s.MeanPct, OnsetDelayS: optional(s.OnsetDelayS),
			CCIPct: optional(s.CCIPct), Accuracy: optional(s.Accuracy), GloveRangePct: optional(s.GloveRangePct),
			AssistLevel: x.AssistLevel, Skipped: x.Skipped, Success: s.Success})
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "session %d: %d of %d reps done, %d successful, plan version %d\n",
			out.SessionID, out.CompletedReps, out.PlannedReps, out.Successes, out.PlanVersion)
		for _, a := range out.Advice {
			fmt.Fprintln(stdout, a)
		}
	}
	return writeJSONLine(stdout, out)
}

// storePlan stores plan as the patient's next plan version unless it is
// the latest already; it returns the version in force.
func storePlan(ctx context.Context, db *sqlite.DB, patientID int64, plan *rehab.Plan) (*storage.RehabPlan, error) {
	js := rehab.PlanJSON(plan)
	if last, err := db.LatestRehabPlan(ctx, patientID); err == nil && bytes.Equal(last.JSON, js) {
		return last, nil
	}
	p := &storage.RehabPlan{PatientID: patientID, Name: plan.Name, JSON: js}
	if err := db.SaveRehabPlan(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}
