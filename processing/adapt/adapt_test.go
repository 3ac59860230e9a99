package adapt

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/mat"

	"myorehab/processing/classify"
)

// individual is a subject's offset and gain on every feature.
type individual struct {
	off  []float64
	gain float64
}

func newIndividual(rng *rand.Rand, d int, shift float64) individual {
	v := individual{off: make([]float64, d), gain: 1 + 0.3*rng.NormFloat64()}
	for j := range v.off {
		v.off[j] = shift * rng.NormFloat64()
	}
	return v
}

// synthRows returns n rows per class of Gaussian classes around the shared
// centres, moved by the individual, with unit within-class noise plus a
// common component (correlated features), drawn from rng.
func synthRows(rng *rand.Rand, centres [][]float64, v individual, n int) Data {
	k, d := len(centres), len(centres[0])
	var data Data
	for i := range n * k {
		c := i % k
		x := make([]float64, d)
		common := rng.NormFloat64()
		for j := range x {
			x[j] = v.gain*centres[c][j] + v.off[j] + rng.NormFloat64() + 0.5*common
		}
		data.X = append(data.X, x)
		data.Y = append(data.Y, c)
	}
	return data
}

func synthCentres(rng *rand.Rand, k, d int) [][]float64 {
	c := make([][]float64, k)
	for i := range c {
		c[i] = make([]float64, d)
		for j := range c[i] {
			c[i][j] = 2 * rng.NormFloat64()
		}
	}
	return c
}

// synthSubjects returns n subjects (offsets of scale shift), each with
// train (rows per class), calibration (a fifth of that) and test data.
func synthSubjects(n, k, d, rows int, shift float64) []Subject {
	rng := rand.New(rand.NewPCG(1, 1))
	centres := synthCentres(rng, k, d)
	var out []Subject
	for i := range n {
		v := newIndividual(rng, d, shift)
		out = append(out, Subject{
			Name:  string(rune('A' + i)),
			Train: synthRows(rng, centres, v, rows),
			Calib: synthRows(rng, centres, v, max(rows/5, 2)),
			Test:  synthRows(rng, centres, v, rows),
		})
	}
	return out
}

func TestNewLDAMatchesClassify(t *testing.T) {
	for _, tc := range []struct {
		name    string
		k, d, n int
	}{
		{"2 classes 3 features", 2, 3, 40},
		{"5 classes 12 features", 5, 12, 30},
		{"more features than rows per class", 4, 30, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 1))
			data := synthRows(rng, synthCentres(rng, tc.k, tc.d), newIndividual(rng, tc.d, 1), tc.n)
			ref, err := classify.TrainLDA(data.X, data.Y, classify.LDAConfig{})
			if err != nil {
				t.Fatal(err)
			}
			s, err := Fit(data.X, data.Y, tc.k)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(s.Shrinkage-ref.Shrinkage()) > 1e-12 {
				t.Errorf("shrinkage %v, classify %v", s.Shrinkage, ref.Shrinkage())
			}
			m, err := NewLDA(s)
			if err != nil {
				t.Fatal(err)
			}
			p, q := make([]float64, tc.k), make([]float64, tc.k)
			for i, x := range data.X {
				c, rc := m.Predict(p, x), ref.Predict(q, x)
				for j := range p {
					if math.Abs(p[j]-q[j]) > 1e-9 {
						t.Fatalf("row %d: probabilities %v, classify %v", i, p, q)
					}
				}
				if c != rc && math.Abs(p[c]-p[rc]) > 1e-9 {
					t.Fatalf("row %d: class %d, classify %d", i, c, rc)
				}
			}
		})
	}
}

// ldaEqual reports whether two models are bit for bit the same.
func ldaEqual(a, b *LDA) bool {
	return reflect.DeepEqual(a.Network(), b.Network()) && reflect.DeepEqual(a.prec, b.prec) &&
		reflect.DeepEqual(a.mu, b.mu) && a.lambda == b.lambda
}

