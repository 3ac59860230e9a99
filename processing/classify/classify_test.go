package classify_test

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"myorehab/processing/classify"
)

func TestBlobsNearBayes(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	X, y, means := blobs(rng, 6, 8, 100, 3)
	Xt, yt, _ := blobs(rng, 6, 8, 300, 3)
	b := bayes(Xt, yt, means)
	for _, kind := range featureKinds {
		t.Run(kind.String(), func(t *testing.T) {
			t.Parallel()
			m, err := classify.Train(kind, X, y, small(1))
			if err != nil {
				t.Fatal(err)
			}
			// Margins: linear/Gaussian models are the right model family;
			// KNN, forests and nets pay for flexibility on 100 rows/class.
			margin := 0.03
			switch kind {
			case classify.KindKNN, classify.KindForest, classify.KindQDA:
				margin = 0.06
			}
			if acc := accuracy(m, Xt, yt); acc < b-margin {
				t.Errorf("accuracy %.3f, Bayes %.3f (margin %.2f)", acc, b, margin)
			}
		})
	}
}

func TestXOR(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	X, y := xor(rng, 400)
	Xt, yt := xor(rng, 1000)
	for _, kind := range featureKinds {
		t.Run(kind.String(), func(t *testing.T) {
			t.Parallel()
			m, err := classify.Train(kind, X, y, small(2))
			if err != nil {
				t.Fatal(err)
			}
			acc := accuracy(m, Xt, yt)
			switch kind {
			case classify.KindLDA, classify.KindLinearSVM:
				if acc > 0.65 {
					t.Errorf("linear model solved XOR: accuracy %.3f", acc)
				}
			default:
				if acc < 0.9 {
					t.Errorf("nonlinear model failed XOR: accuracy %.3f", acc)
				}
			}
		})
	}
}

func TestCNNRawWindows(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	X, y := windows(rng, 5, 64, 60)
	Xt, yt := windows(rng, 5, 64, 100)
	m, err := classify.TrainCNN(X, y, small(3).CNN)
	if err != nil {
		t.Fatal(err)
	}
	if acc := accuracy(m, Xt, yt); acc < 0.9 {
		t.Errorf("CNN accuracy %.3f < 0.9", acc)
	}
	// Class 4 differs from class 0 only by frequency: a per-channel power
	// feature cannot separate them, the learned filters must.
	ok, n := 0, 0
	for i, x := range Xt {
		if yt[i] == 0 || yt[i] == 4 {
			n++
			if m.Predict(nil, x) == yt[i] {
				ok++
			}
		}
	}
	if acc := float64(ok) / float64(n); acc < 0.85 {
		t.Errorf("CNN frequency-only accuracy %.3f < 0.85", acc)
	}
}

// trainAll trains every kind on small blobs (the CNN on raw windows).
func trainAll(t testing.TB, seed uint64) []classify.Model {
	rng := rand.New(rand.NewPCG(1, 1))
	X, y, _ := blobs(rng, 4, 8, 40, 3)
	var ms []classify.Model
	for _, kind := range featureKinds {
		m, err := classify.Train(kind, X, y, small(seed))
		if err != nil {
			t.Fatalf("%v: %v", kind, err)
		}
		ms = append(ms, m)
	}
	Xw, yw := windows(rng, 4, 32, 20)
	m, err := classify.Train(classify.KindCNN, Xw, yw, small(seed))
	if err != nil {
		t.Fatalf("cnn: %v", err)
	}
	return append(ms, m)
}

