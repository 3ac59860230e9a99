// Package probe finds amplifiers for the device set-up screen: it lists
// serial ports with their USB identity and recognises the usual adapters
// (List, Recognise), and it probes one port for each protocol's handshake
// (Probe) and suggests the protocol that answered.
//
// Probing never sends a start-streaming command and does not talk to a
// device that is already talking: it listens first (P2 packets, ASCII
// lines, a Cyton that is streaming), and only a silent or unrecognised port
// gets the query commands, BITalino's version request (0x07) before the
// Cyton's soft reset (`v`, which a BITalino would take as "start simulated
// acquisition"), with short timeouts. A Cyton that answered is sent `s`
// so it is left idle.
package probe
