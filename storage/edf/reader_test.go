package edf

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// smallFile returns a valid EDF+C (or BDF+C) file: 2 signals at 10 Hz,
// 3 records of 1 s, one annotation in record 0.
func smallFile(tb testing.TB, f Format) []byte {
	tb.Helper()
	m := &memFile{}
	w, err := NewWriter(m, WriterConfig{Format: f, RateHz: 10, Signals: emgSignals(2, f, 0.5), Patient: PatientID{Code: "T1"}})
	if err != nil {
		tb.Fatal(err)
	}
	if err := w.Annotate(Annotation{Onset: 0.2, Duration: 0.5, Text: "grip"}); err != nil {
		tb.Fatal(err)
	}
	if err := w.Write(synth(2, 30, -300, 300)); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return m.buf
}

// set overwrites the field at off with s, space padded to width.
func set(b []byte, off, width int, s string) []byte {
	b = bytes.Clone(b)
	copy(b[off:off+width], fmt.Sprintf("%-*s", width, s))
	return b
}

// Offsets in smallFile (3 signals): per-signal field f of signal i is at
// 256 + f·3 + width·i.
const ns3 = 3

func sigField(field, width, i int) int { return 256 + field*ns3 + width*i }

// annArea returns the offset of record r's annotation signal in smallFile.
func annArea(b []byte, r int) int {
	const recBytes = 2*10*2 + 120
	return 256*4 + r*recBytes + 2*10*2
}

// readerCases are damaged or hostile files with the error they must give.
func readerCases(tb testing.TB) []struct {
	name string
	in   []byte
	is   error
	want string
} {
	good := smallFile(tb, EDF)
	goodBDF := smallFile(tb, BDF)
	straddle := bytes.Clone(good)
	a := annArea(good, 1)
	for i := a + 5; i < a+120; i++ {
		straddle[i] = 'a'
	}
	badSign := bytes.Clone(good)
	badSign[annArea(good, 1)] = 'x'
	gap := bytes.Clone(good)
	gap[annArea(good, 2)+1] = '7'
	noTerm := bytes.Clone(good)
	copy(noTerm[annArea(good, 0)+5:], "+0.2\x14grip\x00")
	return []struct {
		name string
		in   []byte
		is   error
		want string
	}{
		{"empty", nil, ErrNotEDF, "shorter than the 256-byte header"},
		{"text file", []byte(strings.Repeat("hello, world\n", 40)), ErrNotEDF, "version field"},
		{"header only, too short for signals", good[:300], ErrMalformed, "header says 3 signals but the file is too short"},
		{"9999 signals", set(good, 252, 4, "9999"), ErrMalformed, "header says 9999 signals but the file is too short"},
		{"no signals", set(good, 252, 4, "0"), ErrMalformed, "has 0 signals"},
		{"signal count not a number", set(good, 252, 4, "3x"), ErrMalformed, "number of signals field"},
		{"header bytes mismatch", set(good, 184, 8, "768"), ErrMalformed, "header size field says 768"},
		{"huge record count", set(good, 236, 8, "99999999"), ErrMalformed, "header says 99999999 data records"},
		{"one record too many", set(good, 236, 8, "4"), ErrMalformed, "room for 3 records"},
		{"truncated data", good[:len(good)-10], ErrMalformed, "room for 2 records"},
		{"negative record count", set(good, 236, 8, "-2"), ErrMalformed, "-2 data records"},
		{"huge samples per record", set(good, sigField(216, 8, 0), 8, "99999999"), ErrMalformed, "99999999 samples per data record but the file is too short"},
		{"zero samples per record", set(good, sigField(216, 8, 1), 8, "0"), ErrMalformed, "0 samples per data record"},
		{"digital max below min", set(good, sigField(128, 8, 0), 8, "-32768"), ErrMalformed, "digital maximum -32768 is not above"},
		{"digital range beyond 16 bits", set(good, sigField(128, 8, 0), 8, "40000"), ErrMalformed, "exceeds the EDF range"},
		{"physical min equals max", set(good, sigField(104, 8, 1), 8, "16383.5"), ErrMalformed, "physical minimum equals physical maximum"},
		{"physical max not a number", set(good, sigField(112, 8, 0), 8, "1,5"), ErrMalformed, "physical maximum field"},
		{"bad start date", set(good, 168, 8, "32.13.85"), ErrMalformed, "out of range"},
		{"start date garbage", set(good, 168, 8, "yesterday"[:8]), ErrMalformed, "start date"},
		{"unknown plus type", set(good, 192, 44, "EDF+X"), ErrMalformed, "unknown file type"},
		{"BDF version with EDF+C", set(goodBDF, 192, 44, "EDF+C"), ErrMalformed, "reserved field says EDF+C"},
		{"EDF+ without annotation signal", set(good, sigField(0, 16, 2), 16, "EMG ch3"), ErrMalformed, "without an \"EDF Annotations\" signal"},
		{"TAL straddles the record", straddle, ErrMalformed, "runs past the end of the record"},
		{"onset without sign", badSign, ErrMalformed, "must start with + or -"},
		{"EDF+C record out of place", gap, ErrMalformed, "continuous"},
		{"TAL text not terminated by 0x14", noTerm, ErrMalformed, "does not end with 0x14"},
		{"zero record duration with signals", set(good, 244, 8, "0"), ErrMalformed, "duration is 0"},
	}
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	for _, test := range readerCases(t) {
		t.Run(test.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(test.in), int64(len(test.in)))
			if !errors.Is(err, test.is) || !strings.Contains(err.Error(), test.want) {
				t.Errorf("error %v, want %v containing %q", err, test.is, test.want)
			}
		})
	}
}

