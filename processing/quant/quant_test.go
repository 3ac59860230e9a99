package quant_test

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"myorehab/processing/classify"
	"myorehab/processing/quant"
)

// blobs draws perClass rows of k unit-variance Gaussian classes in d
// dimensions (means 2.5·e_c), each feature scaled and offset like raw EMG
// features.
func blobs(rng *rand.Rand, k, d, perClass int) (X [][]float64, y []int) {
	for range perClass {
		for c := range k {
			x := make([]float64, d)
			for j := range x {
				v := rng.NormFloat64()
				if j == c%d {
					v += 2.5
				}
				x[j] = v*float64(1+5*j) + 50*float64(j)
			}
			X = append(X, x)
			y = append(y, c)
		}
	}
	return X, y
}

// xor draws the 2-D XOR problem with two irrelevant features.
func xor(rng *rand.Rand, n int) (X [][]float64, y []int) {
	for i := range n {
		a, b := float64(2*(i%2)-1), float64(2*((i/2)%2)-1)
		X = append(X, []float64{a + 0.35*rng.NormFloat64(), b + 0.35*rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()})
		y = append(y, int(max(0, -a*b)))
	}
	return X, y
}

type floatModel interface {
	classify.Networker
}

func models(t testing.TB, X [][]float64, y []int) []floatModel {
	lda, err := classify.TrainLDA(X, y, classify.LDAConfig{})
	if err != nil {
		t.Fatal(err)
	}
	svm, err := classify.TrainLinearSVM(X, y, classify.LinearSVMConfig{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	mlp1, err := classify.TrainMLP(X, y, classify.MLPConfig{Hidden: []int{32}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	mlp2, err := classify.TrainMLP(X, y, classify.MLPConfig{Hidden: []int{32, 16}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return []floatModel{lda, svm, mlp1, mlp2}
}

func name(m floatModel) string {
	return m.Kind().String() + "/" + string(rune('0'+len(m.Network().Layers)))
}

// TestAgreement checks INT8 against float on held-out data: argmax
// agreement ≥ 99 % and logits within 3 % of the float logits' range
// (max − min over the test set).
func TestAgreement(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	X, y := blobs(rng, 6, 32, 150)
	Xt, _ := blobs(rng, 6, 32, 300)
	for _, fm := range models(t, X, y) {
		t.Run(name(fm), func(t *testing.T) {
			qm, err := quant.Quantize(fm.Network(), X)
			if err != nil {
				t.Fatal(err)
			}
			net := fm.Network()
			lf, lq := make([]float64, qm.Classes), make([]float64, qm.Classes)
			agree := 0
			var maxErr, lo, hi float64
			lo, hi = math.Inf(1), math.Inf(-1)
			for _, x := range Xt {
				net.Forward(lf, x, nil, nil)
				if qm.Infer(lq, x) == fm.Predict(nil, x) {
					agree++
				}
				for c := range lf {
					maxErr = max(maxErr, math.Abs(lf[c]-lq[c]))
					lo, hi = min(lo, lf[c]), max(hi, lf[c])
				}
			}
			rate := float64(agree) / float64(len(Xt))
			rel := maxErr / (hi - lo)
			t.Logf("agreement %.4f, max logit error %.4f (%.2f %% of range %.1f)", rate, maxErr, 100*rel, hi-lo)
			if rate < 0.99 {
				t.Errorf("argmax agreement %.4f < 0.99", rate)
			}
			if rel > 0.03 {
				t.Errorf("max logit error %.4f is %.2f %% of the range", maxErr, 100*rel)
			}
		})
	}
}

func TestSizeRatio(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(2, 2))
	X, y := blobs(rng, 6, 32, 50)
	for _, fm := range models(t, X, y) {
		qm, err := quant.Quantize(fm.Network(), X)
		if err != nil {
			t.Fatal(err)
		}
		fb, _ := fm.MarshalBinary()
		qb, _ := qm.MarshalBinary()
		if len(qb) != qm.SizeBytes() {
			t.Errorf("%s: SizeBytes %d, encoded %d", name(fm), qm.SizeBytes(), len(qb))
		}
		ratio := float64(len(fb)) / float64(len(qb))
		t.Logf("%s: float %d B, int8 %d B, ratio %.2f", name(fm), len(fb), len(qb), ratio)
		if ratio < 3.5 {
			t.Errorf("%s: size ratio %.2f < 3.5", name(fm), ratio)
		}
	}
}

func TestRoundTripAndDeterminism(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 3))
	X, y := blobs(rng, 4, 8, 50)
	for _, fm := range models(t, X, y) {
		a, err := quant.Quantize(fm.Network(), X)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := quant.Quantize(fm.Network(), X)
		ba, _ := a.MarshalBinary()
		bb, _ := b.MarshalBinary()
		if !bytes.Equal(ba, bb) {
			t.Fatalf("%s: quantisation not deterministic", name(fm))
		}
		u, err := quant.Unmarshal(ba)
		if err != nil {
			t.Fatal(err)
		}
		bu, _ := u.MarshalBinary()
		if !bytes.Equal(bu, ba) {
			t.Fatalf("%s: re-encoding differs", name(fm))
		}
		p, q := make([]float64, a.Classes), make([]float64, a.Classes)
		for _, x := range X {
			if a.Predict(p, x) != u.Predict(q, x) {
				t.Fatalf("%s: decoded model predicts differently", name(fm))
			}
			for c := range p {
				if p[c] != q[c] {
					t.Fatalf("%s: probs %v vs %v", name(fm), p, q)
				}
			}
		}
	}
}

func TestNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	X, y := blobs(rng, 4, 8, 30)
	for _, fm := range models(t, X, y) {
		qm, err := quant.Quantize(fm.Network(), X)
		if err != nil {
			t.Fatal(err)
		}
		l, p := make([]float64, qm.Classes), make([]float64, qm.Classes)
		if a := testing.AllocsPerRun(100, func() { qm.Infer(l, X[0]); qm.Predict(p, X[1]) }); a != 0 {
			t.Errorf("%s: %v allocs", name(fm), a)
		}
	}
}

func TestQuantizeErrors(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 5))
	X, y := blobs(rng, 3, 4, 20)
	lda, err := classify.TrainLDA(X, y, classify.LDAConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		name  string
		net   classify.Network
		calib [][]float64
	}{
		{"NoCalibration", lda.Network(), nil},
		{"ShortRow", lda.Network(), [][]float64{{1, 2, 3}}},
		{"NaN", lda.Network(), [][]float64{{1, 2, math.NaN(), 4}}},
		{"NoLayers", classify.Network{Mean: []float64{0}, InvStd: []float64{1}}, X},
	} {
		if _, err := quant.Quantize(test.net, test.calib); err == nil {
			t.Errorf("%s: no error", test.name)
		}
	}
}

