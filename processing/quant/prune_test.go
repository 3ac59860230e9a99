package quant_test

import (
	"math/rand/v2"
	"testing"

	"myorehab/processing/classify"
	"myorehab/processing/quant"
)

func accuracy(m interface{ Predict(p, x []float64) int }, X [][]float64, y []int) float64 {
	ok := 0
	for i, x := range X {
		if m.Predict(nil, x) == y[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(X))
}

func TestPrune(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	X, y := blobs(rng, 6, 16, 100)
	Xt, yt := blobs(rng, 6, 16, 200)
	// Global pruning strips the wide first layer less than the small
	// output layer needs, so it is checked at a lower sparsity.
	for _, test := range []struct {
		perLayer bool
		sparsity float64
	}{{false, 0.6}, {true, 0.8}} {
		perLayer, sparsity := test.perLayer, test.sparsity
		m, err := classify.TrainMLP(X, y, classify.MLPConfig{Hidden: []int{64}, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		before := accuracy(m, Xt, yt)
		tuned := false
		keep, err := quant.Prune(m.Network(), quant.PruneConfig{Sparsity: sparsity, PerLayer: perLayer,
			FineTune: func(keep [][]bool) error {
				tuned = true
				return m.FineTune(X, y, keep, classify.MLPConfig{Epochs: 30, Seed: 2})
			}})
		if err != nil {
			t.Fatal(err)
		}
		if !tuned {
			t.Error("fine-tune hook not called")
		}
		net := m.Network()
		if s := quant.Sparsity(net); s < sparsity-0.01 || s > sparsity+0.01 {
			t.Errorf("perLayer=%v: sparsity %.3f after fine-tuning, want %v", perLayer, s, sparsity)
		}
		for l, k := range keep {
			kept := 0
			for i, ok := range k {
				if ok {
					kept++
				} else if net.Layers[l].W[i] != 0 {
					t.Fatalf("pruned weight %d/%d is %v", l, i, net.Layers[l].W[i])
				}
			}
			if perLayer {
				if want := len(k) - int(sparsity*float64(len(k))); kept != want {
					t.Errorf("layer %d keeps %d, want %d", l, kept, want)
				}
			}
		}
		after := accuracy(m, Xt, yt)
		t.Logf("perLayer=%v: accuracy %.3f → %.3f at sparsity %v", perLayer, before, after, sparsity)
		if after < before-0.03 {
			t.Errorf("perLayer=%v: accuracy fell from %.3f to %.3f", perLayer, before, after)
		}
	}
	if _, err := quant.Prune(classify.Network{}, quant.PruneConfig{Sparsity: 1}); err == nil {
		t.Error("sparsity 1 accepted")
	}
}

// TestPruneGlobalOrder checks that global pruning removes exactly the
// smallest magnitudes across layers.
func TestPruneGlobalOrder(t *testing.T) {
	t.Parallel()
	net := classify.Network{Layers: []classify.Layer{
		{In: 2, Out: 2, W: []float64{0.1, -5, 3, -0.2}, B: []float64{0, 0}},
		{In: 2, Out: 1, W: []float64{-0.15, 4}, B: []float64{0}},
	}}
	if _, err := quant.Prune(net, quant.PruneConfig{Sparsity: 0.5}); err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{0, -5, 3, 0}, {0, 4}}
	for l, w := range want {
		for i, v := range w {
			if net.Layers[l].W[i] != v {
				t.Fatalf("layer %d: %v, want %v", l, net.Layers[l].W, w)
			}
		}
	}
}

func TestDistill(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(2, 2))
	X, y := xor(rng, 600)
	Xt, yt := xor(rng, 1000)
	teacher, err := classify.TrainForest(X, y, classify.ForestConfig{Trees: 50, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	student, err := quant.Distill(teacher, X, y, quant.DistillConfig{HardWeight: 0.2,
		Student: classify.MLPConfig{Hidden: []int{8}, Seed: 1, LearningRate: 1e-2}})
	if err != nil {
		t.Fatal(err)
	}
	ta, sa := accuracy(teacher, Xt, yt), accuracy(student, Xt, yt)
	agree := 0
	for _, x := range Xt {
		if teacher.Predict(nil, x) == student.Predict(nil, x) {
			agree++
		}
	}
	t.Logf("teacher %.3f (%d params), student %.3f (%d params), agreement %.3f",
		ta, teacher.NumParams(), sa, student.NumParams(), float64(agree)/float64(len(Xt)))
	if sa < 0.9 || sa < ta-0.03 {
		t.Errorf("student accuracy %.3f, teacher %.3f", sa, ta)
	}
	if student.NumParams()*10 > teacher.NumParams() {
		t.Errorf("student (%d params) is not much smaller than teacher (%d)", student.NumParams(), teacher.NumParams())
	}
	// The distilled student quantises like any MLP.
	qm, err := quant.Quantize(student.Network(), X)
	if err != nil {
		t.Fatal(err)
	}
	if qa := accuracy(qm, Xt, yt); qa < sa-0.01 {
		t.Errorf("INT8 student %.3f vs float %.3f", qa, sa)
	}
	for _, bad := range []quant.DistillConfig{{Temperature: -1}, {HardWeight: 2}} {
		if _, err := quant.Distill(teacher, X, y, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if _, err := quant.Distill(teacher, X, y[:3], quant.DistillConfig{}); err == nil {
		t.Error("label count mismatch accepted")
	}
}
