// Package p2 reads OpenEEG "P2" amplifiers (ModularEEG, Olimex
// SHIELD-EKG-EMG) and emulates one for tests and `myorehab emulate`.
//
// The wire format is PROTOCOLS.md section 3.2: 17-byte packets at 256 Hz
// over 57600 baud 8-N-1,
//
//	A5 5A | version 2 | counter | 6 × (high, low) 10-bit big-endian | switches
//
// There is no checksum and no command set: the device streams from power
// up. Decoder accepts a packet only when its sync, version and the four
// unused high bits of every channel are right and the next packet's sync
// follows (lookahead); Source believes a counter jump only when the next
// packet continues from it, so one corrupted counter costs one packet, not
// a false gap. Counts are centred: Raw = ADC − 512 (−512…511), and
//
//	µV = Raw × Vref / 1024 / Gain × 1e6
//
// with Vref = 5 V and Gain = 2848 for the Olimex shield by default
// (≈ 1.714 µV per count; [mem] from the shield's schematics, verify
// against your board, or set Config.ScaleUV).
//
// The counter is free running, so the first packet received is sample 0.
// An 8-bit counter cannot see a gap of 256 packets (1 s) or more: such a
// gap shows up shorter by a multiple of 256; a reconnecting wrapper
// measures long outages by time instead.
//
// Open writes one '\n' after opening: the real device ignores input, and
// the emulator (which cannot see a pty being opened) starts streaming on it.
package p2
