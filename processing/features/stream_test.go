package features

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"myorehab/processing/internal/reftest"
)

// streamTol is the tolerance of Stream against Set.Extract for the
// values computed from sums (relative to 1+|want|): the two add the same
// terms in a different order. Counts and LS must be equal.
const streamTol = 1e-10

// exactKinds are the features Stream must reproduce bit for bit.
var exactKinds = map[kind]bool{kZC: true, kSSC: true, kWAMP: true, kLS: true}

// checkStream streams x (planar) into a Stream in pieces of piece
// samples and compares each window ending on the grid n + j·inc with
// Set.Extract. It returns the largest relative difference seen.
func checkStream(t *testing.T, names []string, p Params, x [][]float64, n, inc, piece int) float64 {
	worst, _ := checkStreamDirect(t, names, p, x, n, inc, piece)
	return worst
}

// checkStreamDirect is checkStream, also returning the fraction of AR
// models computed by the direct recursion.
func checkStreamDirect(t *testing.T, names []string, p Params, x [][]float64, n, inc, piece int) (worst, direct float64) {
	return checkStreamPieces(t, names, p, x, n, inc, []int{piece})
}

// checkStreamPieces is checkStreamDirect with the appended pieces' lengths
// taken from pieces in turn.
func checkStreamPieces(t *testing.T, names []string, p Params, x [][]float64, n, inc int, pieces []int) (worst, direct float64) {
	t.Helper()
	ch := len(x)
	set, err := NewSet(names, ch, n, p)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := NewSet(names, ch, n, p)
	if err != nil {
		t.Fatal(err)
	}
	st := NewStream(set)
	got := make([]float64, set.Len())
	want := make([]float64, set.Len())
	cols := set.Names()
	colKind := make([]kind, 0, set.Len())
	for _, k := range set.kinds {
		for range set.width(k) {
			colKind = append(colKind, k)
		}
	}
	win := make([][]float64, ch)
	parts := make([][]float64, ch)
	total := len(x[0])
	next := n
	windows := 0
	for i, off := 0, 0; off < total; i++ {
		m := min(pieces[i%len(pieces)], total-off, next-off)
		for c := range ch {
			parts[c] = x[c][off : off+m]
		}
		st.Append(parts)
		off += m
		if off != next {
			continue
		}
		next += inc
		windows++
		st.Extract(got)
		for c := range ch {
			win[c] = x[c][off-n : off]
		}
		ref.Extract(want, win)
		for j := range got {
			g, w := got[j], want[j]
			if math.IsNaN(w) && math.IsNaN(g) || g == w {
				continue
			}
			d := math.Abs(g-w) / (1 + math.Abs(w))
			if exactKinds[colKind[j]] || !(d <= streamTol) {
				t.Fatalf("%v n=%d inc=%d pieces=%v, window ending at %d: %s = %v, want %v",
					names, n, inc, pieces, off, cols[j], g, w)
			}
			worst = max(worst, d)
		}
	}
	models := 0
	for _, o := range st.outs {
		if o.k == kAR || o.k == kAR9 || o.k == kCC {
			models++
		}
	}
	if windows > 0 && models > 0 {
		direct = float64(st.directBurg) / float64(windows*ch*models)
	}
	return worst, direct
}

// noisy returns ch channels of total samples: Gaussian noise on a
// 2-decimal grid with runs of repeated values and exact zeros (ties for
// LS, zero products for ZC and SSC).
func noisy(rng *rand.Rand, ch, total int) [][]float64 {
	x := make([][]float64, ch)
	for c := range x {
		x[c] = make([]float64, total)
		for i := range x[c] {
			switch v := rng.IntN(10); {
			case v == 0:
				x[c][i] = 0
			case v == 1 && i > 0:
				x[c][i] = x[c][i-1]
			default:
				x[c][i] = math.Round(rng.NormFloat64()*1e3) / 100
			}
		}
	}
	return x
}

