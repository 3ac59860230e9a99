package ascii

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"myorehab/acquisition/internal/link"
)

func TestDecodeGolden(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name     string
		counter  bool
		mult     float64
		in       string
		want     [][]int32
		seqs     []uint32
		bad      uint64
		consumed int
	}{
		{"arduino banner then values", false, 0, "MyoWare Single Sensor Example 01\r\n512\r\n530\r\n", [][]int32{{512}, {530}}, []uint32{0, 1}, 1, 44},
		{"separators and labels", false, 0, "a:1, b:-2\t3\n4 5  6\n", [][]int32{{1, -2, 3}, {4, 5, 6}}, []uint32{0, 1}, 0, 19},
		{"wrong field count skipped", false, 0, "1,2\n1,2,3\n4,5\n", [][]int32{{1, 2}, {4, 5}}, []uint32{0, 1}, 1, 14},
		{"counter", true, 0, "7,100,200\r\n9,1,2\r\n", [][]int32{{100, 200}, {1, 2}}, []uint32{7, 9}, 0, 18},
		{"counter not integer", true, 0, "x,1,2\n8,1,2\n", [][]int32{{1, 2}}, []uint32{8}, 1, 12},
		{"millivolts to µV", false, 1000, "0.5,-1.25\n2,3\n", [][]int32{{500, -1250}, {2000, 3000}}, []uint32{0, 1}, 0, 14},
		{"metadata and partial tail", false, 0, "# rate=500 units=adc\n10\n11", [][]int32{{10}}, []uint32{0}, 0, 24},
		{"bad metadata counted", false, 0, "# rate=-3\n10\n", [][]int32{{10}}, []uint32{0}, 1, 13},
		{"NaN and huge skipped", false, 0, "NaN\n1e30\n5\n", [][]int32{{5}}, []uint32{0}, 2, 11},
	} {
		t.Run(test.name, func(t *testing.T) {
			d := Decoder{Counter: test.counter, Mult: test.mult}
			fr := make([]link.Frame, 8)
			n, used := d.DecodeFrames(fr, []byte(test.in), true)
			if n != len(test.want) || used != test.consumed || d.BadLines != test.bad {
				t.Fatalf("%d lines, %d bytes, %d bad; want %d, %d, %d", n, used, d.BadLines, len(test.want), test.consumed, test.bad)
			}
			for i := range n {
				for c, v := range test.want[i] {
					if fr[i].Counts[c] != v {
						t.Errorf("line %d ch %d = %d, want %d", i, c, fr[i].Counts[c], v)
					}
				}
				if fr[i].Seq != test.seqs[i] {
					t.Errorf("line %d seq %d, want %d", i, fr[i].Seq, test.seqs[i])
				}
			}
			checkReference(t, []byte(test.in), test.counter, test.mult)
		})
	}
}

func TestParseMeta(t *testing.T) {
	t.Parallel()
	m, ok := ParseMeta("# rate=1000 units=adc bits=10 vref=5.0 labels=FDS,EDC counter=1 future=x")
	if !ok || m.RateHz != 1000 || m.Units != "adc" || m.Bits != 10 || m.VrefV != 5 || strings.Join(m.Labels, "|") != "FDS|EDC" || !m.Counter {
		t.Errorf("ParseMeta = %+v, %v", m, ok)
	}
	for _, bad := range []string{"# hello world", "# rate=abc", "# bits=0", "# vref=Inf"} {
		if _, ok := ParseMeta(bad); ok {
			t.Errorf("ParseMeta(%q) ok", bad)
		}
	}
}

