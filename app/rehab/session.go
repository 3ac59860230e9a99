package rehab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"myorehab/acquisition"
	"myorehab/app/calibrate"
	"myorehab/app/device"
	"myorehab/app/script"
	"myorehab/app/service"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// Annotation kinds a rehab session writes (storage.Annotation.Kind).
const (
	AnnCue     = "cue"     // a prompt: Sample when it appeared, Duration its hold
	AnnRep     = "rep"     // a scored rep; Text "<exercise> set s rep r: <score>"
	AnnMVC     = "mvc"     // the settled part of an MVC hold; Text the group
	AnnFatigue = "fatigue" // a rest suggested; Text why
	AnnControl = "control" // a therapist's action (pause, skip, repeat, end, change)
)

// Device is what a session needs of the amplifier connection
// (device.Device).
type Device interface {
	Info() (acquisition.StreamInfo, bool)
	Source() acquisition.Source
	FilterDescription() string
}

// Recorder is what a session needs of the recording (record.Recorder).
type Recorder interface {
	Start(ctx context.Context, patientID int64, typ storage.SessionType, filterDesc string) (*storage.Session, error)
	Stop(ctx context.Context) (*storage.Session, error)
	State() (active bool, sessionID int64, samples int64)
	SessionStart() (uint64, bool)
	AnnotateStream(a *storage.Annotation, streamSample uint64) error
}

// Glove is what a session needs of the glove (app/glove.Service).
type Glove interface {
	SetMode(mode string, level int) error
	Arm(ctx context.Context, patientID int64) error
	Disarm() error
	Status() service.GloveStatus
}

// Config configures a Runner.
type Config struct {
	Log      *slog.Logger
	DB       *sqlite.DB
	Device   Device
	Recorder Recorder
	// Monitor must read the device's streams (attached).
	Monitor *Monitor
	// Glove, when set and connected, assists the exercises that name an
	// assist mode.
	Glove Glove
	// Tick, Stall and Advance are the prompt runner's (script.Config).
	Tick, Stall time.Duration
	Advance     func(ctx context.Context) error
	// MVCHold and MVCRest are the MVC holds' (default 3 s each); two holds
	// per muscle group.
	MVCHold, MVCRest time.Duration
}

// Request is one session to run.
type Request struct {
	PatientID int64
	Plan      *Plan
	// PlanID and PlanVersion name the stored plan version (0: not saved).
	PlanID      int64
	PlanVersion int
	// MeasureMVC runs the MVC holds first and uses (and stores) the result.
	MeasureMVC bool
	// Patient, when set, is the simulated patient who follows the cues.
	Patient *SimPatient
	// At dates the session and an MVC measured in it (a synthetic
	// history); zero: now.
	At time.Time
}

// Phase is where a session stands.
type Phase string

// Phases of a session.
const (
	PhaseIdle  Phase = ""
	PhaseMVC   Phase = "mvc"
	PhaseHold  Phase = "hold"
	PhaseRest  Phase = "rest"
	PhaseDone  Phase = "done"
	PhaseEnded Phase = "ended"
)

// Live is what the screens show of a running session.
type Live struct {
	Active, Paused bool
	Phase          Phase
	SessionID      int64
	// Exercise is the current exercise (with any live adjustment);
	// ExerciseIndex its place in the plan; Set and Rep from 1.
	Exercise      Exercise
	ExerciseIndex int
	Set, Rep      int
	// Cue is the instruction in plain words ("Squeeze and hold", "Rest").
	Cue string
	// Remaining is the time left of the hold or rest; HoldDone the hold's
	// completed fraction 0–1.
	Remaining time.Duration
	HoldDone  float64
	// LevelPct is the working muscles' live level (% MVC); Over100 flags a
	// level above 100 % (the MVC was under-estimated).
	LevelPct float64
	Over100  bool
	// Done and Planned count reps; Successes the successful ones.
	Done, Planned, Successes int
	// Last is the last scored rep, nil before the first.
	Last *RepResult
	// AssistLevel is the glove's level for the current rep.
	AssistLevel int
	// Advice is the newest rest suggestion ("" none).
	Advice string
	// Err is why the session stopped early ("" none).
	Err string
}