func TestUnmarshalErrors(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 5))
	X, y := blobs(rng, 3, 4, 20)
	lda, _ := classify.TrainLDA(X, y, classify.LDAConfig{})
	qm, _ := quant.Quantize(lda.Network(), X)
	good, _ := qm.MarshalBinary()
	for _, b := range [][]byte{nil, good[:5], good[:len(good)-1], append(append([]byte(nil), good...), 0), append([]byte("MYOC"), good[4:]...)} {
		if _, err := quant.Unmarshal(b); !errors.Is(err, quant.ErrFormat) {
			t.Errorf("len %d: err = %v", len(b), err)
		}
	}
}

func FuzzUnmarshal(f *testing.F) {
	rng := rand.New(rand.NewPCG(6, 6))
	X, y := blobs(rng, 3, 4, 20)
	for _, fm := range models(f, X, y) {
		qm, _ := quant.Quantize(fm.Network(), X)
		b, _ := qm.MarshalBinary()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := quant.Unmarshal(b)
		if err != nil {
			return
		}
		x := make([]float64, m.In)
		if c := m.Infer(nil, x); c < 0 || c >= m.Classes {
			t.Fatalf("class %d of %d", c, m.Classes)
		}
		if e, _ := m.MarshalBinary(); !bytes.Equal(e, b) {
			t.Fatal("re-encoding differs")
		}
	})
}
