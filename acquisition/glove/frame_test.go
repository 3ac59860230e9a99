package glove

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestCRC16CheckValue(t *testing.T) {
	t.Parallel()
	// The catalogue check value of CRC-16/CCITT-FALSE (PROTOCOLS.md §6.4).
	if got := CRC16([]byte("123456789")); got != 0x29B1 {
		t.Fatalf("CRC16(\"123456789\") = %#04x, want 0x29b1", got)
	}
	if got := UpdateCRC(UpdateCRC(CRCInit, []byte("1234")), []byte("56789")); got != 0x29B1 {
		t.Errorf("UpdateCRC in two parts = %#04x, want 0x29b1", got)
	}
	if got := CRC16(nil); got != 0xFFFF {
		t.Errorf("CRC16(nil) = %#04x, want the init value 0xffff", got)
	}
}

// golden frames. §6.4 gives no example bytes; these were computed with an
// independent bit-by-bit CRC-16/CCITT-FALSE in Python (struct.pack('<…')
// for the payloads).
var golden = []struct {
	name    string
	typ     Type
	seq     uint8
	payload []byte
	wire    []byte
}{
	{"HELLO", TypeHello, 0, nil, []byte{0xaa, 0x55, 0x01, 0x01, 0x00, 0x00, 0x44, 0xc5}},
	{"HEARTBEAT", TypeHeartbeat, 7, nil, []byte{0xaa, 0x55, 0x01, 0x02, 0x07, 0x00, 0x83, 0x05}},
	{"ARM", TypeArm, 8, AppendToken(nil, 0xDEADBEEF),
		[]byte{0xaa, 0x55, 0x01, 0x10, 0x08, 0x04, 0xef, 0xbe, 0xad, 0xde, 0xb9, 0x31}},
	{"ESTOP", TypeEStop, 255, nil, []byte{0xaa, 0x55, 0x01, 0x12, 0xff, 0x00, 0x88, 0xdc}},
	{"SET_TARGETS 2 fingers", TypeSetTargets, 9,
		AppendTargets(nil, []FingerTarget{{500, 300, 400}, {1000, 250, 1000}}),
		[]byte{0xaa, 0x55, 0x01, 0x20, 0x09, 0x0c, 0xf4, 0x01, 0x2c, 0x01, 0x90, 0x01, 0xe8, 0x03, 0xfa, 0x00, 0xe8, 0x03, 0x79, 0x41}},
	{"SET_ASSIST", TypeSetAssist, 10, Assist{50, AssistAsNeeded}.Append(nil),
		[]byte{0xaa, 0x55, 0x01, 0x21, 0x0a, 0x02, 0x32, 0x01, 0x48, 0x9c}},
	{"SET_LIMITS 1 finger", TypeSetLimits, 11, AppendLimits(nil, []FingerLimit{{100, 900, 1500}}),
		[]byte{0xaa, 0x55, 0x01, 0x22, 0x0b, 0x06, 0x64, 0x00, 0x84, 0x03, 0xdc, 0x05, 0xa2, 0x8f}},
	{"ACK", TypeAck, 10, Ack{10, Armed}.Append(nil),
		[]byte{0xaa, 0x55, 0x01, 0x80, 0x0a, 0x02, 0x0a, 0x01, 0x41, 0x90}},
	{"NACK", TypeNack, 3, Nack{3, NackWrongState}.Append(nil),
		[]byte{0xaa, 0x55, 0x01, 0x81, 0x03, 0x02, 0x03, 0x05, 0x7b, 0x33}},
	{"INFO", TypeInfo, 0, Info{0x0102, 5, CapForceSensing | CapPositionSensing | CapHWEStop, 2000, 50}.Append(nil),
		[]byte{0xaa, 0x55, 0x01, 0x82, 0x00, 0x07, 0x02, 0x01, 0x05, 0x07, 0xd0, 0x07, 0x32, 0xcb, 0x4c}},
	{"STATUS 1 finger", TypeStatus, 12,
		(&Status{State: Armed, Faults: FaultWatchdog | FaultHWEStop, LastSeq: 12, WatchdogLeftMS: 180,
			Token: 0xDEADBEEF, N: 1, Fingers: [MaxFingers]FingerStatus{{500, 120}}}).Append(nil),
		[]byte{0xaa, 0x55, 0x01, 0x90, 0x0c, 0x0e, 0x01, 0x21, 0x00, 0x0c, 0xb4, 0x00, 0xef, 0xbe, 0xad, 0xde, 0xf4, 0x01, 0x78, 0x00, 0x89, 0xe2}},
	{"FAULT", TypeFault, 0, FaultReport{FaultOverCurrent, 1}.Append(nil),
		[]byte{0xaa, 0x55, 0x01, 0x91, 0x00, 0x04, 0x04, 0x00, 0x01, 0x00, 0xc8, 0x22}},
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, g := range golden {
		t.Run(g.name, func(t *testing.T) {
			if got := AppendFrame(nil, g.typ, g.seq, g.payload); !bytes.Equal(got, g.wire) {
				t.Fatalf("AppendFrame = % x\nwant          % x", got, g.wire)
			}
			var d Decoder
			var f Frame
			ok, n, err := d.Decode(&f, g.wire)
			if !ok || err != nil || n != len(g.wire) {
				t.Fatalf("Decode = %v, %d, %v", ok, n, err)
			}
			if f.Type != g.typ || f.Seq != g.seq || !bytes.Equal(f.Data(), g.payload) {
				t.Fatalf("Decode gave %v seq %d % x", f.Type, f.Seq, f.Data())
			}
			// Every strict prefix waits for more bytes without consuming.
			for k := range len(g.wire) {
				if ok, n, err := d.Decode(&f, g.wire[:k]); ok || n != 0 || err != nil {
					t.Fatalf("prefix %d: Decode = %v, %d, %v; want false, 0, nil", k, ok, n, err)
				}
			}
		})
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	t.Parallel()
	tg := []FingerTarget{{0, 1, 2}, {1000, 65535, 7}, {3, 4, 5}, {6, 7, 8}, {9, 10, 11}}
	var tgot [MaxFingers]FingerTarget
	if n, err := ParseTargets(tgot[:], AppendTargets(nil, tg)); err != nil || n != 5 || [5]FingerTarget(tg) != tgot {
		t.Errorf("targets: %d %v %v", n, err, tgot)
	}
	lm := []FingerLimit{{1, 2, 3}, {4, 5, 6}}
	var lgot [MaxFingers]FingerLimit
	if n, err := ParseLimits(lgot[:], AppendLimits(nil, lm)); err != nil || n != 2 || lgot[0] != lm[0] || lgot[1] != lm[1] {
		t.Errorf("limits: %d %v %v", n, err, lgot)
	}
	st := Status{State: EStopped, Faults: 0xFFFF, LastSeq: 200, WatchdogLeftMS: 250, Token: 1, N: 5}
	for i := range st.Fingers {
		st.Fingers[i] = FingerStatus{uint16(100 * i), uint16(7 * i)}
	}
	var sgot Status
	if err := ParseStatus(&sgot, st.Append(nil)); err != nil || sgot != st {
		t.Errorf("status: %v %+v", err, sgot)
	}
	in := Info{0x0203, 3, CapHWEStop, 1234, 50}
	if got, err := ParseInfo(in.Append(nil)); err != nil || got != in {
		t.Errorf("info: %v %+v", err, got)
	}
	if got, err := ParseToken(AppendToken(nil, 42)); err != nil || got != 42 {
		t.Errorf("token: %v %v", err, got)
	}
	if got, err := ParseAssist(Assist{100, EMGProportional}.Append(nil)); err != nil || got != (Assist{100, EMGProportional}) {
		t.Errorf("assist: %v %v", err, got)
	}
	if got, err := ParseAck(Ack{1, Faulted}.Append(nil)); err != nil || got != (Ack{1, Faulted}) {
		t.Errorf("ack: %v %v", err, got)
	}
	if got, err := ParseNack(Nack{1, NackOverLimit}.Append(nil)); err != nil || got != (Nack{1, NackOverLimit}) {
		t.Errorf("nack: %v %v", err, got)
	}
	if got, err := ParseFaultReport(FaultReport{FaultHWEStop, 9}.Append(nil)); err != nil || got != (FaultReport{FaultHWEStop, 9}) {
		t.Errorf("fault: %v %v", err, got)
	}
}

func TestPayloadLengthErrors(t *testing.T) {
	t.Parallel()
	var tg [MaxFingers]FingerTarget
	var lm [MaxFingers]FingerLimit
	var st Status
	for _, test := range []struct {
		name string
		err  error
	}{
		{"targets empty", func() error { _, err := ParseTargets(tg[:], nil); return err }()},
		{"targets 7 bytes", func() error { _, err := ParseTargets(tg[:], make([]byte, 7)); return err }()},
		{"targets 6 fingers", func() error { _, err := ParseTargets(tg[:], make([]byte, 36)); return err }()},
		{"targets dst short", func() error { _, err := ParseTargets(tg[:1], make([]byte, 12)); return err }()},
		{"limits 5 bytes", func() error { _, err := ParseLimits(lm[:], make([]byte, 5)); return err }()},
		{"status short", ParseStatus(&st, make([]byte, 9))},
		{"status ragged", ParseStatus(&st, make([]byte, 12))},
		{"status 6 fingers", ParseStatus(&st, make([]byte, 34))},
		{"info", func() error { _, err := ParseInfo(make([]byte, 6)); return err }()},
		{"token", func() error { _, err := ParseToken(make([]byte, 3)); return err }()},
		{"assist", func() error { _, err := ParseAssist(make([]byte, 3)); return err }()},
		{"ack", func() error { _, err := ParseAck(nil); return err }()},
		{"nack", func() error { _, err := ParseNack(make([]byte, 1)); return err }()},
		{"fault", func() error { _, err := ParseFaultReport(make([]byte, 5)); return err }()},
	} {
		if test.err != ErrPayload {
			t.Errorf("%s: err = %v, want ErrPayload", test.name, test.err)
		}
	}
}

func TestPanics(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name string
		fn   func()
	}{
		{"payload over 64", func() { AppendFrame(nil, TypeHello, 0, make([]byte, 65)) }},
		{"no targets", func() { AppendTargets(nil, nil) }},
		{"six targets", func() { AppendTargets(nil, make([]FingerTarget, 6)) }},
		{"six limits", func() { AppendLimits(nil, make([]FingerLimit, 6)) }},
		{"status six fingers", func() { (&Status{N: 6}).Append(nil) }},
	} {
		t.Run(test.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			test.fn()
		})
	}
}