// RepResult is one rep: where, what and its score.
type RepResult struct {
	ExerciseIndex int
	Exercise      string
	Kind          string
	Set, Rep      int
	// CueSample, HoldSamples are session samples.
	CueSample, HoldSamples int64
	LowPct, HighPct        float64
	Gesture                string
	Score                  Score
	AssistMode             string
	AssistLevel            int
	Skipped                bool
	Note                   string
}

// Summary is the end-of-session summary (stored as JSON with the session).
type Summary struct {
	PlannedReps   int              `json:"planned_reps"`
	CompletedReps int              `json:"completed_reps"`
	Successes     int              `json:"successes"`
	Exercises     []ExerciseResult `json:"exercises"`
	Advice        []string         `json:"advice,omitempty"`
	MVCSource     string           `json:"mvc_source"`
	MVCFlagged    bool             `json:"mvc_flagged,omitempty"` // a rep's peak above 100 % MVC
	Ended         string           `json:"ended,omitempty"`       // why it ended early
}

// ExerciseResult sums up one exercise of the session.
type ExerciseResult struct {
	Name           string  `json:"name"`
	Reps           int     `json:"reps"`
	Successes      int     `json:"successes"`
	MeanInBandS    float64 `json:"mean_time_in_band_s"`
	MeanPeakPct    float64 `json:"mean_peak_mvc_pct"`
	MeanAccuracy   float64 `json:"mean_classifier_accuracy,omitempty"`
	FinalAssistPct int     `json:"final_assist_level"`
}

// Result is a finished session.
type Result struct {
	SessionID   int64
	Planned     int
	Reps        []RepResult
	Summary     Summary
	Faults      []string
	PlanID      int64
	PlanVersion int
}

// Completed counts the reps done (not skipped).
func (r *Result) Completed() int {
	n := 0
	for _, x := range r.Reps {
		if !x.Skipped {
			n++
		}
	}
	return n
}

// Runner runs guided sessions, one at a time. The control methods (Pause,
// Resume, Skip, Repeat, End, SetBand, SetAssist) and Live are safe from
// any goroutine.
type Runner struct {
	cfg Config

	mu      sync.Mutex
	live    Live
	script  *script.Runner
	stepEnd context.CancelFunc // cancels the current step (skip, end)
	skip    bool
	repeat  bool
	end     bool
	band    *[2]float64 // live adjustment of the current exercise's band
	assist  *Assist     // live adjustment of the assist
	mvc     []float64
	work    []int
}

// NewRunner returns a Runner on cfg.
func NewRunner(cfg Config) *Runner {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.MVCHold <= 0 {
		cfg.MVCHold = 3 * time.Second
	}
	if cfg.MVCRest <= 0 {
		cfg.MVCRest = 3 * time.Second
	}
	return &Runner{cfg: cfg}
}

// Live returns what the session is doing, with the live level.
func (r *Runner) Live() Live {
	r.mu.Lock()
	l, sr, mvc, work := r.live, r.script, r.mvc, r.work
	r.mu.Unlock()
	if sr != nil {
		p := sr.Progress()
		l.Paused = p.Paused
		l.Remaining = p.Remaining
		if l.Phase == PhaseHold && !p.Resting {
			h := l.Exercise.Hold()
			if h > 0 {
				l.HoldDone = min(1, max(0, 1-float64(p.Remaining)/float64(h)))
			}
		}
		if p.Resting && l.Phase == PhaseHold {
			l.Phase, l.Cue = PhaseRest, "Relax"
		}
	}
	if mvc != nil {
		l.LevelPct = levelOf(r.cfg.Monitor.RMS(nil), work, mvc)
		l.Over100 = l.LevelPct > 100
	}
	return l
}

// Pause holds the session: the current hold does not count and is
// repeated on Resume.
func (r *Runner) Pause() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.script != nil {
		r.script.Pause()
	}
}

// Resume continues a paused session.
func (r *Runner) Resume() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.script != nil {
		r.script.Resume()
	}
}

// Skip ends the current rep at once; it is kept as skipped (not scored).
func (r *Runner) Skip() { r.control(func() { r.skip = true }) }

// Repeat does the current rep once more after it ends (the extra rep is
// scored too).
func (r *Runner) Repeat() {
	r.mu.Lock()
	r.repeat = true
	r.mu.Unlock()
}

