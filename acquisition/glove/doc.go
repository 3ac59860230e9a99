// Package glove speaks the MyoRehab glove link v1 (PROTOCOLS.md §6.4), the
// serial protocol between the app and a rehabilitation glove: the frame
// codec, the message payloads, and Link, the host side of the link.
//
// # Frames
//
// Every frame is
//
//	0xAA 0x55 | version 1 | type | seq | N | payload (N ≤ 64 bytes) | CRC-16 LE
//
// with the CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no
// final xor) over version … payload. AppendFrame encodes one; Decoder
// decodes a byte stream without allocating and resynchronises on the next
// 0xAA 0x55 after garbage or a damaged frame, counting what it dropped.
// Multi-byte fields are little-endian; positions are per mille of the
// patient's calibrated range (0 fully extended, 1000 fully flexed), forces
// centinewtons (cN), speeds per mille per second.
//
// # Link
//
// Open (or New over an already open port) says HELLO, waits for INFO,
// sends DISARM (a glove left armed by an earlier session must not be kept
// armed by our heartbeats) and the limits (SET_LIMITS), and then keeps the
// glove's watchdog fed: every 1/RateHz (default 50 Hz, at least 20 Hz) it
// sends the latest targets (SET_TARGETS) when an Arm is in force, the link
// is up and the glove reports ARMED, or a HEARTBEAT otherwise. Every frame
// gets the next seq; nothing is ever re-sent (§6.4 rule 6).
//
// Limits are re-checked before bytes leave, whatever processing/control
// already did: SetTargets clamps each target into the link's limits
// (position range per finger in ‰, force limit in cN, speed in ‰/s), and
// the writer lets no position move faster than the finger's MaxSpeed from
// one SET_TARGETS frame to the next, nor leave the range. Clamps are
// counted (Stats.Clamped, Stats.RateLimited).
//
// EStop puts ESTOP ahead of everything queued: the next frame the writer
// commits after the call is ESTOP (only a write already under way may
// precede it), and commands queued before the call are cancelled (a queued
// CLEAR_FAULT or ARM must not undo the stop). The link counts STATUS, ACK,
// NACK and FAULT frames and damaged bytes, keeps the latest STATUS, and
// declares the link lost when no STATUS has arrived for 250 ms: it then
// stops the targets, cancels queued commands, sends DISARM, and sends no
// targets again until Arm is called after STATUS is back. A glove that
// reports FAULT or ESTOP also cancels the Arm. State, GloveState and Armed
// are atomic loads for the control loop; Events delivers the changes in
// plain words.
//
// The writer is a goroutine of its own, so neither EStop nor Close waits
// on a Write that go.bug.st/serial cannot interrupt; Close sends DISARM
// last and gives it at most half a second.
//
// The glove's side of the link, for tests and `myorehab emulate --protocol
// glove`, is in package glove/emulator.
package glove
