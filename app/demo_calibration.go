package app

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"time"

	"myorehab/acquisition/sim"
	"myorehab/app/calibrate"
	"myorehab/app/device"
	"myorehab/app/engine"
	"myorehab/app/record"
	"myorehab/app/rehab"
	"myorehab/app/service"
	"myorehab/storage/sqlite"
)

// demoCalibration records a calibration of the simulated patient through
// the real path (simulator → engine with the shared conditioning →
// recorder → app/calibrate's prompts, training with cross-validation and
// saved model), unpaced, and dates its session at. The protocol is the
// clinic's with 2 s holds and short rests. It returns the saved model's
// cross-validated accuracy.
func demoCalibration(ctx context.Context, db *sqlite.DB, patientID int64, at time.Time, seed uint64) (float64, error) {
	log := slog.New(slog.DiscardHandler)
	cfg := sim.DefaultConfig()
	cfg.Manual, cfg.Seed = true, seed
	simSrc, err := sim.NewSource(sim.SourceConfig{Config: cfg, Paced: false})
	if err != nil {
		return 0, err
	}
	g := rehab.NewSimGate(simSrc)
	info := simSrc.Info()
	blockLen := max(1, int(math.Round(info.SampleRateHz/50)))
	cond, desc, err := device.NewConditioner(info, blockLen, device.Mains50)
	if err != nil {
		g.Source().Close()
		return 0, err
	}
	st := rehab.NewSimStream(info, simSrc, desc)
	defer st.Stop()
	rec := record.NewRecorder(log, db, st)
	opts := calibrate.DefaultOptions()
	p := &opts.Protocol
	p.Hold, p.Rest, p.Baseline, p.MVCHold, p.MVCRest = 2*time.Second, time.Second, 2*time.Second, 2*time.Second, time.Second
	opts.Advance = g.Advance
	cal := calibrate.New(log, db, st, rec, opts)
	eng, err := engine.New(engine.Config{Source: g.Source(), BlockLen: blockLen, Conditioner: cond,
		Consumers: []engine.Consumer{rec.Consumer(info, blockLen), cal.Consumer(info, blockLen)}, Lockstep: true})
	if err != nil {
		g.Source().Close()
		return 0, err
	}
	ectx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- eng.Run(ectx) }()
	defer func() {
		cancel()
		<-done
	}()
	if err := g.Ready(ctx); err != nil {
		return 0, err
	}
	id, err := cal.Begin(ctx, patientID, false)
	if err != nil {
		return 0, err
	}
	var prompts []service.Prompt
	prompts = append(prompts, service.Prompt{Kind: service.PromptBaseline, Gesture: "rest", Rep: 1, Reps: 1, Hold: p.Baseline})
	for _, m := range p.MVC {
		for r := 1; r <= p.MVCReps; r++ {
			prompts = append(prompts, service.Prompt{Kind: service.PromptMVC, Gesture: m.Gesture, Group: m.Name, Rep: r, Reps: p.MVCReps, Hold: p.MVCHold, Rest: p.MVCRest})
		}
	}
	for r := 1; r <= p.Reps; r++ {
		for _, gst := range p.Selected {
			prompts = append(prompts, service.Prompt{Kind: service.PromptGesture, Gesture: gst, Rep: r, Reps: p.Reps, Hold: p.Hold, Rest: p.Rest})
		}
	}
	if err := cal.Perform(ctx, prompts); err != nil {
		return 0, fmt.Errorf("calibration: %w", err)
	}
	if err := cal.End(ctx); err != nil {
		return 0, fmt.Errorf("calibration: %w", err)
	}
	s, err := db.Session(ctx, id)
	if err != nil {
		return 0, err
	}
	if err := db.RedateSession(ctx, id, at, at.Add(s.Duration())); err != nil {
		return 0, err
	}
	if _, err := cal.Train(ctx, func(float64) {}); err != nil {
		return 0, fmt.Errorf("calibration: %w", err)
	}
	m, err := cal.Save(ctx, "calibration "+at.Format("2006-01-02"))
	if err != nil {
		return 0, fmt.Errorf("calibration: %w", err)
	}
	return m.Accuracy, nil
}