// End stops the session after saving what was done.
func (r *Runner) End() { r.control(func() { r.end = true }) }

func (r *Runner) control(set func()) {
	r.mu.Lock()
	set()
	cancel, sr := r.stepEnd, r.script
	r.mu.Unlock()
	if sr != nil {
		sr.Resume()
	}
	if cancel != nil {
		cancel()
	}
}

// SetBand changes the current exercise's target band (% MVC) from the next
// scored moment on (the current rep is scored against it).
func (r *Runner) SetBand(low, high float64) error {
	if !(low >= 0 && high > low && high <= 150) {
		return fmt.Errorf("target band %g–%g %%: low must be below high, between 0 and 150 %%", low, high)
	}
	r.mu.Lock()
	r.band = &[2]float64{low, high}
	r.live.Exercise.TargetLowPct, r.live.Exercise.TargetHighPct = low, high
	r.mu.Unlock()
	return nil
}

// SetAssist changes the glove's assist level for the next reps and locks
// or unlocks the assist-as-needed rule.
func (r *Runner) SetAssist(level int, locked bool) error {
	if level < 0 || level > 100 {
		return fmt.Errorf("assist level %d %%: use 0 to 100", level)
	}
	r.mu.Lock()
	a := r.live.Exercise.Assist
	a.Level, a.Locked = level, locked
	r.assist = &a
	r.live.AssistLevel = level
	r.live.Exercise.Assist.Locked = locked
	r.mu.Unlock()
	return nil
}

// Check validates req.Plan against the connected device and the patient's
// model and MVC: it returns the error a clinician sees, and no session
// starts. A %MVC exercise for a patient without MVC (and without
// MeasureMVC) is refused with ErrNoMVC.
func (r *Runner) Check(ctx context.Context, req Request) error {
	info, ok := r.cfg.Device.Info()
	if !ok {
		return errors.New("connect the amplifier (or the simulator) before starting the session")
	}
	dev := Capabilities{Labels: info.Labels}
	if model, err := r.cfg.DB.LatestModel(ctx, req.PatientID); err == nil {
		dev.Gestures = model.Meta.Classes
	}
	if err := Validate(req.Plan, dev); err != nil {
		return err
	}
	if req.MeasureMVC {
		return nil
	}
	for _, e := range req.Plan.Exercises {
		if e.Kind != KindMVC {
			continue
		}
		if _, err := PatientMVC(ctx, r.cfg.DB, req.PatientID); err != nil {
			if errors.Is(err, ErrNoMVC) {
				return fmt.Errorf("%w for this patient: measure the MVC (maximum contractions) before the %%MVC exercise %q", ErrNoMVC, e.Name)
			}
			return err
		}
		break
	}
	return nil
}

// sessionClock is the recording's sample clock for the prompt runner.
type sessionClock struct {
	r  *Runner
	id int64
}

func (k sessionClock) Position() (int64, float64, error) {
	info, ok := k.r.cfg.Device.Info()
	if !ok {
		return 0, 0, errors.New("the device was disconnected: connect it and start the session again")
	}
	active, id, n := k.r.cfg.Recorder.State()
	if !active || id != k.id {
		return 0, 0, errors.New("the session's recording stopped (device disconnected?): start the session again")
	}
	return n, info.SampleRateHz, nil
}

// streamAnnotator writes the prompt runner's annotations (session samples)
// through the recorder.
type streamAnnotator struct{ r *Runner }

func (a streamAnnotator) Annotate(x *storage.Annotation) error {
	base, _ := a.r.cfg.Recorder.SessionStart()
	return a.r.cfg.Recorder.AnnotateStream(x, base+uint64(x.Sample))
}