func TestStreamMatchesExtract(t *testing.T) {
	t.Parallel()
	p := DefaultParams()
	p.WAMPThreshold = 1
	p.SSCThreshold = 0.5
	p.CCOrder = 6
	cases := []struct {
		name          string
		features      []string
		n, inc, piece int
	}{
		{"default", []string{"LS4", "TDAR"}, 300, 50, 50},
		{"default/blocks of 32", []string{"LS4", "TDAR"}, 300, 50, 32},
		{"default/one sample at a time", []string{"LS4", "TDAR"}, 60, 7, 1},
		{"default/more chunks per window than kept", []string{"LS4", "TDAR"}, 200, 2, 2},
		{"default/inc not dividing n", []string{"LS4", "TDAR"}, 200, 30, 17},
		{"default/inc above n/2", []string{"LS4", "TDAR"}, 100, 70, 100},
		{"default/no overlap", []string{"LS4", "TDAR"}, 50, 80, 500},
		{"HTD", []string{"HTD"}, 200, 50, 50},
		{"LS9 with batch features", []string{"LS9"}, 150, 25, 40},
		{"COMB (AR9)", []string{"COMB"}, 120, 20, 20},
		{"AR, CC of another order, RMS, IAV, MAVFD", []string{"AR", "CC", "RMS", "IAV", "MAVFD"}, 80, 10, 13},
		{"MSR alone", []string{"MSR"}, 40, 5, 3},
		{"WAMP alone", []string{"WAMP"}, 40, 5, 9},
		{"smallest window", []string{"LS", "SSC", "AR"}, 6, 1, 2},
		{"batch only", []string{"SKEW", "MNF"}, 64, 16, 16},
		{"phasors between incremental features", []string{"MAV", "RMSPHASOR", "LS", "TDPSD", "AR"}, 100, 25, 25},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(1, 1))
			x := noisy(rng, 3, 20*tc.n+3*tc.inc)
			worst := checkStream(t, tc.features, p, x, tc.n, tc.inc, tc.piece)
			t.Logf("largest relative difference %.2g", worst)
		})
	}
}

// TestStreamNonFinite: windows holding NaN or ±Inf samples (or whose
// products overflow) give Set.Extract's values, and the windows after them
// are incremental again.
func TestStreamNonFinite(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(2, 2))
	x := noisy(rng, 2, 4000)
	x[0][700] = math.NaN()
	x[1][1300] = math.Inf(1)
	x[0][1900] = math.Inf(-1)
	x[1][2500] = 1e200 // x² overflows
	x[0][3100] = 5e-324
	checkStream(t, []string{"LS4", "TDAR", "RMS"}, DefaultParams(), x, 200, 50, 50)
}

// TestStreamRealEMG: Stream equals Set.Extract over every window of real
// recordings — LibEMG's Myo recording (8 channels) and the 3DC, PhysioNet
// and McKiernan excerpts of ../shared/reference (each split into 4
// channels) — for the default pipeline's features at 300/50 and the
// reference grid 200/25.
func TestStreamRealEMG(t *testing.T) {
	t.Parallel()
	inputs := map[string][][]float64{"libemg myo": loadMyo(t, refDir(t))}
	ref := reftest.Dir(t)
	for _, id := range []string{"3dc_P01_train_ch1_1000hz", "physionet_healthy_4000hz", "mckiernan_S8_ch0_10000hz"} {
		col := reftest.ReadColumn(t, filepath.Join(ref, "inputs", id+".csv"))
		q := len(col) / 4
		inputs[id] = [][]float64{col[:q], col[q : 2*q], col[2*q : 3*q], col[3*q : 4*q]}
	}
	for name, x := range inputs {
		for _, g := range []struct{ n, inc int }{{300, 50}, {200, 25}} {
			if len(x[0]) < g.n {
				continue
			}
			worst, direct := checkStreamDirect(t, []string{"LS4", "TDAR", "RMS", "CC"}, DefaultParams(), x, g.n, g.inc, g.inc)
			t.Logf("%s %d/%d: largest relative difference %.2g; %.1f %% of AR models by the direct recursion", name, g.n, g.inc, worst, 100*direct)
		}
	}
}

