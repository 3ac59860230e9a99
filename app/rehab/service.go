package rehab

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"myorehab/acquisition/sim"
	"myorehab/app/service"
	"myorehab/storage"
)

// Service implements service.RehabService for the screens: plans stored
// per patient, one session at a time run in the background on the
// connected device (the simulator's patient follows the cues with
// SimSkill), the live state and the therapist's controls.
type Service struct {
	cfg    Config
	runner *Runner
	ctx    context.Context

	mu       sync.Mutex
	skill    float64
	seed     uint64
	result   *Result
	running  bool
	done     chan struct{} // closed when the running session has ended
	startErr string
}

// NewService returns the service on cfg (cfg.Monitor attached to the
// device); sessions run under ctx (the application's).
func NewService(ctx context.Context, cfg Config) *Service {
	return &Service{cfg: cfg, runner: NewRunner(cfg), ctx: ctx, skill: 0.8, seed: 1}
}

// SetSimSkill sets the simulated patient's skill (0–1) for the next
// sessions on the simulator.
func (s *Service) SetSimSkill(skill float64) {
	s.mu.Lock()
	s.skill = min(max(skill, 0), 1)
	s.mu.Unlock()
}

// Config returns the configuration the service was built with (tests
// build another service on it, e.g. with shorter MVC holds).
func (s *Service) Config() Config { return s.cfg }

// Runner returns the session runner.
func (s *Service) Runner() *Runner { return s.runner }

// PatientMVC returns the patient's own newest MVC, nil when none.
func (s *Service) PatientMVC(ctx context.Context, patientID int64) (*storage.MVCMeasurement, error) {
	m, err := PatientMVC(ctx, s.cfg.DB, patientID)
	if errors.Is(err, ErrNoMVC) {
		return nil, nil
	}
	return m, err
}

// Templates returns the exercise library.
func (s *Service) Templates() []service.RehabExercise { return Templates() }

// LatestPlan returns the patient's plan in force and its version; a
// starter plan and version 0 when none was saved.
func (s *Service) LatestPlan(ctx context.Context, patientID int64) (*service.RehabPlan, int, error) {
	p, err := s.cfg.DB.LatestRehabPlan(ctx, patientID)
	if errors.Is(err, storage.ErrNotFound) {
		return DefaultPlan(), 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	plan, err := Parse(p.JSON)
	if err != nil {
		return nil, 0, fmt.Errorf("the stored plan version %d: %w", p.Version, err)
	}
	return plan, p.Version, nil
}

// labels returns the connected device's channel labels, else the
// simulator's default ring.
func (s *Service) labels() []string {
	if info, ok := s.cfg.Device.Info(); ok {
		return info.Labels
	}
	return sim.DefaultLabels(sim.DefaultChannels)
}

// SavePlan validates plan and saves it as the patient's next version.
func (s *Service) SavePlan(ctx context.Context, patientID int64, plan *service.RehabPlan) (int, error) {
	if err := Validate(plan, Capabilities{Labels: s.labels()}); err != nil {
		return 0, err
	}
	p := &storage.RehabPlan{PatientID: patientID, Name: plan.Name, JSON: PlanJSON(plan)}
	if err := s.cfg.DB.SaveRehabPlan(ctx, p); err != nil {
		return 0, err
	}
	return p.Version, nil
}

// Start checks the patient's plan in force and runs it in the background.
func (s *Service) Start(ctx context.Context, patientID int64, measureMVC bool) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("a session is already running: end it first")
	}
	s.mu.Unlock()
	stored, err := s.cfg.DB.LatestRehabPlan(ctx, patientID)
	if errors.Is(err, storage.ErrNotFound) {
		return errors.New("this patient has no plan yet: build one in the plan editor and save it")
	}
	if err != nil {
		return err
	}
	plan, err := Parse(stored.JSON)
	if err != nil {
		return err
	}
	req := Request{PatientID: patientID, Plan: plan, PlanID: stored.ID, PlanVersion: stored.Version, MeasureMVC: measureMVC}
	if _, ok := s.cfg.Device.Source().(*sim.Source); ok {
		s.mu.Lock()
		req.Patient = NewSimPatient(s.skill, s.seed)
		s.seed++
		s.mu.Unlock()
	}
	if err := s.runner.Check(ctx, req); err != nil {
		return err
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.running, s.result, s.startErr, s.done = true, nil, "", done
	s.mu.Unlock()
	go func() {
		defer close(done)
		res, err := s.runner.Run(s.ctx, req)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.running, s.result = false, res
		if err != nil {
			s.startErr = err.Error()
			s.cfg.Log.Error("rehab session", "err", err)
		}
	}()
	return nil
}

