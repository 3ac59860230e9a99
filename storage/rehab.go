package storage

import (
	"strings"
	"time"
)

// SessionRehab is a guided rehabilitation session (app/rehab): its plan
// version, scored repetitions and summary are in RehabSession and RehabRep.
const SessionRehab SessionType = "rehab"

// ObjectRehabPlan and ObjectMVC are audited object types.
const (
	ObjectRehabPlan = "rehab_plan"
	ObjectMVC       = "mvc"
)

// RehabPlan is one version of a patient's exercise plan.
type RehabPlan struct {
	ID, PatientID int64
	// Version counts the patient's plans from 1; the newest is in force.
	Version int
	Name    string
	// JSON is the plan as JSON (app/rehab.Plan, CLI.md's plan file).
	JSON      []byte
	CreatedAt time.Time
}

// RehabSession is what a guided session adds to its recording.
type RehabSession struct {
	SessionID int64
	// PlanID and PlanVersion name the plan version it ran (PlanID 0: a
	// plan that was not saved).
	PlanID                     int64
	PlanVersion                int
	PlanName                   string
	PlannedReps, CompletedReps int
	// Summary is the end-of-session summary as JSON (app/rehab.Summary).
	Summary   []byte
	CreatedAt time.Time
}

// RehabRep is one scored repetition; see migration 0005_rehab for the
// meaning and units of each field. Optional scores are NaN when absent.
type RehabRep struct {
	ID, SessionID int64
	ExerciseIndex int
	Exercise      string
	Kind          string // "mvc" or "gesture"
	Set, Rep      int
	// CueSample and HoldSamples place the hold in the session's samples.
	CueSample, HoldSamples int64
	TargetLowPct           float64
	TargetHighPct          float64
	Gesture                string
	TimeInBandS, HoldS     float64
	PeakMVCPct, MeanMVCPct float64
	// OnsetDelayS, CCIPct, ClassifierAccuracy and GloveRangePct are NaN
	// when not measured.
	OnsetDelayS, CCIPct, ClassifierAccuracy, GloveRangePct float64
	AssistMode                                             string
	AssistLevel                                            int
	Success, Skipped                                       bool
	Note                                                   string
}

// MVCMeasurement is a patient's maximum voluntary contraction per channel
// (RMS in µV of the conditioned signal), the reference of every %MVC.
type MVCMeasurement struct {
	ID, PatientID int64
	SessionID     int64 // 0: none
	// Source is "calibration" or "rehab".
	Source    string
	Labels    []string
	MVCUV     []float64
	CreatedAt time.Time
}

// MatchLabel returns the index of the channel labelled name in labels:
// case is ignored, and a label such as "EMG FDS" or "FDS.1" matches "FDS";
// -1 when none does.
func MatchLabel(labels []string, name string) int {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" {
		return -1
	}
	for i, l := range labels {
		if strings.ToLower(strings.TrimSpace(l)) == n {
			return i
		}
	}
	for i, l := range labels {
		l = strings.ToLower(strings.TrimSpace(l))
		if strings.HasSuffix(l, " "+n) || strings.HasPrefix(l, n+".") {
			return i
		}
	}
	return -1
}

// For returns m's MVC per channel in the order of a stream's labels (a
// channel m lacks gets 0: no %MVC on it); a measurement with as many
// channels as the stream but none of its labels, or without labels, is
// used in channel order.
func (m *MVCMeasurement) For(labels []string) []float64 {
	out := make([]float64, len(labels))
	if len(m.Labels) == 0 {
		copy(out, m.MVCUV)
		return out
	}
	matched := 0
	for i, l := range labels {
		if j := MatchLabel(m.Labels, l); j >= 0 && j < len(m.MVCUV) {
			out[i] = m.MVCUV[j]
			matched++
		}
	}
	if matched == 0 && len(m.MVCUV) == len(labels) {
		copy(out, m.MVCUV)
	}
	return out
}