// Run runs req: checks it, records a session of type rehab, optionally
// measures the MVC, performs every rep of the plan with the prompt runner,
// scores and stores each, and returns the result. It returns when the
// plan is done, End is called, ctx ends or the device stops.
func (r *Runner) Run(ctx context.Context, req Request) (*Result, error) {
	if err := r.Check(ctx, req); err != nil {
		return nil, err
	}
	info, _ := r.cfg.Device.Info()
	r.mu.Lock()
	if r.live.Active {
		r.mu.Unlock()
		return nil, errors.New("a session is already running")
	}
	r.live = Live{Active: true, Planned: req.Plan.PlannedReps()}
	r.skip, r.repeat, r.end, r.band, r.assist, r.mvc = false, false, false, nil, nil, nil
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.live.Active = false
		r.script, r.stepEnd = nil, nil
		r.mu.Unlock()
	}()
	if req.Patient != nil {
		req.Patient.attach(r.cfg.Device.Source())
		defer req.Patient.rest()
	}
	sess, err := r.cfg.Recorder.Start(ctx, req.PatientID, storage.SessionRehab, r.cfg.Device.FilterDescription())
	if err != nil {
		return nil, err
	}
	res := &Result{SessionID: sess.ID, Planned: req.Plan.PlannedReps(), PlanID: req.PlanID, PlanVersion: req.PlanVersion}
	sr := script.New(script.Config{Clock: sessionClock{r: r, id: sess.ID}, Annotator: streamAnnotator{r}, Tick: r.cfg.Tick, Stall: r.cfg.Stall, Advance: r.cfg.Advance})
	r.mu.Lock()
	r.script, r.live.SessionID = sr, sess.ID
	r.mu.Unlock()
	runErr := r.perform(ctx, req, info, sr, res)
	if r.cfg.Glove != nil {
		r.cfg.Glove.Disarm()
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, err := r.cfg.Recorder.Stop(stopCtx); err != nil {
		res.Faults = append(res.Faults, "recording: "+err.Error())
	}
	if runErr != nil {
		res.Summary.Ended = runErr.Error()
		res.Faults = append(res.Faults, runErr.Error())
	}
	if err := r.save(stopCtx, req, res); err != nil {
		return res, err
	}
	if !req.At.IsZero() {
		if s, err := r.cfg.DB.Session(stopCtx, res.SessionID); err == nil {
			if err := r.cfg.DB.RedateSession(stopCtx, res.SessionID, req.At, req.At.Add(s.Duration())); err != nil {
				return res, err
			}
		}
	}
	r.mu.Lock()
	r.live.Phase = PhaseDone
	if runErr != nil {
		r.live.Phase, r.live.Err = PhaseEnded, runErr.Error()
	}
	r.mu.Unlock()
	if runErr != nil && ctx.Err() != nil {
		return res, runErr
	}
	return res, nil
}

// errEnded is the therapist's End.
var errEnded = errors.New("ended by the therapist")