// TestStreamLibEMGReference: the default pipeline's features computed by
// Stream on LibEMG's reference grid (200/25 on emg_data_myo.csv) agree
// with LibEMG's MATLAB values as closely as Set.Extract does.
func TestStreamLibEMGReference(t *testing.T) {
	t.Parallel()
	dir := refDir(t)
	x := loadMyo(t, dir)
	for _, name := range []string{"LS", "MFL", "MSR", "WAMP", "MAV", "ZC", "SSC", "WL"} {
		set, err := NewSet([]string{name}, len(x), refWindow, DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		st := NewStream(set)
		part := make([][]float64, len(x))
		var got [][]float64
		for off := 0; off+refInc <= len(x[0]); off += refInc {
			for c := range x {
				part[c] = x[c][off : off+refInc]
			}
			st.Append(part)
			if off+refInc >= refWindow {
				got = append(got, st.Extract(nil))
			}
		}
		batch := extractAll(t, x, name)
		want := readCSV(t, filepath.Join(dir, "matlab_"+name+".csv"))
		if len(got) != refRows || len(want) != refRows {
			t.Fatalf("%s: %d windows, reference %d, want %d", name, len(got), len(want), refRows)
		}
		gMed, gMax := medianMax(relDiffs(got, want))
		bMed, bMax := medianMax(relDiffs(batch, want))
		if math.Abs(gMed-bMed) > 1e-9 || math.Abs(gMax-bMax) > 1e-9 {
			t.Errorf("%s: Stream differs from LibEMG by median %.3g %%, max %.3g %%; Set.Extract by %.3g %%, %.3g %%",
				name, gMed, gMax, bMed, bMax)
		}
	}
}

func TestStreamReset(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 3))
	x := noisy(rng, 2, 400)
	set, err := NewSet([]string{"LS4", "TDAR"}, 2, 100, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	st := NewStream(set)
	st.Append([][]float64{x[0][:250], x[1][:250]})
	st.Extract(nil)
	st.Reset()
	if st.Samples() != 0 {
		t.Fatalf("Samples after Reset = %d", st.Samples())
	}
	st.Append([][]float64{x[0][250:], x[1][250:]})
	got := st.Extract(nil)
	want := set.Extract(nil, [][]float64{x[0][300:], x[1][300:]})
	for j := range got {
		if math.Abs(got[j]-want[j]) > streamTol*(1+math.Abs(want[j])) {
			t.Errorf("after Reset: %s = %v, want %v", set.Names()[j], got[j], want[j])
		}
	}
}

func TestStreamPanics(t *testing.T) {
	t.Parallel()
	set, err := NewSet([]string{"TD"}, 2, 10, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		fn   func(st *Stream)
	}{
		{"window not full", func(st *Stream) { st.Extract(nil) }},
		{"channel count", func(st *Stream) { st.Append(make([][]float64, 3)) }},
		{"unequal lengths", func(st *Stream) { st.Append([][]float64{make([]float64, 2), make([]float64, 3)}) }},
		{"dst length", func(st *Stream) {
			st.Append([][]float64{make([]float64, 10), make([]float64, 10)})
			st.Extract(make([]float64, 3))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tc.fn(NewStream(set))
		})
	}
}

func TestStreamDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	rng := rand.New(rand.NewPCG(4, 4))
	const ch, n, inc = 8, 300, 50
	x := noisy(rng, ch, 40*inc)
	set, err := NewSet([]string{"LS4", "TDAR"}, ch, n, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	st := NewStream(set)
	dst := make([]float64, set.Len())
	part := make([][]float64, ch)
	off := 0
	step := func() {
		for c := range ch {
			part[c] = x[c][off : off+inc]
		}
		off = (off + inc) % len(x[0])
		st.Append(part)
		st.Extract(dst)
	}
	for range n / inc {
		for c := range ch {
			part[c] = x[c][off : off+inc]
		}
		off += inc
		st.Append(part)
	}
	if a := testing.AllocsPerRun(100, step); a != 0 {
		t.Errorf("%v allocations per window", a)
	}
}

// BenchmarkStream measures one window of the default pipeline's features
// (LS4 + TDAR, 8 channels, 300-sample windows every 50 samples): Append of
// 50 samples and Extract, against Set.Extract of the same window.
func BenchmarkStream(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 5))
	const ch, n, inc = 8, 300, 50
	x := noisy(rng, ch, 200*inc)
	set, err := NewSet([]string{"LS4", "TDAR"}, ch, n, DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float64, set.Len())
	part := make([][]float64, ch)
	b.Run("stream", func(b *testing.B) {
		st := NewStream(set)
		off := 0
		b.ReportAllocs()
		for b.Loop() {
			for c := range ch {
				part[c] = x[c][off : off+inc]
			}
			off = (off + inc) % len(x[0])
			st.Append(part)
			if st.Samples() >= n {
				st.Extract(dst)
			}
		}
	})
	b.Run("batch", func(b *testing.B) {
		off := 0
		b.ReportAllocs()
		for b.Loop() {
			for c := range ch {
				part[c] = x[c][off : off+n]
			}
			off = (off + inc) % (len(x[0]) - n)
			set.Extract(dst, part)
		}
	})
}