func mustMarshal(t testing.TB, m classify.Model) []byte {
	b, err := classify.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeterminism(t *testing.T) {
	t.Parallel()
	a, b, c := trainAll(t, 7), trainAll(t, 7), trainAll(t, 8)
	for i := range a {
		ba, bb, bc := mustMarshal(t, a[i]), mustMarshal(t, b[i]), mustMarshal(t, c[i])
		if !bytes.Equal(ba, bb) {
			t.Errorf("%v: same seed gave different models", a[i].Kind())
		}
		switch a[i].Kind() {
		case classify.KindForest, classify.KindMLP, classify.KindCNN:
			if bytes.Equal(ba, bc) {
				t.Errorf("%v: seed has no effect", a[i].Kind())
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 3))
	for _, m := range trainAll(t, 1) {
		t.Run(m.Kind().String(), func(t *testing.T) {
			b := mustMarshal(t, m)
			u, err := classify.Unmarshal(b)
			if err != nil {
				t.Fatal(err)
			}
			if u.Kind() != m.Kind() || u.Classes() != m.Classes() || u.Features() != m.Features() || u.NumParams() != m.NumParams() {
				t.Fatalf("decoded %v/%d/%d/%d, want %v/%d/%d/%d", u.Kind(), u.Classes(), u.Features(), u.NumParams(),
					m.Kind(), m.Classes(), m.Features(), m.NumParams())
			}
			if !bytes.Equal(mustMarshal(t, u), b) {
				t.Error("re-encoding differs")
			}
			p, q := make([]float64, m.Classes()), make([]float64, m.Classes())
			x := make([]float64, m.Features())
			for range 200 {
				for j := range x {
					x[j] = 100 * rng.NormFloat64()
				}
				if a, b := m.Predict(p, x), u.Predict(q, x); a != b {
					t.Fatalf("class %d, decoded %d", a, b)
				}
				for c := range p {
					if p[c] != q[c] {
						t.Fatalf("probs %v, decoded %v", p, q)
					}
				}
			}
		})
	}
}

func TestUnmarshalErrors(t *testing.T) {
	t.Parallel()
	good := mustMarshal(t, trainAll(t, 1)[0])
	for _, test := range []struct {
		name string
		b    []byte
	}{
		{"Empty", nil},
		{"Magic", append([]byte("XXXX"), good[4:]...)},
		{"Version", append(append([]byte("MYOC"), 9, 0), good[6:]...)},
		{"Kind", append(append([]byte(nil), good[:6]...), append([]byte{99}, good[7:]...)...)},
		{"Truncated", good[:len(good)-3]},
		{"Trailing", append(append([]byte(nil), good...), 0)},
	} {
		t.Run(test.name, func(t *testing.T) {
			if _, err := classify.Unmarshal(test.b); !errors.Is(err, classify.ErrFormat) {
				t.Errorf("err = %v, want ErrFormat", err)
			}
		})
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, m := range trainAll(f, 1) {
		f.Add(mustMarshal(f, m))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := classify.Unmarshal(b)
		if err != nil {
			return
		}
		// A decoded model must predict without panicking and re-encode
		// to the same bytes.
		x := make([]float64, m.Features())
		p := make([]float64, m.Classes())
		if c := m.Predict(p, x); c < 0 || c >= m.Classes() {
			t.Fatalf("class %d of %d", c, m.Classes())
		}
		if !bytes.Equal(mustMarshal(t, m), b) {
			t.Fatal("re-encoding differs")
		}
	})
}

func TestPredictNoAllocs(t *testing.T) {
	for _, m := range trainAll(t, 1) {
		x := make([]float64, m.Features())
		p := make([]float64, m.Classes())
		if a := testing.AllocsPerRun(100, func() { m.Predict(p, x); m.Predict(nil, x) }); a != 0 {
			t.Errorf("%v: %v allocs per Predict", m.Kind(), a)
		}
	}
}

func TestProbabilities(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 5))
	for _, m := range trainAll(t, 1) {
		p := make([]float64, m.Classes())
		x := make([]float64, m.Features())
		for range 100 {
			for j := range x {
				x[j] = 50 * rng.NormFloat64()
			}
			c := m.Predict(p, x)
			var s float64
			for _, v := range p {
				if v < 0 || v > 1 {
					t.Fatalf("%v: probability %v", m.Kind(), v)
				}
				s += v
			}
			if math.Abs(s-1) > 1e-9 {
				t.Fatalf("%v: probabilities sum to %v", m.Kind(), s)
			}
			for _, v := range p {
				if v > p[c]+1e-12 {
					t.Fatalf("%v: class %d is not the most probable in %v", m.Kind(), c, p)
				}
			}
		}
	}
}