// perform runs the MVC holds (if asked) and every rep.
func (r *Runner) perform(ctx context.Context, req Request, info acquisition.StreamInfo, sr *script.Runner, res *Result) error {
	var mvc *storage.MVCMeasurement
	if req.MeasureMVC {
		m, err := r.measureMVC(ctx, req, info, sr, res.SessionID)
		if err != nil {
			return err
		}
		mvc = m
	} else if m, err := PatientMVC(ctx, r.cfg.DB, req.PatientID); err == nil {
		mvc = m
	}
	var mvcUV []float64
	if mvc != nil {
		mvcUV = MVCFor(mvc, info.Labels)
		res.Summary.MVCSource = fmt.Sprintf("%s of %s", mvc.Source, mvc.CreatedAt.Format("2006-01-02"))
	}
	r.setModel(ctx, req.PatientID, info, mvcUV)
	defer r.cfg.Monitor.SetModel(nil, nil, false)
	advised := map[int]bool{}
	for ei, ex := range req.Plan.Exercises {
		work, ant := indices(info.Labels, ex.Channels), indices(info.Labels, ex.Antagonist)
		if len(work) == 0 {
			work = allChannels(info.Channels)
		}
		if len(ant) == 0 {
			ant = antagonistOf(info.Labels, work)
		}
		target := classIndex(r.cfg.Monitor.Classes(), ex.Gesture)
		assist := ex.Assist
		level := assist.Level
		gloveOn := r.startGlove(ctx, req.PatientID, ex, res)
		r.mu.Lock()
		r.band, r.assist, r.mvc, r.work = nil, nil, mvcUV, work
		r.mu.Unlock()
		for set := 1; set <= ex.SetCount(); set++ {
			for rep := 1; rep <= ex.Reps; rep++ {
				for again := true; again; {
					again = false
					cur := ex
					r.mu.Lock()
					if r.band != nil {
						cur.TargetLowPct, cur.TargetHighPct = r.band[0], r.band[1]
					}
					if r.assist != nil {
						assist, level = *r.assist, r.assist.Level
						r.assist = nil
					}
					cur.Assist = assist
					r.live.Phase, r.live.Exercise, r.live.ExerciseIndex, r.live.Set, r.live.Rep = PhaseHold, cur, ei, set, rep
					r.live.Cue, r.live.AssistLevel, r.live.HoldDone = cueText(cur), level, 0
					r.mu.Unlock()
					if gloveOn {
						if err := r.cfg.Glove.SetMode(assist.Mode, level); err != nil {
							res.Faults = append(res.Faults, "glove: "+err.Error())
						}
					}
					rr, err := r.oneRep(ctx, sr, req, &cur, ei, set, rep, work, ant, mvcUV, target, level)
					if err != nil {
						return err
					}
					if gloveOn {
						rr.AssistMode = assist.Mode
					}
					res.Reps = append(res.Reps, *rr)
					if !rr.Skipped {
						level = NextAssist(assist, level, rr.Score.Success)
					}
					if !advised[ei] {
						if adv, ok := FatigueAdvice(r.cfg.Monitor.Conditions(), work, info.Labels); ok {
							advised[ei] = true
							res.Summary.Advice = append(res.Summary.Advice, adv.Why)
							res.Reps[len(res.Reps)-1].Note = adv.Why
							streamAnnotator{r}.Annotate(&storage.Annotation{Sample: rr.CueSample + rr.HoldSamples, Kind: AnnFatigue, Text: adv.Why})
							r.mu.Lock()
							r.live.Advice = adv.Why
							r.mu.Unlock()
						}
					}
					r.mu.Lock()
					last := res.Reps[len(res.Reps)-1]
					r.live.Last = &last
					if !rr.Skipped {
						r.live.Done++
						if rr.Score.Success {
							r.live.Successes++
						}
					}
					again, r.repeat = r.repeat, false
					end := r.end
					r.mu.Unlock()
					if end {
						return errEnded
					}
				}
			}
		}
		if gloveOn {
			r.cfg.Glove.Disarm()
		}
	}
	return nil
}

// oneRep performs and scores one rep.
func (r *Runner) oneRep(ctx context.Context, sr *script.Runner, req Request, ex *Exercise, ei, set, rep int,
	work, ant []int, mvcUV []float64, target, level int) (*RepResult, error) {
	var (
		got   *RepResult
		skip  bool
		rcErr error
	)
	stepCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.mu.Lock()
	r.stepEnd, r.skip = cancel, false
	r.mu.Unlock()
	rr := &RepResult{ExerciseIndex: ei, Exercise: ex.Name, Kind: ex.Kind, Set: set, Rep: rep,
		LowPct: ex.TargetLowPct, HighPct: ex.TargetHighPct, Gesture: ex.Gesture, AssistLevel: level}
	if ex.Kind == KindGesture {
		rr.LowPct, rr.HighPct = 0, 0
	}
	step := script.Step{
		Hold: ex.Hold(), Rest: ex.Rest(),
		Begin: func() {
			if req.Patient != nil {
				req.Patient.perform(ex)
			}
		},
		Relax: func() {
			if req.Patient != nil {
				req.Patient.rest()
			}
		},
		Marks: func(start, hold int64) []*storage.Annotation {
			r.mu.Lock()
			if r.band != nil && ex.Kind == KindMVC {
				ex.TargetLowPct, ex.TargetHighPct = r.band[0], r.band[1]
				rr.LowPct, rr.HighPct = ex.TargetLowPct, ex.TargetHighPct
			}
			r.mu.Unlock()
			rr.CueSample, rr.HoldSamples = start, hold
			rr.Score, rcErr = r.score(ex, start, hold, work, ant, mvcUV, target)
			got = rr
			return []*storage.Annotation{
				{Sample: start, Duration: hold, Kind: AnnCue, Text: fmt.Sprintf("%s set %d rep %d", ex.Name, set, rep)},
				{Sample: start, Duration: hold, Kind: AnnRep, Text: repText(rr)},
			}
		},
	}
	err := sr.Run(stepCtx, []script.Step{step})
	r.mu.Lock()
	skip, end := r.skip, r.end
	r.stepEnd = nil
	r.mu.Unlock()
	if req.Patient != nil {
		req.Patient.rest()
	}
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case end && got != nil:
		return got, nil
	case end:
		return nil, errEnded
	case skip && got != nil: // skipped during the rest: the hold counts
	case skip:
		rr.Skipped, rr.Score = true, Score{OnsetDelayS: math.NaN(), CCIPct: math.NaN(), Accuracy: math.NaN(), GloveRangePct: math.NaN()}
		streamAnnotator{r}.Annotate(&storage.Annotation{Kind: AnnControl, Text: fmt.Sprintf("skipped %s set %d rep %d", ex.Name, set, rep)})
		return rr, nil
	default:
		return nil, err
	}
	if rcErr != nil {
		return nil, rcErr
	}
	return got, nil
}