func TestDecodeErrorsAndResync(t *testing.T) {
	t.Parallel()
	hello := golden[0].wire
	ack := golden[7].wire
	badCRC := append([]byte(nil), ack...)
	badCRC[7] ^= 0x40
	badVersion := append([]byte(nil), ack...)
	badVersion[2] = 2
	badLen := []byte{0xaa, 0x55, 0x01, 0x20, 0x09, 65}
	for _, test := range []struct {
		name   string
		in     []byte
		events []string // "TYPE seq" for frames, error text for drops
		rest   int      // bytes left unconsumed at the end
	}{
		{"garbage then frame", cat([]byte{1, 2, 0x55, 0xaa, 0xaa}, hello), []string{"HELLO 0"}, 0},
		{"bad CRC then frame", cat(badCRC, hello), []string{ErrBadCRC.Error(), "HELLO 0"}, 0},
		{"bad version then frame", cat(badVersion, hello), []string{ErrBadVersion.Error(), "HELLO 0"}, 0},
		{"bad length then frame", cat(badLen, hello), []string{ErrBadLength.Error(), "HELLO 0"}, 0},
		// A sync inside a damaged frame's body is found on the next search.
		{"frame inside a damaged one", cat([]byte{0xaa, 0x55, 0x01, 0x02, 0x00, 0x10}, ack, make([]byte, 8)),
			[]string{ErrBadCRC.Error(), "ACK 10 0a01"}, 0},
		{"trailing 0xAA kept", cat(hello, []byte{9, 0xaa}), []string{"HELLO 0"}, 1},
		{"partial frame kept", cat([]byte{7}, ack[:5]), nil, 5},
	} {
		t.Run(test.name, func(t *testing.T) {
			events, rest := decodeAll(test.in)
			if !equal(events, test.events) || rest != test.rest {
				t.Errorf("events %q, %d bytes left; want %q, %d", events, rest, test.events, test.rest)
			}
		})
	}
	var d Decoder
	var f Frame
	p := cat(badCRC, badVersion, badLen, []byte{1, 2, 3}, hello)
	for len(p) > 0 {
		ok, n, err := d.Decode(&f, p)
		p = p[n:]
		if !ok && err == nil {
			break
		}
	}
	s := d.Stats()
	if s.Frames != 1 || s.BadCRC != 1 || s.BadVersion != 1 || s.BadLength != 1 || s.Errors() != 3 {
		t.Errorf("stats %+v", s)
	}
	d.Reset()
	if d.Stats() != (DecoderStats{}) {
		t.Error("Reset kept counters")
	}
}

