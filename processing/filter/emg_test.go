package filter_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"myorehab/acquisition"
	"myorehab/processing/filter"
)

func TestNewEMGChain(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name         string
		fs           float64
		lo, hi       float64
		order        int
		notch, q     float64
		want         string
		designedWith func(t testing.TB, fs float64) [][]filter.Section
	}{
		{"full band", 1000, 20, 450, 4, 50, 30, "bp 20-450 Hz order 4; notch 50 Hz Q30",
			func(t testing.TB, fs float64) [][]filter.Section { return emgSets(t, fs) }},
		{"hi above Nyquist", 250, 20, 450, 4, 50, 30, "hp 20 Hz order 4; notch 50 Hz Q30",
			func(t testing.TB, fs float64) [][]filter.Section {
				n, _ := filter.NotchSOS(50, 30, fs)
				return [][]filter.Section{mustButter(t, 4, filter.Highpass, fs, 20), {n}}
			}},
		{"hi at Nyquist, 60 Hz notch", 900, 10, 450, 2, 60, 25, "hp 10 Hz order 2; notch 60 Hz Q25",
			func(t testing.TB, fs float64) [][]filter.Section {
				n, _ := filter.NotchSOS(60, 25, fs)
				return [][]filter.Section{mustButter(t, 2, filter.Highpass, fs, 10), {n}}
			}},
		{"notch above Nyquist", 80, 5, 450, 3, 50, 30, "hp 5 Hz order 3",
			func(t testing.TB, fs float64) [][]filter.Section {
				return [][]filter.Section{mustButter(t, 3, filter.Highpass, fs, 5)}
			}},
		{"low-pass only", 2000, 0, 450, 4, 0, 0, "lp 450 Hz order 4",
			func(t testing.TB, fs float64) [][]filter.Section {
				return [][]filter.Section{mustButter(t, 4, filter.Lowpass, fs, 450)}
			}},
		{"notch only, order ignored", 500, 0, 0, 0, 49.5, 12.5, "notch 49.5 Hz Q12.5",
			func(t testing.TB, fs float64) [][]filter.Section {
				n, _ := filter.NotchSOS(49.5, 12.5, fs)
				return [][]filter.Section{{n}}
			}},
		{"nothing", 100, 0, 60, 4, 0, 30, "none",
			func(testing.TB, float64) [][]filter.Section { return nil }},
	} {
		t.Run(test.name, func(t *testing.T) {
			c, err := filter.NewEMGChain(test.fs, 2, test.lo, test.hi, test.order, test.notch, test.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.String(); got != test.want {
				t.Errorf("String() = %q, want %q", got, test.want)
			}
			if c.Channels() != 2 {
				t.Errorf("Channels() = %d", c.Channels())
			}
			want := slices.Concat(test.designedWith(t, test.fs)...)
			if got := c.Sections(); !slices.Equal(got, want) {
				t.Errorf("sections\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestNewEMGChainErrors(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name     string
		fs       float64
		channels int
		lo, hi   float64
		order    int
		notch, q float64
		msg      string
	}{
		{"fs zero", 0, 8, 20, 450, 4, 50, 30, "sampling rate 0 Hz"},
		{"no channels", 1000, 0, 20, 450, 4, 50, 30, "0 channels"},
		{"lo negative", 1000, 8, -1, 450, 4, 50, 30, "low edge -1 Hz"},
		{"hi NaN", 1000, 8, 20, math.NaN(), 4, 50, 30, "high edge NaN Hz"},
		{"notch negative", 1000, 8, 20, 450, 4, -50, 30, "notch frequency -50 Hz"},
		{"lo at Nyquist", 250, 8, 125, 450, 4, 50, 30, "low edge 125 Hz must be below the Nyquist frequency 125 Hz"},
		{"lo above hi", 1000, 8, 300, 200, 4, 50, 30, "low edge 300 Hz must be below high edge 200 Hz"},
		{"order 0", 1000, 8, 20, 450, 0, 50, 30, "order 0"},
		{"order 0 low-pass", 1000, 8, 0, 450, 0, 50, 30, "order 0"},
		{"q zero", 1000, 8, 20, 450, 4, 50, 0, "Q 0"},
	} {
		t.Run(test.name, func(t *testing.T) {
			c, err := filter.NewEMGChain(test.fs, test.channels, test.lo, test.hi, test.order, test.notch, test.q)
			if !errors.Is(err, filter.ErrInvalid) || c != nil {
				t.Fatalf("got %v, %v; want nil, ErrInvalid", c, err)
			}
			if !strings.Contains(err.Error(), test.msg) {
				t.Errorf("err = %q, want it to mention %q", err, test.msg)
			}
		})
	}
}

// BenchmarkEMGChain streams 8 channels at 1000 Hz through band-pass
// 20–450 Hz order 4 + 50 Hz notch (5 sections) in place. The
// x-realtime metric is seconds of signal filtered per second of CPU.
func BenchmarkEMGChain(b *testing.B) {
	const fs, channels = 1000.0, 8
	for _, blockLen := range []int{10, 50, 250} {
		b.Run("block="+strconv.Itoa(blockLen), func(b *testing.B) {
			c, err := filter.NewEMGChain(fs, channels, 20, 450, 4, 50, 30)
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 1))
			blk := acquisition.NewBlock(channels, blockLen)
			blk.Len = blockLen
			for i := range blk.Data {
				blk.Data[i] = 100 * rng.NormFloat64()
			}
			b.ReportAllocs()
			for b.Loop() {
				c.Process(blk, blk)
			}
			signal := float64(b.N) * float64(blockLen) / fs
			b.ReportMetric(signal/b.Elapsed().Seconds(), "x-realtime")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*float64(blockLen*channels)), "ns/sample")
		})
	}
}