// score waits for the monitor to hold the whole rep and scores it.
func (r *Runner) score(ex *Exercise, start, hold int64, work, ant []int, mvcUV []float64, target int) (Score, error) {
	base, _ := r.cfg.Recorder.SessionStart()
	from, to := base+uint64(start), base+uint64(start+hold)
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		if end, _ := r.cfg.Monitor.End(); end >= to || time.Now().After(deadline) {
			break
		}
	}
	t := r.cfg.Monitor.Trace(from, to)
	if mvcUV == nil {
		mvcUV = make([]float64, t.Channels)
	}
	return scoreTrace(t, ex, work, ant, mvcUV, target), nil
}

// setModel runs the patient's latest model on the stream for gesture reps.
func (r *Runner) setModel(ctx context.Context, patientID int64, info acquisition.StreamInfo, mvcUV []float64) {
	model, err := r.cfg.DB.LatestModel(ctx, patientID)
	if err != nil {
		return
	}
	pipe, _, err := calibrate.PipelineOf(model)
	if err != nil {
		r.cfg.Log.Warn("rehab: the patient's model", "err", err)
		return
	}
	mains := 50.0
	if strings.Contains(r.cfg.Device.FilterDescription(), "notch 60") {
		mains = 60
	}
	pre := pipe.Spec.FilterMatches(device.BandLowHz, device.BandHighHz, device.BandOrder, mains, device.NotchQ)
	if err := r.cfg.Monitor.SetModel(pipe, mvcUV, pre); err != nil {
		r.cfg.Log.Warn("rehab: the patient's model", "err", err)
	}
}

// startGlove sets the glove's mode and arms it for ex; false without a
// glove, without an assist mode, or when it would not arm (a fault).
func (r *Runner) startGlove(ctx context.Context, patientID int64, ex Exercise, res *Result) bool {
	g := r.cfg.Glove
	if g == nil || ex.Assist.Mode == "" || ex.Assist.Mode == "none" {
		return false
	}
	if st := g.Status(); st.State == service.GloveDisconnected || st.State == "" {
		return false
	}
	if err := g.SetMode(ex.Assist.Mode, ex.Assist.Level); err != nil {
		res.Faults = append(res.Faults, fmt.Sprintf("glove (%s): %v", ex.Name, err))
		return false
	}
	if err := g.Arm(ctx, patientID); err != nil {
		res.Faults = append(res.Faults, fmt.Sprintf("glove (%s): %v", ex.Name, err))
		return false
	}
	return true
}

