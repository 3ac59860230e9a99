// Package emulator plays a rehabilitation glove's side of the MyoRehab
// glove link v1 (PROTOCOLS.md §6.4), for tests and `myorehab emulate
// --protocol glove`.
//
// The glove boots DISARMED with its fingers extended. ARM (from DISARMED)
// arms it and holds the fingers where they are; SET_TARGETS, only in ARMED,
// is checked whole: a wrong length gets NACK 3, a position over 1000 ‰
// NACK 4, a position outside the SET_LIMITS range or a force limit over
// the finger's (or the glove's) force limit NACK 6, and none of it is
// applied; otherwise each target's speed is clamped to the glove's own
// MaxSpeed and the targets are applied. Each finger then follows its
// target as a first-order lag (TimeConstant, default 80 ms) no faster
// than the target's speed; its force grows with the tracking error
// (2 cN/‰) up to the force limit. Outside ARMED every finger is released
// toward extension at SafeSpeed (default 300 ‰/s) and assist drops to 0.
//
// Safety behaviour: in ARMED, 250 ms without a valid frame latches the
// watchdog fault (FAULT state, safe release); ESTOP latches ESTOP and is
// reported at once with an ACK and a STATUS; CLEAR_FAULT returns FAULT or
// ESTOP to DISARMED, and motion needs a new ARM. STATUS goes out
// unprompted at 50 Hz. Every command other than HELLO (answered by
// INFO), GET_STATUS (answered by STATUS) and HEARTBEAT (no answer) gets
// an ACK with the state after it, or a NACK; a damaged frame gets NACK 1
// (NACK 3 for a length over 64) with its seq as received.
//
// Test hooks: Config.Corrupt and Config.CorruptIn flip random bytes on the
// way out and on the way in (seeded), Config.Faults injects faults at
// given times (ParseFaults reads the --fault syntax, e.g.
// "stall:index@5s,silent@4s,hw-estop@6s"), Config.Log receives the
// JSON-lines log of CLI.md, and Snapshot exposes the state and finger
// positions.
package emulator
