package csvio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

var readTests = []struct {
	name   string
	in     string
	labels []string
	chans  [][]float64
}{
	{"HeaderAndRows", "a,b\n1,2\n3,4\n", []string{"a", "b"}, [][]float64{{1, 3}, {2, 4}}},
	{"NoHeader", "1,2\n3,4", nil, [][]float64{{1, 3}, {2, 4}}},
	{"CRLFSpacesQuotes", "\"ch 1\", ch2\r\n 1 , -2.5e3\r\n\"7\",0x1p-2\r\n", []string{"ch 1", "ch2"}, [][]float64{{1, 7}, {-2500, 0.25}}},
	{"ByteOrderMark", "\xef\xbb\xbfFDS,EDC\n0.5,-0.5\n", []string{"FDS", "EDC"}, [][]float64{{0.5}, {-0.5}}},
	{"BlankLines", "a\n\n1\n\n2\n\n", []string{"a"}, [][]float64{{1, 2}}},
	{"NaNInf", "x\nNaN\n+Inf\n-Inf\n-0\n", []string{"x"}, [][]float64{{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1)}}},
	{"HeaderWithSomeNumbers", "t,1,2\n0,5,6\n", []string{"t", "1", "2"}, [][]float64{{0}, {5}, {6}}},
	{"UnicodeHeader", "Muskel µV,\"a,b\",患者\n1,2,3\n", []string{"Muskel µV", "a,b", "患者"}, [][]float64{{1}, {2}, {3}}},
}

var readErrorTests = []struct {
	name         string
	in           string
	line, column int // 0, 0: ErrNoData
}{
	{"Empty", "", 0, 0},
	{"BlankOnly", "\n\n\r\n", 0, 0},
	{"HeaderOnly", "a,b\n", 0, 0},
	{"BadNumber", "a,b\n1,2\n3,x\n", 3, 2},
	{"BadNumberNoHeader", "1,2\n3,4\n5,1.2.3\n", 3, 2},
	{"EmptyField", "a,b\n1,\n", 2, 2},
	{"OutOfRange", "a\n1e999\n", 2, 1},
	{"RaggedShort", "a,b\n1,2\n3\n", 3, 0},
	{"RaggedLong", "1,2\n3,4,5\n", 2, 0},
	{"RaggedAfterBlank", "a,b\n\n\n1,2,3\n", 4, 0},
}

func sameFloats(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool {
		return math.Float64bits(x) == math.Float64bits(y) || (math.IsNaN(x) && math.IsNaN(y))
	})
}

func sameChans(a, b [][]float64) bool {
	return slices.EqualFunc(a, b, sameFloats)
}

