package p2

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// raw builds a packet from ADC codes (0–1023) without AppendPacket.
func raw(counter byte, adc [6]uint16, sw byte) []byte {
	b := []byte{0xA5, 0x5A, 2, counter}
	for _, v := range adc {
		b = append(b, byte(v>>8), byte(v&0xff))
	}
	return append(b, sw)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestDecodeGolden(t *testing.T) {
	t.Parallel()
	p1 := raw(7, [6]uint16{0, 1023, 512, 511, 0x155, 0x2AA}, 0x0F)
	p2 := raw(8, [6]uint16{1, 2, 3, 4, 5, 6}, 0)
	var d Decoder
	var pk [4]Packet
	n, used := d.DecodePackets(pk[:], cat(p1, p2), true)
	if n != 2 || used != 34 {
		t.Fatalf("decoded %d packets, %d bytes; want 2, 34", n, used)
	}
	want := Packet{Counter: 7, Counts: [6]int32{-512, 511, 0, -1, 0x155 - 512, 0x2AA - 512}, Switches: 0x0F}
	if pk[0] != want {
		t.Errorf("packet 0 = %+v, want %+v", pk[0], want)
	}
	if pk[1].Counter != 8 || pk[1].Counts != [6]int32{-511, -510, -509, -508, -507, -506} {
		t.Errorf("packet 1 = %+v", pk[1])
	}
	if got := AppendPacket(nil, &want); !bytes.Equal(got, p1) {
		t.Errorf("AppendPacket = % x, want % x", got, p1)
	}
	if d.CorruptPackets != 0 || d.SkippedBytes != 0 {
		t.Errorf("clean stream counted corruption: %+v", d)
	}
	// 1.714 µV per count at the default transfer function.
	if s := DefaultScaleUV; s < 1.7143 || s > 1.7146 {
		t.Errorf("DefaultScaleUV = %g", s)
	}
}

func TestDecodeCases(t *testing.T) {
	t.Parallel()
	a := raw(1, [6]uint16{100, 200, 300, 400, 500, 600}, 0)
	b := raw(2, [6]uint16{101, 201, 301, 401, 501, 601}, 0)
	c := raw(3, [6]uint16{102, 202, 302, 402, 502, 602}, 0)
	badHigh := append([]byte(nil), b...)
	badHigh[6] = 4 // channel 2 high byte > 3
	badVersion := append([]byte(nil), b...)
	badVersion[2] = 3
	for _, test := range []struct {
		name                 string
		p                    []byte
		atEOF                bool
		counters             []uint8
		consumed             int
		corrupt, skippedByte uint64
	}{
		{"one packet waits for lookahead", a, false, nil, 0, 0, 0},
		{"one packet at EOF", a, true, []uint8{1}, 17, 0, 0},
		{"garbage then packets", cat([]byte{1, 2, 0xA5, 3}, a, b), true, []uint8{1, 2}, 38, 1, 4},
		{"bad high byte dropped", cat(a, badHigh, c), true, []uint8{1, 3}, 51, 1, 17},
		{"bad version dropped", cat(a, badVersion, c), true, []uint8{1, 3}, 51, 1, 17},
		{"partial tail kept", cat(a, b, c[:10]), true, []uint8{1, 2}, 34, 0, 0},
		{"sync in data rejected by lookahead", cat([]byte{0xA5, 0x5A, 2, 0}, a, b), true, []uint8{1, 2}, 38, 1, 4},
	} {
		t.Run(test.name, func(t *testing.T) {
			var d Decoder
			pk := make([]Packet, 8)
			n, used := d.DecodePackets(pk, test.p, test.atEOF)
			var got []uint8
			for _, p := range pk[:n] {
				got = append(got, p.Counter)
			}
			if !bytes.Equal(got, test.counters) || used != test.consumed {
				t.Errorf("counters %v consumed %d, want %v %d", got, used, test.counters, test.consumed)
			}
			if d.CorruptPackets != test.corrupt || d.SkippedBytes != test.skippedByte {
				t.Errorf("corrupt %d skipped %d, want %d %d", d.CorruptPackets, d.SkippedBytes, test.corrupt, test.skippedByte)
			}
			checkReference(t, test.p, test.atEOF)
		})
	}
}

// refDecode is a slow byte-by-byte statement of the decoder's rule.
func refDecode(p []byte, atEOF bool) (pks []Packet, consumed int, corrupt, skipped uint64) {
	skipping := false
	skip := func() {
		skipped++
		if !skipping {
			corrupt++
			skipping = true
		}
	}
	i := 0
	for i < len(p) {
		rest := p[i:]
		if rest[0] != 0xA5 {
			skip()
			i++
			continue
		}
		if len(rest) < 17 {
			if len(rest) >= 3 && (rest[1] != 0x5A || rest[2] != 2) {
				skip()
				i++
				continue
			}
			break
		}
		ok := rest[1] == 0x5A && rest[2] == 2
		for c := 0; c < 6; c++ {
			ok = ok && rest[4+2*c] <= 3
		}
		wait := false
		switch {
		case !ok:
		case len(rest) >= 19:
			ok = rest[17] == 0xA5 && rest[18] == 0x5A
		case len(rest) == 18:
			ok = rest[17] == 0xA5
			wait = ok && !atEOF
		default:
			wait = !atEOF
		}
		if wait {
			break
		}
		if !ok {
			skip()
			i++
			continue
		}
		var pk Packet
		pk.Counter = rest[3]
		for c := range pk.Counts {
			pk.Counts[c] = int32(rest[4+2*c])<<8 | int32(rest[5+2*c]) - 512
		}
		pk.Switches = rest[16]
		pks = append(pks, pk)
		skipping = false
		i += 17
	}
	return pks, min(i, len(p)), corrupt, skipped
}

func checkReference(t *testing.T, p []byte, atEOF bool) {
	t.Helper()
	wantPk, wantUsed, wantCorrupt, wantSkipped := refDecode(p, atEOF)
	var d Decoder
	pk := make([]Packet, len(p)/PacketSize+1)
	n, used := d.DecodePackets(pk, p, atEOF)
	if used > len(p) {
		t.Fatalf("consumed %d > %d", used, len(p))
	}
	// The reference skips through the whole input; the decoder stops at
	// the same place.
	if n != len(wantPk) || used != wantUsed {
		t.Fatalf("decoded %d packets / %d bytes, reference %d / %d", n, used, len(wantPk), wantUsed)
	}
	for i := range n {
		if pk[i] != wantPk[i] {
			t.Fatalf("packet %d = %+v, reference %+v", i, pk[i], wantPk[i])
		}
	}
	if d.CorruptPackets != wantCorrupt || d.SkippedBytes != wantSkipped {
		t.Fatalf("corrupt/skipped %d/%d, reference %d/%d", d.CorruptPackets, d.SkippedBytes, wantCorrupt, wantSkipped)
	}
	// Decode (acquisition.Decoder) agrees with DecodePackets at EOF.
	if atEOF {
		var d2 Decoder
		dst := make([]int32, Channels*len(pk))
		s, c := d2.Decode(dst, p)
		if s != n || c != used {
			t.Fatalf("Decode = %d, %d; DecodePackets %d, %d", s, c, n, used)
		}
		for i := range s {
			for ch := range Channels {
				if dst[i*Channels+ch] != pk[i].Counts[ch] {
					t.Fatalf("Decode sample %d ch %d differs", i, ch)
				}
			}
		}
	}
}

// stream returns n clean packets.
func stream(n int, rng *rand.Rand) []byte {
	var out []byte
	for i := range n {
		var pk Packet
		pk.Counter = uint8(i)
		for c := range pk.Counts {
			pk.Counts[c] = int32(rng.IntN(1024)) - 512
		}
		out = AppendPacket(out, &pk)
	}
	return out
}

func TestDecodeRandomCorruption(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for range 200 {
		p := stream(20, rng)
		for i := range p {
			if rng.Float64() < 0.02 {
				p[i] ^= byte(1 + rng.IntN(255))
			}
		}
		checkReference(t, p, rng.IntN(2) == 0)
	}
}

func FuzzDecode(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 1))
	f.Add(stream(3, rng), true)
	f.Add(cat([]byte{0xA5, 0x5A, 2}, stream(2, rng)), false)
	f.Add([]byte{0xA5, 0x5A, 2, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 0, 0xA5}, true)
	f.Fuzz(func(t *testing.T, p []byte, atEOF bool) {
		checkReference(t, p, atEOF)
		var d Decoder
		dst := make([]int32, Channels*(len(p)/PacketSize+1))
		s, used := d.Decode(dst, p)
		if used > len(p) || s*PacketSize > used {
			t.Fatalf("Decode = %d samples, %d bytes of %d", s, used, len(p))
		}
		if len(p) >= PacketSize && used == 0 {
			t.Fatalf("no progress on %d bytes", len(p))
		}
	})
}

func TestDecodeNoAllocs(t *testing.T) {
	p := stream(100, rand.New(rand.NewPCG(1, 1)))
	var d Decoder
	dst := make([]int32, Channels*100)
	if a := testing.AllocsPerRun(100, func() { d.Decode(dst, p) }); a != 0 {
		t.Errorf("Decode allocates %g times", a)
	}
}

// BenchmarkDecode reports throughput; the line carries 57600/10 = 5.76
// kB/s, so 100× is 0.58 MB/s.
func BenchmarkDecode(b *testing.B) {
	p := stream(1000, rand.New(rand.NewPCG(1, 1)))
	var d Decoder
	dst := make([]int32, Channels*1000)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		d.Decode(dst, p)
	}
}

func BenchmarkDecodeGarbage(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	p := make([]byte, 17000)
	for i := range p {
		p[i] = byte(rng.IntN(256))
	}
	var d Decoder
	dst := make([]int32, Channels*1000)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		d.Decode(dst, p)
	}
}
