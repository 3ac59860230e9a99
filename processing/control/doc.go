// Package control turns recognition decisions into rehabilitation-glove
// finger targets for one patient, and keeps the patient safe whatever its
// inputs say.
//
// A Controller is pure: no I/O, no goroutines, no clock of its own (time
// comes in with each Input, on the caller's monotonic clock), one owner
// goroutine, and Step allocates nothing after NewController. Its output
// is in the units and under the names of the glove link v1 (PROTOCOLS.md
// §6.4): per finger, thumb first, a position in per mille of the patient's
// range (0 extended, 1000 flexed), a force limit in centinewtons and a
// maximum speed in per mille per second, so the link layer can put it in
// SET_TARGETS as it is (Target.Wire rounds for the frame); the modes are
// those of SET_ASSIST and the limits those of SET_LIMITS plus a speed.
//
// Each Step runs the same chain:
//
//	decision → gates → mode rule → posture/level mapping → limits clamp → rate limit → limits clamp → targets
//
// The stages:
//
//   - Decision: the newest pipeline.Decision (class, confidence, level,
//     sample index) with its time and the caller's stability flag, the
//     channels' quality.Status, the link state, the therapist's arming,
//     the e-stop and the engine's count of blocks dropped on the control
//     queue (Input).
//   - Gates (ARCHITECTURE.md "Safety"): the glove moves only when no
//     e-stop is latched, no fault is latched (link lost or faulted, a
//     dropped block: these need a fresh ARM), the session is armed, and,
//     except in passive range of motion, the decision is fresh (MaxAge),
//     the channels of the posture it selects are OK for control, it was
//     not rejected, its confidence reaches MinConfidence and it is stable.
//     Otherwise the targets ramp to the patient's safe state (usually the
//     open hand with a small force) at no more than the speed limit; an
//     e-stop makes the output safe at once and latches.
//   - Mode rule: one of the four SET_ASSIST modes (Passive,
//     AssistAsNeeded, Triggered, Proportional), each rule written on its
//     constant, turns the decision into a goal per finger.
//   - Posture/level mapping: a class selects a Posture (the per-patient
//     gesture → posture map); the proportional level is mapped linearly
//     between LevelMin and LevelMax to the way from Open to the posture.
//   - Limits clamp: one function, Controller.clamp, bounds the goal and
//     again every output to the patient's range of motion, maximum force
//     and maximum speed (validated by NewController); acquisition/glove
//     checks them again before bytes leave.
//   - Rate limit: no position moves more than MaxSpeed·dt from the
//     previous output; force limits rise gradually and fall at once.
//
// The returned Status says what the controller does and why, e.g.
// "ramping to safe: electrode off on FDS" or "holding: low confidence".
package control