// decodeAll runs a Decoder over p and lists what it reported.
func decodeAll(p []byte) (events []string, rest int) {
	var d Decoder
	var f Frame
	for {
		ok, n, err := d.Decode(&f, p)
		p = p[n:]
		switch {
		case ok:
			events = append(events, frameEvent(&f))
		case err != nil:
			events = append(events, err.Error())
		default:
			return events, len(p)
		}
	}
}

func frameEvent(f *Frame) string {
	return f.Type.String() + " " + itoa(int(f.Seq)) + payloadSuffix(f.Data())
}

func payloadSuffix(p []byte) string {
	if len(p) == 0 {
		return ""
	}
	const hex = "0123456789abcdef"
	b := []byte{' '}
	for _, c := range p {
		b = append(b, hex[c>>4], hex[c&15])
	}
	return string(b)
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func cat(ps ...[]byte) []byte {
	var out []byte
	for _, p := range ps {
		out = append(out, p...)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// referenceDecode is a slow decoder written straight from §6.4: at each
// position, a frame is a sync, version 1, N ≤ 64 and a matching CRC;
// anything else is dropped up to the next sync. It lists the same events
// as decodeAll.
func referenceDecode(p []byte) (events []string, rest int) {
	pos := 0
	for {
		start := bytes.Index(p[pos:], []byte{0xaa, 0x55})
		if start < 0 {
			if len(p) > pos && p[len(p)-1] == 0xaa {
				return events, 1
			}
			return events, 0
		}
		start += pos
		h := p[start:]
		if len(h) < 6 {
			return events, len(h)
		}
		if h[2] != 1 {
			events = append(events, ErrBadVersion.Error())
			pos = start + 1
			continue
		}
		if h[5] > 64 {
			events = append(events, ErrBadLength.Error())
			pos = start + 1
			continue
		}
		size := 8 + int(h[5])
		if len(h) < size {
			return events, len(h)
		}
		var crc uint16 = 0xFFFF
		for _, b := range h[2 : size-2] {
			crc ^= uint16(b) << 8
			for range 8 {
				if crc&0x8000 != 0 {
					crc = crc<<1 ^ 0x1021
				} else {
					crc <<= 1
				}
			}
		}
		if byte(crc) != h[size-2] || byte(crc>>8) != h[size-1] {
			events = append(events, ErrBadCRC.Error())
			pos = start + 1
			continue
		}
		f := Frame{Type: Type(h[3]), Seq: h[4], N: h[5]}
		copy(f.Payload[:], h[6:size-2])
		events = append(events, frameEvent(&f))
		pos = start + size
	}
}

// stream returns n random valid frames of random types.
func stream(n int, rng *rand.Rand) []byte {
	var out []byte
	for range n {
		pl := make([]byte, rng.IntN(MaxPayload+1))
		for i := range pl {
			pl[i] = byte(rng.Uint32())
		}
		out = AppendFrame(out, Type(rng.Uint32()), byte(rng.Uint32()), pl)
	}
	return out
}

func FuzzDecode(f *testing.F) {
	for _, g := range golden {
		f.Add(g.wire)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	f.Add(stream(3, rng))
	f.Add(cat([]byte{0xaa, 0x55, 0x02}, golden[0].wire))
	f.Add(cat([]byte{0xaa, 0x55, 0x01, 0x20, 0x09, 65}, golden[1].wire, []byte{0xaa}))
	// Cases found by fuzzing: a header announcing 48 bytes swallows a
	// frame appended after it (testdata/fuzz/FuzzDecode/b63215be539daeec).
	f.Add([]byte("\xaaU\x0100000"))
	f.Fuzz(func(t *testing.T, p []byte) {
		// Agreement with the reference decoder.
		got, gotRest := decodeAll(p)
		want, wantRest := referenceDecode(p)
		if !equal(got, want) || gotRest != wantRest {
			t.Fatalf("Decode: %q, %d left\nreference: %q, %d left", got, gotRest, want, wantRest)
		}
		// consumed ≤ len and progress on garbage.
		var d Decoder
		var fr Frame
		ok, n, err := d.Decode(&fr, p)
		if n > len(p) || n < 0 {
			t.Fatalf("consumed %d of %d", n, len(p))
		}
		if !ok && err == nil && !bytes.Contains(p, []byte{0xaa, 0x55}) && len(p) >= 2 && n < len(p)-1 {
			t.Fatalf("no sync in %d bytes, only %d consumed", len(p), n)
		}
		if (ok || err != nil) && n == 0 {
			t.Fatal("a frame or an error without progress")
		}
		// Round trip: any payload re-encoded decodes to itself, even after
		// the fuzzed bytes as garbage.
		pl := p[:min(len(p), MaxPayload)]
		typ, seq := Type(0), uint8(0)
		if len(p) > 0 {
			typ, seq = Type(p[0]), p[len(p)-1]
		}
		wire := AppendFrame(nil, typ, seq, pl)
		d.Reset()
		if ok, n, err := d.Decode(&fr, wire); !ok || err != nil || n != len(wire) || fr.Type != typ || fr.Seq != seq || !bytes.Equal(fr.Data(), pl) {
			t.Fatalf("round trip: %v %d %v", ok, n, err)
		}
		// When the garbage leaves nothing pending (no partial frame that
		// would swallow the next bytes), a good frame after it decodes.
		if _, rest := decodeAll(p); rest > 0 {
			return
		}
		ev, _ := decodeAll(cat(p, wire))
		if len(ev) == 0 || ev[len(ev)-1] != frameEvent(&fr) {
			t.Fatalf("frame after garbage lost: %q", ev)
		}
	})
}

func TestDecodeNoAllocs(t *testing.T) {
	p := stream(50, rand.New(rand.NewPCG(1, 1)))
	p[100] ^= 1
	var d Decoder
	var f Frame
	a := testing.AllocsPerRun(100, func() {
		for q := p; ; {
			ok, n, err := d.Decode(&f, q)
			q = q[n:]
			if !ok && err == nil {
				break
			}
		}
	})
	if a != 0 {
		t.Errorf("Decode allocates %g times per stream", a)
	}
	buf := make([]byte, 0, MaxFrameLen)
	tg := []FingerTarget{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}, {1, 2, 3}, {4, 5, 6}}
	var pl [MaxPayload]byte
	if a := testing.AllocsPerRun(100, func() {
		buf = AppendFrame(buf[:0], TypeSetTargets, 1, AppendTargets(pl[:0], tg))
	}); a != 0 {
		t.Errorf("AppendFrame allocates %g times", a)
	}
}

// BenchmarkDecode decodes a stream of 1000 random frames (≈ 40 kB); the
// link at 115200 baud carries 11.5 kB/s.
func BenchmarkDecode(b *testing.B) {
	p := stream(1000, rand.New(rand.NewPCG(1, 1)))
	var d Decoder
	var f Frame
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		for q := p; ; {
			ok, n, err := d.Decode(&f, q)
			q = q[n:]
			if !ok && err == nil {
				break
			}
		}
	}
}

// BenchmarkEncodeTargets encodes one five-finger SET_TARGETS frame.
func BenchmarkEncodeTargets(b *testing.B) {
	buf := make([]byte, 0, MaxFrameLen)
	var pl [MaxPayload]byte
	tg := []FingerTarget{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}, {1, 2, 3}, {4, 5, 6}}
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendFrame(buf[:0], TypeSetTargets, 1, AppendTargets(pl[:0], tg))
	}
}

// BenchmarkDecodeStatus decodes one five-finger STATUS frame and its
// payload.
func BenchmarkDecodeStatus(b *testing.B) {
	st := Status{State: Armed, N: 5}
	wire := AppendFrame(nil, TypeStatus, 1, st.Append(nil))
	var d Decoder
	var f Frame
	var s Status
	b.ReportAllocs()
	for b.Loop() {
		d.Decode(&f, wire)
		ParseStatus(&s, f.Data())
	}
}