// TestReadQuirks checks tolerated real-world deviations.
func TestReadQuirks(t *testing.T) {
	t.Parallel()
	good := smallFile(t, EDF)
	want, err := Read(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Annotations) != 1 || want.Annotations[0] != (Annotation{Onset: 0.2, Duration: 0.5, Text: "grip"}) {
		t.Fatalf("annotations %+v", want.Annotations)
	}
	noKeeping := bytes.Clone(good)
	clear(noKeeping[annArea(good, 1) : annArea(good, 1)+120])
	plain := set(set(good, 192, 44, ""), sigField(0, 16, 2), 16, "Status")
	for _, test := range []struct {
		name    string
		in      []byte
		records int
		plus    bool
	}{
		{"record count -1 (writer interrupted)", set(good, 236, 8, "-1"), 3, true},
		{"trailing bytes", append(bytes.Clone(good), 1, 2, 3), 3, true},
		{"right-aligned numbers", set(set(good, 236, 8, "       3"), sigField(216, 8, 0), 8, "      10"), 3, true},
		{"NUL padding in texts", set(good, 8, 80, "T1 X X X\x00\x00"), 3, true},
		{"date with colons", set(good, 176, 8, "00:00:00"), 3, true},
		{"EDF+C record without time-keeping TAL", noKeeping, 3, true},
		{"plain EDF", plain, 3, false},
	} {
		t.Run(test.name, func(t *testing.T) {
			f, err := Read(bytes.NewReader(test.in), int64(len(test.in)))
			if err != nil {
				t.Fatal(err)
			}
			if f.Records != test.records || f.Plus != test.plus {
				t.Errorf("%d records plus %v, want %d %v", f.Records, f.Plus, test.records, test.plus)
			}
			for c := range 2 {
				if !slicesEqual(f.Samples[c], want.Samples[c]) {
					t.Errorf("signal %d samples differ", c)
				}
			}
			if f.RecordStarts[1] != 1 {
				t.Errorf("record 1 starts at %v s", f.RecordStarts[1])
			}
		})
	}
}

func slicesEqual(a, b []int32) bool { return string(fmt.Append(nil, a)) == string(fmt.Append(nil, b)) }