// refDecode restates the line rules with the standard library.
func refDecode(p []byte, counter bool, mult float64) (out [][]int32, seqs []uint32, consumed int, bad uint64) {
	if mult == 0 {
		mult = 1
	}
	s := string(p)
	channels := 0
	lines := uint32(0)
	for {
		j := strings.IndexByte(s[consumed:], '\n')
		if j < 0 {
			if len(s)-consumed > MaxLine {
				bad++
				consumed = len(s)
			}
			return
		}
		l := s[consumed : consumed+j]
		consumed += j + 1
		if j > MaxLine {
			bad++
			continue
		}
		l = strings.TrimRight(l, "\r")
		tl := strings.TrimLeft(l, " \t")
		if tl == "" {
			continue
		}
		if tl[0] == '#' {
			if _, ok := ParseMeta(tl); !ok {
				bad++
			}
			continue
		}
		fields := strings.FieldsFunc(l, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
		var vals []int64
		ok := len(fields) <= link.MaxChannels+1
		for i, f := range fields {
			if !ok {
				break
			}
			if k := strings.LastIndexByte(f, ':'); k >= 0 {
				f = f[k+1:]
			}
			isCounter := i == 0 && counter
			if v, err := strconv.ParseInt(f, 10, 64); err == nil && len(strings.TrimLeft(f, "+-")) <= 12 && strings.Count(f, "+")+strings.Count(f, "-") <= 1 {
				if !isCounter {
					v *= int64(mult)
				}
				vals = append(vals, v)
				continue
			}
			x, err := strconv.ParseFloat(f, 64)
			if isCounter || err != nil || math.IsNaN(x) || math.Abs(x*mult) > math.MaxInt32 {
				ok = false
				break
			}
			vals = append(vals, int64(math.Round(x*mult)))
		}
		first := 0
		if counter {
			first = 1
		}
		if ok && channels == 0 && len(vals) > first && len(vals)-first <= link.MaxChannels {
			channels = len(vals) - first
		}
		if !ok || len(vals)-first != channels || channels == 0 || counter && (vals[0] < 0 || vals[0] > math.MaxUint32) {
			bad++
			continue
		}
		row := make([]int32, channels)
		for c := range row {
			v := vals[first+c]
			if v > math.MaxInt32 || v < math.MinInt32 {
				ok = false
			}
			row[c] = int32(v)
		}
		if !ok {
			bad++
			continue
		}
		seq := lines
		if counter {
			seq = uint32(vals[0])
		}
		lines++
		out, seqs = append(out, row), append(seqs, seq)
	}
}

func checkReference(t *testing.T, p []byte, counter bool, mult float64) {
	t.Helper()
	want, seqs, wantUsed, wantBad := refDecode(p, counter, mult)
	d := Decoder{Counter: counter, Mult: mult}
	fr := make([]link.Frame, len(p)+1)
	n, used := d.DecodeFrames(fr, p, true)
	if used > len(p) || n != len(want) || used != wantUsed || d.BadLines != wantBad {
		t.Fatalf("%q: %d lines, %d bytes, %d bad; reference %d, %d, %d", p, n, used, d.BadLines, len(want), wantUsed, wantBad)
	}
	for i := range n {
		for c, v := range want[i] {
			if fr[i].Counts[c] != v || fr[i].Seq != seqs[i] {
				t.Fatalf("%q: line %d differs from the reference", p, i)
			}
		}
	}
}

func stream(n, ch int, counter bool, rng *rand.Rand) []byte {
	var sb strings.Builder
	for i := range n {
		if counter {
			fmt.Fprintf(&sb, "%d,", i)
		}
		for c := range ch {
			if c > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "%d", rng.IntN(1024))
		}
		sb.WriteString("\r\n")
	}
	return []byte(sb.String())
}

func FuzzDecode(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 1))
	f.Add(stream(5, 2, true, rng), true, 0.0)
	f.Add([]byte("# rate=1000 counter=1\nhello\n1.5 2.5\n"), false, 1000.0)
	f.Add([]byte("a:1,b:2\n\n\n3,4"), false, 0.0)
	f.Fuzz(func(t *testing.T, p []byte, counter bool, mult float64) {
		if !(mult == 0 || mult == 1 || mult == 1000) {
			mult = 1
		}
		checkReference(t, p, counter, mult)
		d := Decoder{Counter: counter, Mult: mult}
		dst := make([]int32, link.MaxChannels*(len(p)+1))
		_, used := d.Decode(dst, p)
		if used > len(p) {
			t.Fatalf("consumed %d of %d", used, len(p))
		}
		if len(p) > MaxLine && used == 0 {
			t.Fatalf("no progress on %d bytes", len(p))
		}
	})
}

func TestDecodeNoAllocs(t *testing.T) {
	p := stream(100, 4, true, rand.New(rand.NewPCG(1, 1)))
	d := Decoder{Counter: true}
	dst := make([]int32, 400)
	if a := testing.AllocsPerRun(100, func() { d.Decode(dst, p) }); a != 0 {
		t.Errorf("Decode allocates %g times", a)
	}
}

// BenchmarkDecode: the line carries 11.52 kB/s at 115200 baud, so 100× is
// 1.15 MB/s.
func BenchmarkDecode(b *testing.B) {
	p := stream(1000, 4, true, rand.New(rand.NewPCG(1, 1)))
	d := Decoder{Counter: true}
	dst := make([]int32, 4000)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		d.Decode(dst, p)
	}
}
