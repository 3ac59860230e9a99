package service

import (
	"context"
	"time"

	"myorehab/storage"
)

// RehabPlan is an exercise plan: the plan file of ../shared/CLI.md. More
// fields are welcome in a file; the ones here are read as written.
type RehabPlan struct {
	Name      string          `json:"name"`
	Exercises []RehabExercise `json:"exercises"`
	// SessionsPerWeek is the prescribed frequency (0: not prescribed); the
	// progress report measures adherence against it.
	SessionsPerWeek float64 `json:"sessions_per_week,omitempty"`
}

// RehabExercise is one exercise of a plan.
type RehabExercise struct {
	Name string `json:"name"`
	// Kind is "mvc" (hold in a %MVC band) or "gesture" (classifier).
	Kind string `json:"kind"`
	// Channels are the working muscles' channel labels (e.g. "FDS");
	// Antagonist the opposing muscles' for the co-contraction index.
	Channels   []string `json:"channels,omitempty"`
	Antagonist []string `json:"antagonist,omitempty"`
	// Gesture is the target gesture of a gesture exercise, and the
	// gesture the simulated patient makes for a %MVC one.
	Gesture string `json:"gesture,omitempty"`
	// TargetLowPct and TargetHighPct bound the %MVC band.
	TargetLowPct  float64 `json:"target_low_pct,omitempty"`
	TargetHighPct float64 `json:"target_high_pct,omitempty"`
	// HoldS and RestS are the hold and rest in seconds.
	HoldS float64 `json:"hold_s"`
	RestS float64 `json:"rest_s"`
	// Reps per set and Sets (0 means 1).
	Reps int `json:"reps"`
	Sets int `json:"sets,omitempty"`
	// Assist is the glove's assistance.
	Assist RehabAssist `json:"assist"`
	// Template names the template the exercise was made from, if any.
	Template string `json:"template,omitempty"`
}

// RehabAssist is the glove's assistance for an exercise.
type RehabAssist struct {
	// Mode is a glove assist mode (ModePassive, ModeAssist, ModeTriggered,
	// ModeProportional); "" means no glove.
	Mode string `json:"mode,omitempty"`
	// Level is the starting assist level, 0–100 %.
	Level int `json:"level"`
	// Locked keeps the level fixed (no assist-as-needed).
	Locked bool `json:"locked,omitempty"`
}

// SetCount returns the number of sets (at least 1).
func (e RehabExercise) SetCount() int { return max(1, e.Sets) }

// Hold returns the hold duration.
func (e RehabExercise) Hold() time.Duration { return time.Duration(e.HoldS * float64(time.Second)) }

// Rest returns the rest after each hold.
func (e RehabExercise) Rest() time.Duration { return time.Duration(e.RestS * float64(time.Second)) }

// PlannedReps returns the repetitions the plan prescribes.
func (p *RehabPlan) PlannedReps() int {
	n := 0
	for _, e := range p.Exercises {
		n += e.Reps * e.SetCount()
	}
	return n
}

// RehabLive is what the session screens show of a running session.
type RehabLive struct {
	Active, Paused bool
	// Phase is "mvc" (MVC holds), "hold", "rest", "done" or "ended".
	Phase     string
	SessionID int64
	// Exercise is the current exercise (with live adjustments);
	// ExerciseIndex its place in the plan; Set and Rep from 1.
	Exercise      RehabExercise
	ExerciseIndex int
	Set, Rep      int
	// Cue is the instruction in plain words ("Squeeze to 30–50 % and hold").
	Cue string
	// Remaining is the time left of the hold or rest; HoldDone the hold's
	// completed fraction 0–1.
	Remaining time.Duration
	HoldDone  float64
	// LevelPct is the working muscles' live level in % MVC; Over100 flags
	// a level above 100 % (the MVC was probably under-estimated).
	LevelPct float64
	Over100  bool
	// Done and Planned count reps; Successes the successful ones.
	Done, Planned, Successes int
	// LastText describes the last scored rep ("" before the first);
	// LastSuccess says whether it succeeded.
	LastText    string
	LastSuccess bool
	// AssistLevel is the glove's assist level for the current rep (%).
	AssistLevel int
	// Advice is the newest rest suggestion, with why ("" none).
	Advice string
	// Summary is the end-of-session summary in plain words (when done).
	Summary string
	// Err is why the session stopped early ("" none).
	Err string
}

// RehabService runs guided exercise sessions. Methods taking a context
// may block on the database or the device and are called off the Fyne
// goroutine; Live and the controls are cheap and safe from any goroutine.
type RehabService interface {
	// PatientMVC returns the patient's own newest MVC (nil, nil when
	// none was ever measured).
	PatientMVC(ctx context.Context, patientID int64) (*storage.MVCMeasurement, error)
	// Templates returns the exercise library.
	Templates() []RehabExercise
	// LatestPlan returns the patient's plan in force and its version
	// (a starter plan and version 0 when none was saved).
	LatestPlan(ctx context.Context, patientID int64) (*RehabPlan, int, error)
	// SavePlan checks plan against the connected device (or the default
	// channels) and saves it as the patient's next version.
	SavePlan(ctx context.Context, patientID int64, plan *RehabPlan) (int, error)
	// Start checks the patient's latest plan and starts its session in
	// the background (measureMVC: the MVC holds first); it returns the
	// error a clinician sees when the session cannot start (no MVC for a
	// %MVC exercise, channels the device lacks, ...).
	Start(ctx context.Context, patientID int64, measureMVC bool) error
	// Live returns what the session is doing.
	Live() RehabLive
	// Therapist's controls.
	Pause()
	Resume()
	Skip()
	Repeat()
	End()
	SetBand(lowPct, highPct float64) error
	SetAssist(level int, locked bool) error
}