// TestParseTAL checks the TAL grammar of PROTOCOLS.md §5.3.
func TestParseTAL(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		in          string
		onset, dur  float64
		texts       []string
		wantFailure bool
	}{
		{in: "+180\x14Lights off\x14Close door\x14", onset: 180, texts: []string{"Lights off", "Close door"}},
		{in: "+1800.2\x1525.5\x14Apnea\x14", onset: 1800.2, dur: 25.5, texts: []string{"Apnea"}},
		{in: "+0\x14\x14", texts: []string{""}},
		{in: "-0.065\x14Tab\there\x14", onset: -0.065, texts: []string{"Tab\there"}},
		{in: "+0\x14"}, // tolerated: no texts
		{in: "0\x14x\x14", wantFailure: true},
		{in: "+\x14x\x14", wantFailure: true},
		{in: "++1\x14x\x14", wantFailure: true},
		{in: "+1.2.3\x14x\x14", wantFailure: true},
		{in: "+1e3\x14x\x14", wantFailure: true},
		{in: "+1\x15-2\x14x\x14", wantFailure: true},
		{in: "+1\x15\x14x\x14", wantFailure: true},
		{in: "+1", wantFailure: true},
		{in: "+1\x14x", wantFailure: true},
	} {
		onset, dur, texts, err := parseTAL([]byte(test.in))
		if test.wantFailure {
			if err == nil {
				t.Errorf("parseTAL(%q) succeeded", test.in)
			}
			continue
		}
		if err != nil || onset != test.onset || dur != test.dur || fmt.Sprint(texts) != fmt.Sprint(test.texts) {
			t.Errorf("parseTAL(%q) = %v, %v, %q, %v; want %v, %v, %q", test.in, onset, dur, texts, err, test.onset, test.dur, test.texts)
		}
	}
}

// TestHostileAllocation checks that headers declaring sizes beyond the
// input are refused without allocating from the declared counts.
func TestHostileAllocation(t *testing.T) {
	good := smallFile(t, EDF)
	for _, in := range [][]byte{
		set(good, 236, 8, "99999999"),
		set(good, sigField(216, 8, 0), 8, "99999999"),
		set(good, 252, 4, "9999"),
		set(set(good, 236, 8, "-1"), sigField(216, 8, 1), 8, "1"),
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f, _ := Read(bytes.NewReader(in), int64(len(in)))
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > 64<<10+16*uint64(len(in)) {
			t.Errorf("reading a %d-byte hostile file allocated %d bytes", len(in), got)
		}
		if f != nil {
			checkBounds(t, f, len(in))
		}
	}
}

// checkBounds checks that what Read returned fits in an input of n bytes.
func checkBounds(t *testing.T, f *File, n int) {
	t.Helper()
	if f.HeaderBytes()+f.Records*f.RecordBytes() > n {
		t.Fatalf("%d header bytes + %d records × %d bytes exceed the %d-byte input", f.HeaderBytes(), f.Records, f.RecordBytes(), n)
	}
	for i, s := range f.Signals {
		if !s.IsAnnotation() && len(f.Samples[i]) != f.Records*s.SamplesPerRecord {
			t.Fatalf("signal %d: %d samples for %d records × %d", i, len(f.Samples[i]), f.Records, s.SamplesPerRecord)
		}
		if s.DigitalMax <= s.DigitalMin || s.PhysicalMax == s.PhysicalMin || math.IsNaN(s.Scale()) {
			t.Fatalf("signal %d: invalid ranges accepted: %+v", i, s)
		}
	}
	if 2*len(f.Annotations) > n || len(f.RecordStarts) != f.Records {
		t.Fatalf("%d annotations, %d record starts from %d bytes", len(f.Annotations), len(f.RecordStarts), n)
	}
}

// FuzzReader checks that Read never panics, never returns more than the
// input holds, and refuses headers whose declared sizes exceed the input.
func FuzzReader(f *testing.F) {
	f.Add(smallFile(f, EDF))
	f.Add(smallFile(f, BDF))
	for _, c := range readerCases(f) {
		f.Add(c.in)
	}
	// The header and first 3 records of a real file, record count patched.
	if dir := dataDirOrEmpty(); dir != "" {
		if b, err := os.ReadFile(filepath.Join(dir, "P01_train.edf")); err == nil {
			f.Add(set(b[:256*12+3*20040], 236, 8, "3"))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		file, err := Read(bytes.NewReader(in), int64(len(in)))
		if err != nil {
			if file != nil {
				t.Fatal("file and error both returned")
			}
			if !errors.Is(err, ErrNotEDF) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is neither ErrNotEDF nor ErrMalformed", err)
			}
			return
		}
		checkBounds(t, file, len(in))
	})
}

// dataDirOrEmpty returns ../shared/data/3dc-gestures when present.
func dataDirOrEmpty() string {
	d := filepath.Join("..", "..", "..", "shared", "data", "3dc-gestures")
	if _, err := os.Stat(d); err != nil {
		return ""
	}
	return d
}
