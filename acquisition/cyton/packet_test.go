package cyton

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

// rawPacket builds a packet by hand from 24-bit words, independently of
// AppendPacket.
func rawPacket(counter byte, words [8]uint32, footer byte) []byte {
	b := []byte{0xA0, counter}
	for _, w := range words {
		b = append(b, byte(w>>16), byte(w>>8), byte(w))
	}
	b = append(b, 0, 0, 0, 0, 0, 0)
	return append(b, footer)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

var golden = [8]uint32{0x000001, 0xFFFFFF, 0x7FFFFF, 0x800000, 0x123456, 0xEDCBAA, 0x000000, 0x0186A0}

// goldenCounts are the signed values of golden, worked out by hand.
var goldenCounts = [8]int32{1, -1, 8388607, -8388608, 1193046, -1193046, 0, 100000}

func TestScaleUV(t *testing.T) {
	t.Parallel()
	// PROTOCOLS.md 1.4: 4.5 V / 24 / (2^23 − 1) × 1e6 ≈ 0.02235 µV; full scale ±187 500 µV.
	const want = 4.5 / 24 / 8388607 * 1e6
	if got := ScaleUV(24); got != want {
		t.Errorf("ScaleUV(24) = %v, want %v", got, want)
	}
	if got := ScaleUV(24); math.Abs(got-0.0223517) > 1e-7 {
		t.Errorf("ScaleUV(24) = %v, want 0.0223517", got)
	}
	if got := ScaleUV(24) * MaxCount; math.Abs(got-187500) > 1e-6 {
		t.Errorf("full scale = %v µV, want 187500", got)
	}
	if got, want := ScaleUV(1), 24*ScaleUV(24); math.Abs(got-want) > 1e-12 {
		t.Errorf("ScaleUV(1) = %v, want %v", got, want)
	}
}

func TestDecodeGolden(t *testing.T) {
	t.Parallel()
	p := cat(rawPacket(7, golden, 0xC0), []byte{0xA0})
	var d Decoder
	var dst [2]Packet
	n, c := d.DecodePackets(dst[:], p, false)
	if n != 1 || c != PacketSize {
		t.Fatalf("DecodePackets = %d packets, %d bytes; want 1, 33", n, c)
	}
	if dst[0].Counter != 7 || dst[0].Footer != 0xC0 || dst[0].Counts != goldenCounts {
		t.Fatalf("decoded %+v, want counter 7, counts %v", dst[0], goldenCounts)
	}
	// 100000 counts at gain 24 is 2235.17 µV.
	if got := float64(dst[0].Counts[7]) * ScaleUV(24); math.Abs(got-2235.1744455) > 1e-6 {
		t.Errorf("100000 counts = %v µV, want 2235.1744455", got)
	}
	if d.CorruptPackets != 0 || d.SkippedBytes != 0 {
		t.Errorf("clean packet counted corrupt %d, skipped %d", d.CorruptPackets, d.SkippedBytes)
	}
	// AppendPacket is the inverse.
	pk := dst[0]
	if got := AppendPacket(nil, &pk); !bytes.Equal(got, p[:PacketSize]) {
		t.Errorf("AppendPacket = % x, want % x", got, p[:PacketSize])
	}
}

func TestDecodePackets(t *testing.T) {
	t.Parallel()
	pkt := func(c byte) []byte { return rawPacket(c, golden, 0xC0) }
	// A packet whose data holds 0xA0 at offset 4 and 0xC1 at offset 4+32
	// (inside the next packet): a shifted frame the lookahead must reject.
	shifty := rawPacket(1, [8]uint32{0x0000A0}, 0xC0)
	shiftyNext := rawPacket(2, [8]uint32{0x00C100}, 0xC0)
	for _, test := range []struct {
		name             string
		in               []byte
		atEOF            bool
		counters         []byte
		consumed         int
		corrupt, skipped uint64
	}{
		{"empty", nil, true, nil, 0, 0, 0},
		{"lookahead present", cat(pkt(1), []byte{0xA0}), false, []byte{1}, 33, 0, 0},
		{"lookahead missing waits", pkt(1), false, nil, 0, 0, 0},
		{"lookahead missing at EOF", pkt(1), true, []byte{1}, 33, 0, 0},
		{"partial", pkt(1)[:20], true, nil, 0, 0, 0},
		{"two and a partial", cat(pkt(1), pkt(2), pkt(3)[:10]), false, []byte{1, 2}, 66, 0, 0},
		{"garbage prefix", cat([]byte("hello"), pkt(4), pkt(5)), true, []byte{4, 5}, 71, 1, 5},
		{"garbage only", []byte("no packets here, none at all, not one!"), false, nil, 38, 1, 38},
		{"bad footer", cat(rawPacket(1, golden, 0xC7), pkt(2)), true, []byte{2}, 66, 1, 33},
		{"all footers", cat(rawPacket(0, golden, 0xC0), rawPacket(1, golden, 0xC3), rawPacket(2, golden, 0xC6)), true, []byte{0, 1, 2}, 99, 0, 0},
		{"bad lookahead", cat(pkt(1), []byte{0x00}, pkt(2)), true, []byte{2}, 67, 1, 34},
		{"lost header", cat(pkt(1)[1:], pkt(2), pkt(3)), true, []byte{2, 3}, 98, 1, 32},
		{"shifted frame rejected", cat([]byte{0x55}, shifty[1:], shiftyNext), true, []byte{2}, 66, 1, 33},
	} {
		t.Run(test.name, func(t *testing.T) {
			var d Decoder
			dst := make([]Packet, 8)
			n, c := d.DecodePackets(dst, test.in, test.atEOF)
			var got []byte
			for _, pk := range dst[:n] {
				got = append(got, pk.Counter)
			}
			if !bytes.Equal(got, test.counters) || c != test.consumed {
				t.Errorf("got counters %v consumed %d, want %v, %d", got, c, test.counters, test.consumed)
			}
			if d.CorruptPackets != test.corrupt || d.SkippedBytes != test.skipped {
				t.Errorf("corrupt %d skipped %d, want %d, %d", d.CorruptPackets, d.SkippedBytes, test.corrupt, test.skipped)
			}
			checkReference(t, test.in, test.atEOF)
		})
	}
}

func TestDecodeRespectsDst(t *testing.T) {
	t.Parallel()
	p := cat(rawPacket(1, golden, 0xC0), rawPacket(2, golden, 0xC0), rawPacket(3, golden, 0xC0))
	var d Decoder
	dst := make([]Packet, 1)
	n, c := d.DecodePackets(dst, p, true)
	if n != 1 || c != 33 {
		t.Fatalf("DecodePackets with room for 1 = %d, %d; want 1, 33", n, c)
	}
	counts := make([]int32, 2*Channels+3)
	n, c = d.Decode(counts, p)
	if n != 2 || c != 66 {
		t.Fatalf("Decode with room for 2 = %d, %d; want 2, 66", n, c)
	}
	if [8]int32(counts[8:16]) != goldenCounts {
		t.Errorf("second sample = %v, want %v", counts[8:16], goldenCounts)
	}
	if n, c := d.Decode(nil, p); n != 0 || c != 0 {
		t.Errorf("Decode(nil) = %d, %d; want 0, 0", n, c)
	}
}

func TestAppendPacketPanics(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name string
		pk   Packet
	}{
		{"count too big", Packet{Counts: [8]int32{MaxCount + 1}, Footer: 0xC0}},
		{"count too small", Packet{Counts: [8]int32{MinCount - 1}, Footer: 0xC0}},
		{"bad footer", Packet{Footer: 0xC7}},
	} {
		t.Run(test.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			AppendPacket(nil, &test.pk)
		})
	}
}

