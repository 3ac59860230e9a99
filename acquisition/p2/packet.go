package p2

import (
	"myorehab/acquisition"
	"myorehab/acquisition/internal/link"
)

// Wire constants of the P2 stream.
const (
	// PacketSize is the length of one packet in bytes.
	PacketSize = 17
	// Sync0 and Sync1 are the two sync bytes.
	Sync0, Sync1 = 0xA5, 0x5A
	// Version is the protocol version byte.
	Version = 2
	// Channels is the number of channels in a packet.
	Channels = 6
	// RateHz is the packet rate in hertz.
	RateHz = 256
	// Baud is the serial rate.
	Baud = 57600
	// Mid is the ADC code of 0 V input; Raw = ADC − Mid.
	Mid = 512
	// DefaultVrefV and DefaultGain give the default transfer function
	// (Olimex SHIELD-EKG-EMG, [mem]).
	DefaultVrefV, DefaultGain = 5.0, 2848.0
)

// DefaultScaleUV is the size of one count in microvolts by default:
// Vref / 1024 / Gain × 1e6.
const DefaultScaleUV = DefaultVrefV / 1024 / DefaultGain * 1e6

// Packet is one decoded packet.
type Packet struct {
	// Counter is the 8-bit packet counter; it wraps 255 → 0.
	Counter uint8
	// Counts holds the six channels as Raw counts (ADC − 512).
	Counts [Channels]int32
	// Switches holds the switch bits (PD5..PD2 in bits 3..0).
	Switches byte
}

// AppendPacket appends the wire form of pk to dst. It panics if a count
// is outside −512…511.
func AppendPacket(dst []byte, pk *Packet) []byte {
	dst = append(dst, Sync0, Sync1, Version, pk.Counter)
	for _, c := range pk.Counts {
		if c < -Mid || c >= Mid {
			panic("p2: count out of 10-bit range")
		}
		v := uint16(c + Mid)
		dst = append(dst, byte(v>>8), byte(v))
	}
	return append(dst, pk.Switches)
}

// valid reports whether b[:PacketSize] has the packet's fixed bits.
func valid(b []byte) bool {
	if b[0] != Sync0 || b[1] != Sync1 || b[2] != Version {
		return false
	}
	for c := range Channels {
		if b[4+2*c] > 3 {
			return false
		}
	}
	return true
}

func parse(pk *Packet, b []byte) {
	b = b[:PacketSize]
	pk.Counter = b[3]
	for c := range pk.Counts {
		pk.Counts[c] = int32(uint16(b[4+2*c])<<8|uint16(b[5+2*c])) - Mid
	}
	pk.Switches = b[16]
}

// Decoder finds and decodes packets in a byte stream, skipping bytes that
// cannot start one. A candidate is accepted when valid and followed by the
// next packet's A5 5A (or, at the end of the data with atEOF, by nothing).
// The zero value is ready; a Decoder must not be copied after use.
type Decoder struct {
	// CorruptPackets counts resynchronisations (runs of skipped bytes).
	CorruptPackets uint64
	// SkippedBytes counts bytes discarded.
	SkippedBytes uint64

	skipping bool
}

var (
	_ acquisition.Decoder = (*Decoder)(nil)
	_ link.FrameDecoder   = (*Decoder)(nil)
)

// Reset clears the counters and state.
func (d *Decoder) Reset() { *d = Decoder{} }

func (d *Decoder) skip(k int) {
	d.SkippedBytes += uint64(k)
	if !d.skipping {
		d.CorruptPackets++
		d.skipping = true
	}
}

// next returns the start of the next accepted packet in p[i:] (ok), or
// where decoding must wait for more bytes.
func (d *Decoder) next(p []byte, i int, atEOF bool) (int, bool) {
	for i < len(p) {
		if p[i] != Sync0 {
			j := i + 1
			for j < len(p) && p[j] != Sync0 {
				j++
			}
			d.skip(j - i)
			i = j
			continue
		}
		rest := len(p) - i
		if rest < PacketSize {
			if rest >= 3 && !(p[i+1] == Sync1 && p[i+2] == Version) {
				d.skip(1)
				i++
				continue
			}
			return i, false
		}
		if !valid(p[i:]) {
			d.skip(1)
			i++
			continue
		}
		switch {
		case rest >= PacketSize+2:
			if p[i+PacketSize] != Sync0 || p[i+PacketSize+1] != Sync1 {
				d.skip(1)
				i++
				continue
			}
		case rest == PacketSize+1:
			if p[i+PacketSize] != Sync0 {
				d.skip(1)
				i++
				continue
			}
			if !atEOF {
				return i, false
			}
		case !atEOF:
			return i, false
		}
		d.skipping = false
		return i, true
	}
	return i, false
}

// DecodePackets decodes packets from p into dst and returns the number
// written and bytes consumed (consumed ≤ len(p)). With atEOF false a
// packet not yet followed by two bytes is left for the next call; a
// partial packet is never consumed. Given room in dst, a call on at least
// PacketSize+2 bytes always consumes something. It does not allocate.
func (d *Decoder) DecodePackets(dst []Packet, p []byte, atEOF bool) (n, consumed int) {
	return link.Scan(p, len(dst), PacketSize, atEOF, d.next, func(n, i int) { parse(&dst[n], p[i:]) })
}

// DecodeFrames implements the driver's frame decoding. It does not
// allocate.
func (d *Decoder) DecodeFrames(dst []link.Frame, p []byte, atEOF bool) (n, consumed int) {
	var pk Packet
	return link.Scan(p, len(dst), PacketSize, atEOF, d.next, func(n, i int) {
		parse(&pk, p[i:])
		dst[n].Seq = uint32(pk.Counter)
		copy(dst[n].Counts[:], pk.Counts[:])
	})
}

// Counters returns CorruptPackets and SkippedBytes.
func (d *Decoder) Counters() (corrupt, skipped uint64) { return d.CorruptPackets, d.SkippedBytes }

// Decode implements acquisition.Decoder: six Raw counts per packet,
// channel-interleaved, into dst; a packet ending p is accepted without
// lookahead. It does not allocate.
func (d *Decoder) Decode(dst []int32, p []byte) (samples, consumed int) {
	var pk Packet
	return link.Scan(p, len(dst)/Channels, PacketSize, true, d.next, func(n, i int) {
		parse(&pk, p[i:])
		copy(dst[n*Channels:], pk.Counts[:])
	})
}