func TestMixEndpointsAndLinearity(t *testing.T) {
	subs := synthSubjects(2, 4, 5, 30, 2)
	base, err := Fit(subs[0].Train.X, subs[0].Train.Y, 4)
	if err != nil {
		t.Fatal(err)
	}
	pat, err := Fit(subs[1].Calib.X, subs[1].Calib.Y, 4)
	if err != nil {
		t.Fatal(err)
	}
	build := func(s *Stats) *LDA {
		m, err := NewLDA(s)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	mix := func(a, b float64) *Stats {
		s, err := Mix(base, pat, a, b)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := mix(0, 0); !ldaEqual(build(s), build(base)) || !mat.Equal(s.Cov, base.Cov) {
		t.Error("weight 0 is not the base model")
	}
	if s := mix(1, 1); !ldaEqual(build(s), build(pat)) || !mat.Equal(s.Cov, pat.Cov) {
		t.Error("weight 1 is not the patient model")
	}
	if ldaEqual(build(mix(0.5, 0.5)), build(base)) {
		t.Error("weight 0.5 equals the base model")
	}
	s := mix(0.25, 0.75)
	if got, want := s.Mean[2][3], 0.75*base.Mean[2][3]+0.25*pat.Mean[2][3]; math.Abs(got-want) > 1e-12 {
		t.Errorf("mixed mean %v, want %v", got, want)
	}
	if got, want := s.Cov.At(1, 4), 0.25*base.Cov.At(1, 4)+0.75*pat.Cov.At(1, 4); math.Abs(got-want) > 1e-12 {
		t.Errorf("mixed covariance %v, want %v", got, want)
	}
	if got, want := s.Shrinkage, 0.25*base.Shrinkage+0.75*pat.Shrinkage; math.Abs(got-want) > 1e-15 {
		t.Errorf("mixed shrinkage %v, want %v", got, want)
	}
	var sum float64
	for _, p := range s.Prior {
		sum += p
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("mixed priors sum to %v", sum)
	}
}

func TestBadInput(t *testing.T) {
	ok := [][]float64{{1, 2}, {2, 1}, {3, 3}, {0, 1}}
	for _, tc := range []struct {
		name string
		X    [][]float64
		y    []int
		k    int
	}{
		{"no rows", nil, nil, 2},
		{"label count", ok, []int{0, 1}, 2},
		{"one class", ok, []int{0, 0, 0, 0}, 1},
		{"missing class", ok, []int{0, 0, 1, 1}, 3},
		{"label range", ok, []int{0, 1, 2, 1}, 2},
		{"NaN", [][]float64{{1, 2}, {math.NaN(), 1}, {3, 3}, {0, 1}}, []int{0, 1, 0, 1}, 2},
		{"ragged", [][]float64{{1, 2}, {2}, {3, 3}, {0, 1}}, []int{0, 1, 0, 1}, 2},
	} {
		if _, err := Fit(tc.X, tc.y, tc.k); !errors.Is(err, ErrData) {
			t.Errorf("%s: err %v, want ErrData", tc.name, err)
		}
	}
	a, _ := Fit(ok, []int{0, 1, 0, 1}, 2)
	b, _ := Fit([][]float64{{1, 2, 3}, {2, 1, 0}, {3, 3, 1}, {0, 1, 5}}, []int{0, 1, 0, 1}, 2)
	for _, w := range [][2]float64{{-0.1, 0}, {0, 1.1}, {math.NaN(), 0}} {
		if _, err := Mix(a, a, w[0], w[1]); !errors.Is(err, ErrShape) {
			t.Errorf("weights %v: err %v", w, err)
		}
	}
	if _, err := Mix(a, b, 0.5, 0.5); !errors.Is(err, ErrShape) {
		t.Errorf("mismatched features: err %v", err)
	}
	m, err := NewLDA(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []OnlineConfig{{Threshold: 0, Prior: 1}, {Threshold: 1.5, Prior: 1}, {Threshold: 0.9, Prior: 0}, {Threshold: 0.9, Prior: 10, MaxCount: 5}} {
		if _, err := NewOnline(m, cfg); !errors.Is(err, ErrShape) {
			t.Errorf("online %+v: err %v", cfg, err)
		}
	}
}

// TestOnlineMatchesBatch checks the running class means and discriminants
// against a batch recomputation from the windows that triggered updates.
func TestOnlineMatchesBatch(t *testing.T) {
	const k, d = 3, 4
	subs := synthSubjects(2, k, d, 40, 1)
	s, err := Fit(subs[0].Train.X, subs[0].Train.Y, k)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewLDA(s)
	if err != nil {
		t.Fatal(err)
	}
	cfg := OnlineConfig{Threshold: 0.8, Prior: 25}
	o, err := NewOnline(m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	sum := make([][]float64, k)
	cnt := make([]float64, k)
	for c := range sum {
		sum[c] = make([]float64, d)
	}
	probs := make([]float64, k)
	for _, x := range subs[1].Test.X {
		c, up := o.Observe(probs, x)
		if up != (probs[c] >= cfg.Threshold) {
			t.Fatalf("updated %v with top probability %v, threshold %v", up, probs[c], cfg.Threshold)
		}
		if up {
			cnt[c]++
			for j, v := range x {
				sum[c][j] += v
			}
		}
	}
	var total float64
	for _, v := range cnt {
		total += v
	}
	if int(total) != o.Updates() || total == 0 || int(total) == len(subs[1].Test.X) {
		t.Fatalf("%v updates counted, Updates() %d of %d windows", total, o.Updates(), len(subs[1].Test.X))
	}
	if m.mu[0] == o.m.mu[0] {
		t.Error("starting model changed with the online copy")
	}
	got := make([]float64, d)
	for c := range k {
		o.Mean(got, c)
		for j := range d {
			want := (cfg.Prior*s.Mean[c][j] + sum[c][j]) / (cfg.Prior + cnt[c])
			if math.Abs(got[j]-want) > 1e-9*(1+math.Abs(want)) {
				t.Errorf("class %d mean[%d] = %v, batch %v", c, j, got[j], want)
			}
		}
		// Discriminant from the batch mean with the shrunk covariance,
		// solved afresh.
		P := mat.NewDense(d, d, o.m.prec)
		var cov mat.Dense
		if err := cov.Inverse(P); err != nil {
			t.Fatal(err)
		}
		zb := make([]float64, d)
		for j := range d {
			zb[j] = ((cfg.Prior*s.Mean[c][j]+sum[c][j])/(cfg.Prior+cnt[c]) - o.m.mean[j]) * o.m.inv[j]
		}
		var w mat.VecDense
		if err := w.SolveVec(&cov, mat.NewVecDense(d, zb)); err != nil {
			t.Fatal(err)
		}
		for j := range d {
			if math.Abs(w.AtVec(j)-o.m.w[c*d+j]) > 1e-7*(1+math.Abs(w.AtVec(j))) {
				t.Errorf("class %d w[%d] = %v, batch %v", c, j, o.m.w[c*d+j], w.AtVec(j))
			}
		}
		wantB := -0.5*mat.Dot(&w, mat.NewVecDense(d, zb)) + math.Log(s.Prior[c])
		if math.Abs(wantB-o.m.b[c]) > 1e-7*(1+math.Abs(wantB)) {
			t.Errorf("class %d bias %v, batch %v", c, o.m.b[c], wantB)
		}
	}
}

func TestOnlineCapForgets(t *testing.T) {
	subs := synthSubjects(1, 2, 2, 10, 0)
	s, _ := Fit(subs[0].Train.X, subs[0].Train.Y, 2)
	m, err := NewLDA(s)
	if err != nil {
		t.Fatal(err)
	}
	o, err := NewOnline(m, OnlineConfig{Threshold: 1e-9, Prior: 2, MaxCount: 4})
	if err != nil {
		t.Fatal(err)
	}
	x := subs[0].Train.X[0]
	for range 10 {
		o.Observe(nil, x)
	}
	c := o.Predict(nil, x)
	before := o.Mean(nil, c)
	if o.n[c] != 4 {
		t.Fatalf("count %v, want the cap 4", o.n[c])
	}
	o.Observe(nil, x)
	after := o.Mean(nil, c)
	for j := range x {
		if want := before[j] + (x[j]-before[j])/4; math.Abs(after[j]-want) > 1e-9*(1+math.Abs(want)) {
			t.Errorf("capped step: mean[%d] %v, want %v", j, after[j], want)
		}
	}
}

func TestOnlineObserveAllocs(t *testing.T) {
	subs := synthSubjects(1, 11, 120, 3, 1)
	s, err := Fit(subs[0].Train.X, subs[0].Train.Y, 11)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewLDA(s)
	if err != nil {
		t.Fatal(err)
	}
	o, err := NewOnline(m, OnlineConfig{Threshold: 1e-9, Prior: 10})
	if err != nil {
		t.Fatal(err)
	}
	probs := make([]float64, 11)
	i := 0
	allocs := testing.AllocsPerRun(100, func() {
		o.Observe(probs, subs[0].Test.X[i%len(subs[0].Test.X)])
		i++
	})
	if allocs != 0 {
		t.Errorf("Observe allocates %v times per update", allocs)
	}
	if o.Updates() < 100 {
		t.Errorf("%d updates in 101 observations at threshold 1e-9", o.Updates())
	}
	if a := testing.AllocsPerRun(100, func() { m.Predict(probs, subs[0].Test.X[0]) }); a != 0 {
		t.Errorf("Predict allocates %v times", a)
	}
}

func smallStudy() StudyConfig {
	return StudyConfig{
		Classes: 4,
		Weights: []float64{0, 0.25, 0.5, 0.75, 1},
		Online:  []OnlineConfig{{Threshold: 0.9, Prior: 20}, {Threshold: 0.99, Prior: 50}},
	}
}

// TestStudy runs the protocol on synthetic subjects whose individual
// offsets are large: the base model (other subjects) must lose to the
// adapted one, the calibration must be chosen to count, and two runs must
// agree exactly.
func TestStudy(t *testing.T) {
	subs := synthSubjects(5, 4, 6, 60, 3)
	res, err := Study(subs, smallStudy())
	if err != nil {
		t.Fatal(err)
	}
	var base, adapted, calib, full float64
	for _, r := range res.Subjects {
		base += r.Base / 5
		adapted += r.Adapted / 5
		calib += r.CalibOnly / 5
		full += r.Full / 5
		if r.Choice.Alpha == 0 && r.Choice.Beta == 0 {
			t.Errorf("%s: the inner choice ignores the calibration", r.Name)
		}
		t.Logf("%s: base %.3f calib %.3f adapted %.3f (α %.2f β %.2f) online %.3f (%d updates) full %.3f",
			r.Name, r.Base, r.CalibOnly, r.Adapted, r.Choice.Alpha, r.Choice.Beta, r.AdaptedOnline, r.Updates, r.Full)
	}
	if !(adapted > base+0.05) || !(full > base) {
		t.Errorf("mean accuracy: base %.3f, adapted %.3f, full %.3f", base, adapted, full)
	}
	if g := res.Grid[0][0]; math.Abs(g-base) > 1e-12 {
		t.Errorf("grid at weight 0 %.6f, base %.6f", g, base)
	}
	if g := res.Grid[4][4]; math.Abs(g-calib) > 1e-12 {
		t.Errorf("grid at weight 1 %.6f, calibration-only %.6f", g, calib)
	}
	again, err := Study(subs, smallStudy())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res, again) {
		t.Error("two runs of the study differ")
	}
	if _, err := Study(subs[:2], smallStudy()); !errors.Is(err, ErrData) {
		t.Errorf("2 subjects: err %v", err)
	}
}

func BenchmarkOnlineObserve(b *testing.B) {
	subs := synthSubjects(1, 11, 120, 3, 1)
	s, _ := Fit(subs[0].Train.X, subs[0].Train.Y, 11)
	m, err := NewLDA(s)
	if err != nil {
		b.Fatal(err)
	}
	o, _ := NewOnline(m, OnlineConfig{Threshold: 1e-9, Prior: 1e6})
	x := subs[0].Test.X
	probs := make([]float64, 11)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		o.Observe(probs, x[i%len(x)])
		i++
	}
}

func BenchmarkNewLDA(b *testing.B) {
	subs := synthSubjects(1, 11, 120, 20, 1)
	s, _ := Fit(subs[0].Train.X, subs[0].Train.Y, 11)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewLDA(s); err != nil {
			b.Fatal(err)
		}
	}
}