// refDecode is a slow, obviously correct decoder: it tries each position
// in turn.
func refDecode(p []byte, atEOF bool) (pks []Packet, consumed int, corrupt, skipped uint64) {
	skipping := false
	i := 0
	for i < len(p) {
		ok := false
		if p[i] == 0xA0 {
			if len(p)-i < 33 {
				break
			}
			footerOK := p[i+32] >= 0xC0 && p[i+32] <= 0xC6
			if footerOK && len(p)-i == 33 && !atEOF {
				break
			}
			ok = footerOK && (len(p)-i == 33 || p[i+33] == 0xA0)
		}
		if !ok {
			skipped++
			if !skipping {
				corrupt++
				skipping = true
			}
			i++
			continue
		}
		skipping = false
		var pk Packet
		pk.Counter = p[i+1]
		for c := 0; c < 8; c++ {
			v := int32(p[i+2+3*c])<<16 | int32(p[i+3+3*c])<<8 | int32(p[i+4+3*c])
			if v >= 1<<23 {
				v -= 1 << 24
			}
			pk.Counts[c] = v
		}
		copy(pk.Aux[:], p[i+26:i+32])
		pk.Footer = p[i+32]
		pks = append(pks, pk)
		i += 33
	}
	return pks, i, corrupt, skipped
}

