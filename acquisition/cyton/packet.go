package cyton

import (
	"bytes"

	"myorehab/acquisition"
	"myorehab/acquisition/internal/link"
)

// Wire constants of the Cyton binary stream.
const (
	// PacketSize is the length of one binary packet in bytes.
	PacketSize = 33
	// Header is the first byte of every packet.
	Header = 0xA0
	// FooterMin and FooterMax bound the last byte of a valid packet
	// (0xC0 accelerometer, 0xC1 raw aux, … 0xC6 time-stamped raw aux).
	FooterMin, FooterMax = 0xC0, 0xC6
	// Channels is the number of EMG/EEG channels in a packet.
	Channels = 8
	// DefaultGain is the ADS1299 programmable gain after reset or `d`.
	DefaultGain = 24
	// VrefV is the ADS1299 reference voltage in volts.
	VrefV = 4.5
	// DefaultRateHz is the board's sample rate in hertz after power-up.
	DefaultRateHz = 250
	// MaxCount and MinCount bound a 24-bit two's-complement count.
	MaxCount, MinCount = 1<<23 - 1, -1 << 23
)

// ScaleUV returns the size of one count in microvolts at the given
// ADS1299 gain:
//
//	ScaleUV = 4.5 / gain / (2²³ − 1) × 1e6
//
// It panics if gain is not positive.
func ScaleUV(gain int) float64 {
	if gain <= 0 {
		panic("cyton: non-positive gain")
	}
	return VrefV / float64(gain) / MaxCount * 1e6
}

// Packet is one decoded 33-byte packet.
type Packet struct {
	// Counter is the board's 8-bit sample number; it wraps 255 → 0.
	Counter uint8
	// Counts holds the eight channels' signed 24-bit counts.
	Counts [Channels]int32
	// Aux holds bytes 27–32, whose meaning depends on Footer.
	Aux [6]byte
	// Footer is the last byte, 0xC0–0xC6.
	Footer byte
}

// AppendPacket appends the 33-byte wire form of pk to dst and returns the
// extended slice. It panics if a count is outside [MinCount, MaxCount] or
// the footer is outside [FooterMin, FooterMax].
func AppendPacket(dst []byte, pk *Packet) []byte {
	if pk.Footer < FooterMin || pk.Footer > FooterMax {
		panic("cyton: invalid footer")
	}
	dst = append(dst, Header, pk.Counter)
	for _, c := range pk.Counts {
		if c < MinCount || c > MaxCount {
			panic("cyton: count out of 24-bit range")
		}
		dst = append(dst, byte(c>>16), byte(c>>8), byte(c))
	}
	dst = append(dst, pk.Aux[:]...)
	return append(dst, pk.Footer)
}

// parse decodes the packet in b (len ≥ PacketSize, framing already checked).
func parse(pk *Packet, b []byte) {
	b = b[:PacketSize]
	pk.Counter = b[1]
	for c := range pk.Counts {
		o := 2 + 3*c
		// Place the 24 bits at the top of an int32, then shift back
		// arithmetically to sign-extend.
		pk.Counts[c] = int32(uint32(b[o])<<24|uint32(b[o+1])<<16|uint32(b[o+2])<<8) >> 8
	}
	copy(pk.Aux[:], b[26:32])
	pk.Footer = b[32]
}

// Decoder finds and decodes packets in a byte stream, skipping bytes that
// cannot belong to a packet. A candidate packet is accepted when its header
// is 0xA0, its footer is 0xC0–0xC6 and the byte after it is the next
// packet's 0xA0 header; this lookahead rejects frames that start on a 0xA0
// inside another packet's data. The zero value is ready to use; a Decoder
// must not be copied after use.
type Decoder struct {
	// CorruptPackets counts runs of discarded bytes: each time the decoder
	// has to resynchronise, one packet (or more) was corrupt.
	CorruptPackets uint64
	// SkippedBytes counts bytes discarded while resynchronising.
	SkippedBytes uint64

	skipping bool
}

var (
	_ acquisition.Decoder = (*Decoder)(nil)
	_ link.FrameDecoder   = (*Decoder)(nil)
)

// Reset clears the counters and the resynchronisation state.
func (d *Decoder) Reset() { *d = Decoder{} }

// skip records that k bytes were discarded.
func (d *Decoder) skip(k int) {
	if k == 0 {
		return
	}
	d.SkippedBytes += uint64(k)
	if !d.skipping {
		d.CorruptPackets++
		d.skipping = true
	}
}

// next skips bytes from p[i:] that cannot start an accepted packet and
// returns the start of the next accepted packet (ok), or the position where
// decoding must wait for more bytes (!ok).
func (d *Decoder) next(p []byte, i int, atEOF bool) (int, bool) {
	for i < len(p) {
		if p[i] != Header {
			j := bytes.IndexByte(p[i:], Header)
			if j < 0 {
				j = len(p) - i
			}
			d.skip(j)
			i += j
			continue
		}
		rest := len(p) - i
		if rest < PacketSize {
			return i, false // partial packet
		}
		if f := p[i+PacketSize-1]; f < FooterMin || f > FooterMax {
			d.skip(1)
			i++
			continue
		}
		if rest == PacketSize {
			if !atEOF {
				return i, false // wait for the lookahead byte
			}
		} else if p[i+PacketSize] != Header {
			d.skip(1)
			i++
			continue
		}
		d.skipping = false
		return i, true
	}
	return i, false
}

// DecodePackets decodes packets from p into dst and returns the number of
// packets written and of bytes consumed (consumed ≤ len(p)). It stops when
// dst is full or p holds no further complete packet. When atEOF is false a
// packet that ends exactly at len(p) is left unconsumed until the byte after
// it arrives (call again with atEOF true when no more data is coming soon);
// a partial packet at the end is always left unconsumed. Results do not
// depend on how the stream is split into calls, except through atEOF.
// Given room in dst, a call on at least PacketSize+1 bytes (PacketSize when
// atEOF) always consumes something. It does not allocate.
func (d *Decoder) DecodePackets(dst []Packet, p []byte, atEOF bool) (n, consumed int) {
	return link.Scan(p, len(dst), PacketSize, atEOF, d.next, func(n, i int) { parse(&dst[n], p[i:]) })
}

// DecodeFrames implements the driver's frame decoding as DecodePackets
// does: one Frame per packet, Seq its counter. It does not allocate.
func (d *Decoder) DecodeFrames(dst []link.Frame, p []byte, atEOF bool) (n, consumed int) {
	var pk Packet
	return link.Scan(p, len(dst), PacketSize, atEOF, d.next, func(n, i int) {
		parse(&pk, p[i:])
		dst[n].Seq = uint32(pk.Counter)
		copy(dst[n].Counts[:Channels], pk.Counts[:])
	})
}

// Counters returns CorruptPackets and SkippedBytes.
func (d *Decoder) Counters() (corrupt, skipped uint64) {
	return d.CorruptPackets, d.SkippedBytes
}

// Decode implements acquisition.Decoder: it writes Channels counts per
// packet, channel-interleaved, into dst and returns the number of samples
// (packets) and bytes consumed. A packet that ends p is accepted without
// lookahead. The sample counters are not reported; drivers use
// DecodePackets. It does not allocate.
func (d *Decoder) Decode(dst []int32, p []byte) (samples, consumed int) {
	var pk Packet
	return link.Scan(p, len(dst)/Channels, PacketSize, true, d.next, func(n, i int) {
		parse(&pk, p[i:])
		copy(dst[n*Channels:], pk.Counts[:])
	})
}
