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
// sends the limits (SET_LIMITS) and then keeps the glove's watchdog fed:
// every 1/RateHz (default 50 Hz, at least 20 Hz) it sends the latest
// targets (SET_TARGETS) when the session is armed and the link healthy, or
// a HEARTBEAT otherwise. Every frame gets a fresh seq; nothing is ever
// re-sent. Before bytes leave, every target is clamped into the limits the
// link was given (position range per finger, force and speed limits) and
// clamps are counted.
//
// EStop puts ESTOP ahead of everything queued: the next frame the writer
// hands to the port after the call is ESTOP, and commands queued before
// the call are cancelled (a queued CLEAR_FAULT or ARM must not undo the
// stop). The link counts STATUS, ACK, NACK and FAULT frames, keeps the
// latest STATUS, and declares the link lost when no STATUS has arrived for
// 250 ms: it then stops sending targets, sends DISARM, and needs a fresh
// Arm before it sends targets again. State is cheap (atomics) for the
// control loop; Events delivers the changes.
//
// The writer is a goroutine of its own, so Close never waits on a Write
// that go.bug.st/serial cannot interrupt for longer than half a second.
//
// The glove's side of the link, for tests and `myorehab emulate --protocol
// glove`, is in package glove/emulator.
package glove