// measureMVC runs two maximum contractions of the flexors (power grip)
// and of the extensors (open hand), takes each channel's strongest
// settled hold (RMS of the 250 ms moving RMS over the hold after its
// first second) as its MVC and stores it.
func (r *Runner) measureMVC(ctx context.Context, req Request, info acquisition.StreamInfo, sr *script.Runner, sessionID int64) (*storage.MVCMeasurement, error) {
	groups := []struct{ name, gesture string }{{"flexors", "power grip"}, {"extensors", "open hand"}}
	mvc := make([]float64, info.Channels)
	for _, g := range groups {
		for rep := 1; rep <= 2; rep++ {
			ex := &Exercise{Name: "MVC " + g.name, Kind: KindMVC, Gesture: g.gesture, TargetLowPct: 100, TargetHighPct: 150}
			r.mu.Lock()
			r.live.Phase, r.live.Cue, r.live.Exercise = PhaseMVC, fmt.Sprintf("Maximum %s: squeeze as hard as you can (%d/2)", strings.TrimSuffix(g.gesture, " hand"), rep), *ex
			r.mu.Unlock()
			step := script.Step{Hold: r.cfg.MVCHold, Rest: r.cfg.MVCRest,
				Begin: func() {
					if req.Patient != nil {
						req.Patient.maximal(g.gesture)
					}
				},
				Relax: func() {
					if req.Patient != nil {
						req.Patient.rest()
					}
				},
				Marks: func(start, hold int64) []*storage.Annotation {
					settle := min(hold/4, int64(info.SampleRateHz))
					base, _ := r.cfg.Recorder.SessionStart()
					from, to := base+uint64(start+settle), base+uint64(start+hold)
					for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(2 * time.Millisecond) {
						if end, _ := r.cfg.Monitor.End(); end >= to || time.Now().After(deadline) {
							break
						}
					}
					t := r.cfg.Monitor.Trace(from, to)
					for ch := range min(t.Channels, len(mvc)) {
						ss, n := 0.0, 0
						for k := range t.Ends {
							v := t.RMS[k*t.Channels+ch]
							ss += v * v * float64(t.Len[k])
							n += t.Len[k]
						}
						if n > 0 {
							mvc[ch] = max(mvc[ch], math.Sqrt(ss/float64(n)))
						}
					}
					return []*storage.Annotation{
						{Sample: start, Duration: hold, Kind: AnnCue, Text: fmt.Sprintf("mvc %s: %s %d/2", g.name, g.gesture, rep)},
						{Sample: start + settle, Duration: hold - settle, Kind: AnnMVC, Text: g.name},
					}
				}}
			if err := sr.Run(ctx, []script.Step{step}); err != nil {
				return nil, fmt.Errorf("MVC holds: %w", err)
			}
		}
	}
	for ch, v := range mvc {
		if !(v > 0) {
			return nil, fmt.Errorf("MVC holds: no signal on %s: check the electrode and measure again", info.Labels[ch])
		}
	}
	m := &storage.MVCMeasurement{PatientID: req.PatientID, SessionID: sessionID, Source: "rehab", Labels: info.Labels, MVCUV: mvc, CreatedAt: req.At}
	if err := r.cfg.DB.SaveMVC(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// save stores the session's plan version, reps and summary.
func (r *Runner) save(ctx context.Context, req Request, res *Result) error {
	res.Summary.PlannedReps, res.Summary.CompletedReps = res.Planned, res.Completed()
	byEx := map[int]*ExerciseResult{}
	var order []int
	for _, x := range res.Reps {
		if x.Score.PeakPct > 100 {
			res.Summary.MVCFlagged = true
		}
		e := byEx[x.ExerciseIndex]
		if e == nil {
			e = &ExerciseResult{Name: x.Exercise}
			byEx[x.ExerciseIndex] = e
			order = append(order, x.ExerciseIndex)
		}
		e.FinalAssistPct = x.AssistLevel
		if x.Skipped {
			continue
		}
		e.Reps++
		e.MeanInBandS += x.Score.TimeInBandS
		e.MeanPeakPct += x.Score.PeakPct
		if !math.IsNaN(x.Score.Accuracy) {
			e.MeanAccuracy += x.Score.Accuracy
		}
		if x.Score.Success {
			e.Successes++
			res.Summary.Successes++
		}
	}
	for _, i := range order {
		e := byEx[i]
		if e.Reps > 0 {
			e.MeanInBandS /= float64(e.Reps)
			e.MeanPeakPct /= float64(e.Reps)
			e.MeanAccuracy /= float64(e.Reps)
		}
		res.Summary.Exercises = append(res.Summary.Exercises, *e)
	}
	summary, _ := json.Marshal(res.Summary)
	reps := make([]*storage.RehabRep, len(res.Reps))
	for i, x := range res.Reps {
		s := x.Score
		reps[i] = &storage.RehabRep{ExerciseIndex: x.ExerciseIndex, Exercise: x.Exercise, Kind: x.Kind, Set: x.Set, Rep: x.Rep,
			CueSample: x.CueSample, HoldSamples: x.HoldSamples, TargetLowPct: x.LowPct, TargetHighPct: x.HighPct, Gesture: x.Gesture,
			TimeInBandS: s.TimeInBandS, HoldS: s.HoldS, PeakMVCPct: s.PeakPct, MeanMVCPct: s.MeanPct,
			OnsetDelayS: s.OnsetDelayS, CCIPct: s.CCIPct, ClassifierAccuracy: s.Accuracy, GloveRangePct: s.GloveRangePct,
			AssistMode: x.AssistMode, AssistLevel: x.AssistLevel, Success: s.Success, Skipped: x.Skipped, Note: x.Note}
	}
	return r.cfg.DB.SaveRehabSession(ctx, &storage.RehabSession{SessionID: res.SessionID, PlanID: req.PlanID, PlanVersion: req.PlanVersion,
		PlanName: req.Plan.Name, PlannedReps: res.Planned, CompletedReps: res.Completed(), Summary: summary}, reps)
}

// cueText is the patient's instruction for ex.
func cueText(ex Exercise) string {
	if ex.Kind == KindGesture {
		return strings.ToUpper(ex.Gesture[:1]) + ex.Gesture[1:] + " and hold"
	}
	what := "Squeeze"
	if g := normGesture(ex.Gesture); g == "open hand" || strings.Contains(g, "extension") {
		what = "Open"
		if strings.Contains(g, "wrist") {
			what = "Lift your wrist"
		}
	}
	return fmt.Sprintf("%s to %g–%g %% and hold", what, ex.TargetLowPct, ex.TargetHighPct)
}

// repText is the rep's annotation text.
func repText(x *RepResult) string {
	s := x.Score
	if x.Kind == KindGesture {
		return fmt.Sprintf("%s set %d rep %d: classifier %s on %s, mean %.0f %% MVC — %s", x.Exercise, x.Set, x.Rep, pctOrDash(s.Accuracy), x.Gesture, s.MeanPct, verdict(s.Success))
	}
	return fmt.Sprintf("%s set %d rep %d: %.1f of %.1f s in %g–%g %%, peak %.0f %% MVC — %s", x.Exercise, x.Set, x.Rep, s.TimeInBandS, s.HoldS, x.LowPct, x.HighPct, s.PeakPct, verdict(s.Success))
}

func verdict(success bool) string {
	if success {
		return "success"
	}
	return "missed"
}

func pctOrDash(f float64) string {
	if math.IsNaN(f) {
		return "–"
	}
	return fmt.Sprintf("%.0f %%", 100*f)
}

func indices(labels, names []string) []int {
	var out []int
	for _, n := range names {
		if i := ChannelIndex(labels, n); i >= 0 {
			out = append(out, i)
		}
	}
	return out
}

// flexors and extensors of the forearm ring (acquisition/sim labels).
var (
	flexors   = []string{"FDS", "FDP", "FCU", "FCR"}
	extensors = []string{"EDC", "ECU", "ECRL", "APL"}
)

// antagonistOf returns the antagonist of working channels named in a plan
// without one: EDC for flexors, FDS for extensors (when the device has
// them); nil otherwise.
func antagonistOf(labels []string, work []int) []int {
	has := func(group []string, i int) bool {
		for _, g := range group {
			if ChannelIndex([]string{labels[i]}, g) == 0 {
				return true
			}
		}
		return false
	}
	var fl, ex int
	for _, i := range work {
		if i < len(labels) && has(flexors, i) {
			fl++
		} else if i < len(labels) && has(extensors, i) {
			ex++
		}
	}
	pick := ""
	switch {
	case fl == len(work) && fl > 0:
		pick = "EDC"
	case ex == len(work) && ex > 0:
		pick = "FDS"
	}
	if i := ChannelIndex(labels, pick); i >= 0 && pick != "" {
		return []int{i}
	}
	return nil
}

func allChannels(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func classIndex(classes []string, g string) int {
	if g == "" {
		return -1
	}
	for i, c := range classes {
		if normGesture(c) == normGesture(g) {
			return i
		}
	}
	return -1
}