func TestRead(t *testing.T) {
	t.Parallel()
	for _, test := range readTests {
		t.Run(test.name, func(t *testing.T) {
			labels, chans, err := Read(strings.NewReader(test.in))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(labels, test.labels) {
				t.Errorf("labels %q, want %q", labels, test.labels)
			}
			if !sameChans(chans, test.chans) {
				t.Errorf("chans %v, want %v", chans, test.chans)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	for _, test := range readErrorTests {
		t.Run(test.name, func(t *testing.T) {
			_, _, err := Read(strings.NewReader(test.in))
			if test.line == 0 {
				if !errors.Is(err, ErrNoData) {
					t.Fatalf("err %v, want ErrNoData", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err %v (%T), want *Error", err, err)
			}
			if e.Line != test.line || e.Column != test.column {
				t.Fatalf("error at line %d column %d, want %d, %d (%v)", e.Line, e.Column, test.line, test.column, err)
			}
			want := fmt.Sprintf("line %d", test.line)
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q does not say %q", err, want)
			}
		})
	}
	t.Run("BadQuote", func(t *testing.T) {
		_, _, err := Read(strings.NewReader("a\n\"1\n2\n"))
		var pe *csv.ParseError
		if !errors.As(err, &pe) || pe.Line == 0 {
			t.Fatalf("err %v, want a csv.ParseError with its line", err)
		}
	})
}

func TestWrite(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	err := Write(&buf, []string{"sample", "t_s", "a,b", `say "hi"`},
		[][]float64{{0, 1234567}, {0.1, 1e-7}, {-2.5, 1e21}, {math.NaN(), math.Inf(-1)}})
	if err != nil {
		t.Fatal(err)
	}
	// Contract (CLI.md): one header line; numbers as strconv.FormatFloat(v, 'g', -1, 64).
	want := "sample,t_s,\"a,b\",\"say \"\"hi\"\"\"\n" +
		"0,0.1,-2.5,NaN\n" +
		"1.234567e+06,1e-07,1e+21,-Inf\n"
	if got := buf.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWritePanics(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name string
		fn   func()
	}{
		{"LabelCount", func() { Write(new(bytes.Buffer), []string{"a"}, [][]float64{{1}, {2}}) }},
		{"Ragged", func() { Write(new(bytes.Buffer), []string{"a", "b"}, [][]float64{{1}, {2, 3}}) }},
		{"NoColumns", func() { Write(new(bytes.Buffer), nil, nil) }},
		{"RowLength", func() {
			w, _ := NewWriter(new(bytes.Buffer), []string{"a", "b"})
			w.WriteRow([]float64{1})
		}},
	} {
		t.Run(test.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil {
					t.Fatal("no panic")
				}
			}()
			test.fn()
		})
	}
}

// TestRoundTrip checks Write then Read returns the same bits for random
// tables, including values whose shortest text is long or exponential.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	special := []float64{0, math.Copysign(0, -1), math.SmallestNonzeroFloat64, math.MaxFloat64, -math.MaxFloat64,
		math.NaN(), math.Inf(1), math.Inf(-1), 1.0 / 3, 8388607, -8388608, 0.1 + 0.2}
	for _, shape := range [][2]int{{1, 1}, {1, 100}, {3, 7}, {16, 257}} {
		cols, rows := shape[0], shape[1]
		labels := make([]string, cols)
		chans := make([][]float64, cols)
		for c := range chans {
			labels[c] = fmt.Sprintf("ch%d", c+1)
			chans[c] = make([]float64, rows)
			for i := range chans[c] {
				switch rng.IntN(3) {
				case 0:
					chans[c][i] = special[rng.IntN(len(special))]
				case 1:
					chans[c][i] = rng.NormFloat64() * 100
				default:
					chans[c][i] = math.Float64frombits(rng.Uint64())
				}
			}
		}
		var buf bytes.Buffer
		if err := Write(&buf, labels, chans); err != nil {
			t.Fatal(err)
		}
		gotLabels, gotChans, err := Read(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(gotLabels, labels) || !sameChans(gotChans, chans) {
			t.Fatalf("%dx%d: round trip differs", cols, rows)
		}
	}
}

func FuzzRead(f *testing.F) {
	for _, test := range readTests {
		f.Add([]byte(test.in))
	}
	for _, test := range readErrorTests {
		f.Add([]byte(test.in))
	}
	f.Add([]byte("\"\"\n1\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		labels, chans, err := Read(bytes.NewReader(in))
		if err != nil {
			var e *Error
			if errors.As(err, &e) && (e.Line < 1 || e.Column < 0) {
				t.Fatalf("bad error position: %v", err)
			}
			return
		}
		if len(chans) == 0 || len(chans[0]) == 0 {
			t.Fatal("success without data")
		}
		for _, c := range chans {
			if len(c) != len(chans[0]) {
				t.Fatal("ragged result")
			}
		}
		if labels != nil && len(labels) != len(chans) {
			t.Fatalf("%d labels for %d channels", len(labels), len(chans))
		}
		// What was read writes back and reads again unchanged.
		if labels == nil {
			labels = make([]string, len(chans))
			for i := range labels {
				labels[i] = fmt.Sprintf("ch%d", i+1)
			}
		}
		var buf bytes.Buffer
		if err := Write(&buf, labels, chans); err != nil {
			t.Fatal(err)
		}
		l2, c2, err := Read(&buf)
		if err != nil {
			t.Fatalf("reading back %q: %v", buf.String(), err)
		}
		if !slices.Equal(l2, labels) || !sameChans(c2, chans) {
			t.Fatalf("round trip of %q differs: %q %v, want %q %v", buf.String(), l2, c2, labels, chans)
		}
	})
}