func TestBadTrainingData(t *testing.T) {
	t.Parallel()
	ok := [][]float64{{1, 2}, {2, 3}, {3, 1}, {4, 0}}
	for _, test := range []struct {
		name string
		X    [][]float64
		y    []int
		want error
	}{
		{"Empty", nil, nil, classify.ErrNoData},
		{"NoFeatures", [][]float64{{}, {}}, []int{0, 1}, classify.ErrShape},
		{"LabelCount", ok, []int{0, 1, 0}, classify.ErrShape},
		{"Ragged", [][]float64{{1, 2}, {2}, {3, 1}, {4, 0}}, []int{0, 1, 0, 1}, classify.ErrShape},
		{"NaN", [][]float64{{1, 2}, {math.NaN(), 3}, {3, 1}, {4, 0}}, []int{0, 1, 0, 1}, classify.ErrNotFinite},
		{"Inf", [][]float64{{1, 2}, {2, 3}, {3, math.Inf(-1)}, {4, 0}}, []int{0, 1, 0, 1}, classify.ErrNotFinite},
		{"OneClass", ok, []int{0, 0, 0, 0}, classify.ErrOneClass},
		{"Negative", ok, []int{0, -1, 0, 1}, classify.ErrLabels},
		{"MissingClass", ok, []int{0, 2, 0, 2}, classify.ErrLabels},
	} {
		for _, kind := range append(featureKinds, classify.KindCNN) {
			t.Run(test.name+"/"+kind.String(), func(t *testing.T) {
				cfg := small(1)
				cfg.CNN.Channels = 1
				cfg.CNN.Kernel = 1
				m, err := classify.Train(kind, test.X, test.y, cfg)
				if !errors.Is(err, test.want) {
					t.Fatalf("err = %v, want %v", err, test.want)
				}
				if m != nil {
					t.Error("model returned with an error")
				}
				if !strings.HasPrefix(err.Error(), "classify: ") {
					t.Errorf("message %q lacks the package prefix", err)
				}
			})
		}
	}
}

func TestPredictPanics(t *testing.T) {
	t.Parallel()
	m := trainAll(t, 1)[0]
	for _, test := range []struct {
		name     string
		probs, x []float64
	}{
		{"ShortX", nil, make([]float64, m.Features()-1)},
		{"LongProbs", make([]float64, m.Classes()+1), make([]float64, m.Features())},
	} {
		t.Run(test.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil {
					t.Error("no panic")
				}
			}()
			m.Predict(test.probs, test.x)
		})
	}
}

func TestLDALedoitWolf(t *testing.T) {
	t.Parallel()
	// On a non-spherical covariance the Ledoit–Wolf intensity falls as
	// samples grow relative to dimensions.
	rng := rand.New(rand.NewPCG(1, 1))
	prev := 2.0
	for _, per := range []int{10, 100, 2000} {
		X, y := correlated(rng, 32, per, 2)
		m, err := classify.TrainLDA(X, y, classify.LDAConfig{})
		if err != nil {
			t.Fatal(err)
		}
		s := m.Shrinkage()
		if s < 0 || s > 1 || s >= prev {
			t.Errorf("%d rows/class: shrinkage %v (previous %v)", per, s, prev)
		}
		prev = s
	}
}

func TestParseKind(t *testing.T) {
	t.Parallel()
	for k := classify.KindLDA; k <= classify.KindCNN; k++ {
		got, err := classify.ParseKind(strings.ToUpper(k.String()))
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k, got, err)
		}
	}
	if _, err := classify.ParseKind("tree"); err == nil {
		t.Error("unknown name accepted")
	}
}