// TestLowerBounds: the branch-free binary searches give sort.SearchFloat64s'
// rank (the number of values below) for every length 0 … 40 and every
// count of queries (the 8-wide path and the tail), with duplicates, ±0 and
// ±Inf among the values and the queries.
func TestLowerBounds(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(6, 6))
	pick := func() float64 {
		switch rng.IntN(8) {
		case 0:
			return math.Inf(1)
		case 1:
			return math.Inf(-1)
		case 2:
			return math.Copysign(0, -1)
		}
		return float64(rng.IntN(9) - 4)
	}
	for n := range 41 {
		v := make([]float64, n)
		for i := range v {
			v[i] = pick()
		}
		slices.Sort(v)
		for m := range 20 {
			a := make([]float64, m)
			for i := range a {
				a[i] = pick()
			}
			ve := make([]lsEntry, n)
			for i, x := range v {
				ve[i].v = x
			}
			ae := make([]lsEntry, m)
			for i, x := range a {
				ae[i].v = x
			}
			got := lowerBounds(make([]int, m), ve, ae)
			for i, x := range a {
				if want := sort.SearchFloat64s(v, x); got[i] != want {
					t.Fatalf("n=%d m=%d: rank of %v = %d, want %d (v %v)", n, m, x, got[i], want, v)
				}
			}
		}
	}
}

// FuzzStream compares Stream with Set.Extract on streams of small integer
// samples (many ties and zero crossings) with the window, increment and
// piece length taken from the input.
func FuzzStream(f *testing.F) {
	f.Add([]byte{10, 3, 4, 1, 255, 2, 0, 0, 7, 128, 3, 3, 3, 9, 200, 1, 5, 6, 7, 8, 9, 10, 11})
	f.Add([]byte{3, 1, 1, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{40, 9, 13, 5, 4, 3, 2, 1, 0, 255, 254, 253, 252, 251, 250, 1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 4 {
			return
		}
		n, inc, piece := 6+int(b[0])%60, 1+int(b[1])%40, 1+int(b[2])%70
		data := b[3:]
		x := [][]float64{make([]float64, 0, 4*n), make([]float64, 0, 4*n)}
		for i := 0; len(x[0]) < 4*n; i++ {
			v := float64(int8(data[i%len(data)]))
			x[0] = append(x[0], v)
			x[1] = append(x[1], float64(int8(data[(i*7+3)%len(data)])))
		}
		checkStream(t, []string{"LS4", "TDAR", "RMS"}, DefaultParams(), x, n, inc, piece)
	})
}

// TestStreamPredictable: windows whose AR prediction errors are tiny
// against the signal — a pure 50 Hz tone (a disconnected electrode's
// mains hum), the same tone with a little noise, a short periodic pattern,
// a constant and a ramp — still equal Set.Extract's: Burg's recursion on
// the autocorrelations would lose too many digits there, and such windows
// go to the direct recursion.
func TestStreamPredictable(t *testing.T) {
	t.Parallel()
	const total = 3000
	rng := rand.New(rand.NewPCG(7, 7))
	x := make([][]float64, 5)
	for c := range x {
		x[c] = make([]float64, total)
	}
	for i := range total {
		tone := 80 * math.Sin(2*math.Pi*50*float64(i)/1000)
		x[0][i] = tone
		x[1][i] = tone + rng.NormFloat64()*1e-3
		x[2][i] = []float64{-6, 1, 2, 3}[i%4]
		x[3][i] = 5
		x[4][i] = float64(i)
	}
	worst, direct := checkStreamDirect(t, []string{"LS4", "TDAR", "CC"}, DefaultParams(), x, 300, 50, 50)
	t.Logf("largest relative difference %.2g; %.0f %% of AR models by the direct recursion", worst, 100*direct)
}

// TestStreamIrregularPieces: appends of very different lengths between
// windows — a few samples, then more than a window at once — give
// Set.Extract's values (the ring must still hold the context of each
// piece and of the open chunk's start).
func TestStreamIrregularPieces(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(8, 8))
	x := noisy(rng, 2, 6000)
	for _, tc := range []struct {
		n, inc int
		pieces []int
	}{
		{100, 150, []int{1, 2, 400}},
		{100, 40, []int{3, 1000}},
		{300, 50, []int{2, 48, 1, 299, 7}},
		{6, 4, []int{1, 9}},
	} {
		checkStreamPieces(t, []string{"LS4", "TDAR", "RMS", "CC"}, DefaultParams(), x, tc.n, tc.inc, tc.pieces)
	}
}