// Live returns what the session is doing.
func (s *Service) Live() service.RehabLive {
	l := s.runner.Live()
	out := service.RehabLive{Active: l.Active, Paused: l.Paused, Phase: string(l.Phase), SessionID: l.SessionID,
		Exercise: l.Exercise, ExerciseIndex: l.ExerciseIndex, Set: l.Set, Rep: l.Rep, Cue: l.Cue,
		Remaining: l.Remaining, HoldDone: l.HoldDone, LevelPct: l.LevelPct, Over100: l.Over100,
		Done: l.Done, Planned: l.Planned, Successes: l.Successes, AssistLevel: l.AssistLevel, Advice: l.Advice, Err: l.Err}
	if l.Last != nil {
		out.LastText, out.LastSuccess = repText(l.Last), l.Last.Score.Success
	}
	s.mu.Lock()
	res, running, errText := s.result, s.running, s.startErr
	s.mu.Unlock()
	if running {
		out.Active = true
	}
	if errText != "" && out.Err == "" {
		out.Err = errText
	}
	if res != nil && !running {
		out.Summary = SummaryText(res)
	}
	return out
}

// SummaryText is the end-of-session summary in plain words.
func SummaryText(res *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Session %d: %d of %d repetitions done, %d successful.", res.SessionID, res.Completed(), res.Planned, res.Summary.Successes)
	for _, e := range res.Summary.Exercises {
		fmt.Fprintf(&b, "\n%s: %d/%d successful, mean %.1f s in band, mean peak %.0f %% MVC", e.Name, e.Successes, e.Reps, e.MeanInBandS, e.MeanPeakPct)
		if e.MeanAccuracy > 0 {
			fmt.Fprintf(&b, ", classifier %.0f %%", 100*e.MeanAccuracy)
		}
		fmt.Fprintf(&b, ", assist ended at %d %%.", e.FinalAssistPct)
	}
	if res.Summary.MVCFlagged {
		b.WriteString("\nSome readings were above 100 % MVC: the MVC was probably under-estimated; measure it again.")
	}
	for _, a := range res.Summary.Advice {
		b.WriteString("\n" + a)
	}
	return b.String()
}

// Close ends a running session (what was done is saved) and waits for it,
// up to timeout.
func (s *Service) Close(timeout time.Duration) {
	s.mu.Lock()
	running, done := s.running, s.done
	s.mu.Unlock()
	if !running || done == nil {
		return
	}
	s.runner.End()
	select {
	case <-done:
	case <-time.After(timeout):
		s.cfg.Log.Warn("rehab session still ending at close")
	}
}

// Result returns the last finished session's result, nil when none.
func (s *Service) Result() *Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return nil
	}
	return s.result
}

// Pause, Resume, Skip, Repeat, End, SetBand and SetAssist are the
// therapist's controls (Runner).
func (s *Service) Pause()  { s.runner.Pause() }
func (s *Service) Resume() { s.runner.Resume() }
func (s *Service) Skip()   { s.runner.Skip() }
func (s *Service) Repeat() { s.runner.Repeat() }
func (s *Service) End()    { s.runner.End() }

// SetBand changes the current exercise's target band.
func (s *Service) SetBand(low, high float64) error { return s.runner.SetBand(low, high) }

// SetAssist changes the assist level and locks or unlocks it.
func (s *Service) SetAssist(level int, locked bool) error { return s.runner.SetAssist(level, locked) }

var _ service.RehabService = (*Service)(nil)