// checkReference checks DecodePackets and Decode against refDecode, whole
// and split into chunks.
func checkReference(t *testing.T, p []byte, atEOF bool) {
	t.Helper()
	want, wantC, wantCorrupt, wantSkipped := refDecode(p, atEOF)
	var d Decoder
	dst := make([]Packet, len(p)/PacketSize+1)
	n, c := d.DecodePackets(dst, p, atEOF)
	if c > len(p) {
		t.Fatalf("consumed %d of %d bytes", c, len(p))
	}
	if n != len(want) || c != wantC || d.CorruptPackets != wantCorrupt || d.SkippedBytes != wantSkipped {
		t.Fatalf("DecodePackets = %d packets, %d bytes, corrupt %d, skipped %d; reference %d, %d, %d, %d",
			n, c, d.CorruptPackets, d.SkippedBytes, len(want), wantC, wantCorrupt, wantSkipped)
	}
	for i := range want {
		if dst[i] != want[i] {
			t.Fatalf("packet %d = %+v, reference %+v", i, dst[i], want[i])
		}
	}
	if atEOF {
		var d2 Decoder
		counts := make([]int32, Channels*(len(want)+1))
		n, c := d2.Decode(counts, p)
		if n != len(want) || c != wantC {
			t.Fatalf("Decode = %d, %d; reference %d, %d", n, c, len(want), wantC)
		}
		for i := range want {
			if [8]int32(counts[i*8:i*8+8]) != want[i].Counts {
				t.Fatalf("Decode sample %d = %v, reference %v", i, counts[i*8:i*8+8], want[i].Counts)
			}
		}
	}
	// Streaming: feed 1..37-byte chunks into a growing buffer, as a driver
	// does, with atEOF only on the final call.
	var ds Decoder
	var got []Packet
	var buf []byte
	rng := rand.New(rand.NewPCG(uint64(len(p)), 1))
	for off := 0; ; {
		k := min(len(p)-off, 1+rng.IntN(37))
		buf = append(buf, p[off:off+k]...)
		off += k
		last := off == len(p)
		for {
			n, c := ds.DecodePackets(dst, buf, atEOF && last)
			got = append(got, dst[:n]...)
			buf = buf[c:]
			if n < len(dst) {
				break
			}
		}
		if last {
			break
		}
	}
	if len(got) != len(want) || len(p)-len(buf) != wantC || ds.CorruptPackets != wantCorrupt || ds.SkippedBytes != wantSkipped {
		t.Fatalf("chunked: %d packets, %d bytes, corrupt %d, skipped %d; reference %d, %d, %d, %d",
			len(got), len(p)-len(buf), ds.CorruptPackets, ds.SkippedBytes, len(want), wantC, wantCorrupt, wantSkipped)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("chunked packet %d = %+v, reference %+v", i, got[i], want[i])
		}
	}
}

func TestDecodeRandomCorruption(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := range 50 {
		var p []byte
		for i := range 40 {
			var w [8]uint32
			for c := range w {
				w[c] = rng.Uint32() & 0xFFFFFF
			}
			p = append(p, rawPacket(byte(i), w, 0xC0+byte(rng.IntN(7)))...)
		}
		for i := range p {
			if rng.Float64() < 0.01*float64(trial%4) {
				p[i] ^= byte(1 + rng.IntN(255))
			}
		}
		checkReference(t, p, trial%2 == 0)
	}
}

func FuzzDecode(f *testing.F) {
	pkt := rawPacket(1, golden, 0xC0)
	for _, seed := range [][]byte{
		nil,
		pkt,
		cat(pkt, pkt, pkt[:5]),
		cat([]byte("hello"), pkt, pkt),
		cat(rawPacket(1, golden, 0xC7), pkt),
		cat(pkt[1:], pkt, pkt),
		bytes.Repeat([]byte{0xA0}, 70),
		cat(pkt, []byte{0xA0, 0xC0}, pkt),
	} {
		f.Add(seed, true)
		f.Add(seed, false)
	}
	f.Fuzz(func(t *testing.T, p []byte, atEOF bool) {
		checkReference(t, p, atEOF)
		// Progress: with room in dst, PacketSize+1 bytes always move.
		if len(p) > PacketSize {
			var d Decoder
			if _, c := d.DecodePackets(make([]Packet, 1), p, false); c == 0 {
				t.Fatalf("no progress on %d bytes", len(p))
			}
		}
	})
}

// stream returns n clean packets with random counts.
func stream(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 1))
	var p []byte
	for i := range n {
		var w [8]uint32
		for c := range w {
			w[c] = rng.Uint32() & 0xFFFFFF
		}
		p = append(p, rawPacket(byte(i), w, 0xC0)...)
	}
	return p
}

func TestDecodeNoAllocs(t *testing.T) {
	p := stream(100)
	dst := make([]Packet, 128)
	counts := make([]int32, 128*Channels)
	var d Decoder
	if a := testing.AllocsPerRun(100, func() {
		d.DecodePackets(dst, p, true)
		d.Decode(counts, p)
	}); a != 0 {
		t.Errorf("decoding allocates %v times per run", a)
	}
}

func BenchmarkDecodePackets(b *testing.B) {
	p := stream(1000)
	dst := make([]Packet, 128)
	var d Decoder
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		for q := p; len(q) > 0; {
			_, c := d.DecodePackets(dst, q, true)
			q = q[c:]
		}
	}
}

func BenchmarkDecodeGarbage(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	p := make([]byte, 33000)
	for i := range p {
		p[i] = byte(rng.IntN(256))
	}
	dst := make([]Packet, 128)
	var d Decoder
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		for q := p; len(q) > PacketSize; {
			_, c := d.DecodePackets(dst, q, true)
			q = q[c:]
		}
	}
}
