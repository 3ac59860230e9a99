// Package bitalino reads the BITalino (r)evolution over its serial link
// (USB UART or Bluetooth SPP at 115200 baud 8-N-1) and emulates one for
// tests and `myorehab emulate`; see PROTOCOLS.md section 2.
//
// Handshake (as the official API): stop (0x00), flush, version (0x07),
// whose reply "BITalino_vX.Y…\n" must have a major version ≥ 5 (the
// (r)evolution command set); sampling rate (0x03/0x43/0x83/0xC3 for
// 1/10/100/1000 Hz); start live acquisition with the analog channel mask
// (A6..A1 in bits 7..2, then 01). Stop is 0x00. The API waits 150 ms
// before every command byte; Config.CommandDelay keeps that default.
//
// Frames are nBytes = n + 2 (+1 when 3 ≤ n ≤ 5) long for n channels and
// are decoded from the end: the last byte holds the 4-bit sequence number
// (high nibble) and a CRC-4 (x⁴+x+1) of the frame (low nibble). The first
// four acquired channels are 10-bit, the fifth and sixth 6-bit, in the
// order of acquisition (slot order, not input number).
//
// Integrity: Decoder accepts a frame whose CRC-4 matches and whose
// sequence number continues the previous accepted frame; after a
// resynchronisation, or for a sequence jump, the next frame must also pass
// its CRC and continue the sequence (lookahead). A CRC-4 misses about one
// multi-bit error in 16 (all single-bit and 4-bit bursts are caught), so a
// corrupted data byte can still slip through in rare cases that the
// sequence check cannot see: the tests count them and check each one is a
// genuine CRC-4 collision.
//
// Lost samples are sequence gaps modulo 16: a gap of 16 frames or more
// (16 ms at 1000 Hz) is ambiguous and shows up shorter by a multiple of
// 16. The sequence is taken to restart at 0 on every start ([mem]); a
// reconnecting wrapper measures long outages by time instead.
//
// Units: Raw = ADC − 2^(b−1) (centred counts, b = 10 or 6 bits) and the
// EMG sensor transfer function gives
//
//	µV = Raw × VCC / (G × 2^b) × 1e6,  VCC = 3.3 V, G = 1009
//
// (3.194 µV per count at 10 bits, ±1.64 mV full scale). G = 1009 is the
// (r)evolution EMG sensor datasheet's gain [mem: verify]; the original
// BITalino's is 1000 (Config.Gain).
package bitalino
