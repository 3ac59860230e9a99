package service

import (
	"context"
	"time"
)

// Glove states as the glove reports them (PROTOCOLS.md §6.4), and the
// link's own.
const (
	GloveDisconnected = "DISCONNECTED" // no link open
	GloveDisarmed     = "DISARMED"     // link up, glove holds still
	GloveArmed        = "ARMED"        // the glove follows the targets
	GloveFault        = "FAULT"        // the glove stopped on a fault; Fault says which
	GloveEStop        = "ESTOP"        // emergency stop latched
	GloveLinkLost     = "LINK LOST"    // no STATUS for 250 ms: targets stopped
)

// Assist modes of the glove (SET_ASSIST), as GloveService.SetMode takes them.
const (
	ModePassive      = "passive"      // passive range of motion, no EMG needed
	ModeAssist       = "assist"       // assist as needed
	ModeTriggered    = "triggered"    // EMG-triggered postures
	ModeProportional = "proportional" // EMG-proportional closing
)

// FingerStatus is one finger of the glove.
type FingerStatus struct {
	// Name is the finger, e.g. "thumb", "index".
	Name string
	// Position is where the finger is and Target where it is told to go,
	// in per mille of the patient's range (0 extended, 1000 flexed).
	Position, Target float64
	// Force is the measured force in centinewtons; ForceLimit the limit in
	// force.
	Force, ForceLimit float64
}

// GloveStatus is a cheap copy of the glove loop's state for the screens.
type GloveStatus struct {
	// State is one of the Glove* constants.
	State string
	// Port is the glove's serial port; empty when disconnected.
	Port string
	// Armed is set while the therapist's ARM is in force.
	Armed bool
	// Mode is one of the Mode* constants; AssistLevel 0–100 %.
	Mode        string
	AssistLevel int
	// Controller says in words what the control loop is doing and why,
	// e.g. "ramping to safe: electrode off on FDS".
	Controller string
	// Fault is the current fault in plain language with what to do, ""
	// when none.
	Fault string
	// Fingers are the glove's fingers, thumb first.
	Fingers []FingerStatus
	// Commands, Acks and Nacks count frames sent and answered;
	// FrameErrors damaged frames received.
	Commands, Acks, Nacks, FrameErrors uint64
	// TComp, TTrans and TSync are the latency terms of the newest
	// decision; their sum is T_total.
	TComp, TTrans, TSync time.Duration
}

// FingerLimit is one finger's limits for a patient.
type FingerLimit struct {
	// MinPosition and MaxPosition bound the range of motion, per mille.
	MinPosition, MaxPosition float64
	// MaxForce is the force limit in centinewtons; MaxSpeed the speed
	// limit in per mille per second.
	MaxForce, MaxSpeed float64
}

// GloveService runs the rehabilitation glove. Blocking methods are called
// off the Fyne goroutine; Status and EStop are cheap and safe from any
// goroutine.
type GloveService interface {
	// Connect opens the glove on the serial port at path (handshake
	// included); the glove starts disarmed.
	Connect(path string) error
	// Disconnect disarms the glove and closes the link.
	Disconnect() error
	// Status returns the current state.
	Status() GloveStatus
	// Arm lets the glove move for patient patientID (the therapist has
	// confirmed); it fails when the link, the signal or the patient's
	// limits are not ready, saying why.
	Arm(ctx context.Context, patientID int64) error
	// Disarm stops the motion: the fingers ramp to the safe state.
	Disarm() error
	// EStop sends the emergency stop ahead of everything queued. It never
	// blocks; the stop stays latched until ClearEStop.
	EStop()
	// ClearEStop releases a latched emergency stop; motion then needs a
	// fresh Arm.
	ClearEStop() error
	// SetMode sets the assist mode (a Mode* constant) and level (0–100 %).
	SetMode(mode string, level int) error
	// Limits returns the glove limits of patient patientID (defaults when
	// none were saved), one entry per finger, thumb first.
	Limits(ctx context.Context, patientID int64) ([]FingerLimit, error)
	// SaveLimits stores the patient's limits; they apply from the next
	// Arm. Limits outside the glove's range are refused.
	SaveLimits(ctx context.Context, patientID int64, l []FingerLimit) error
}
