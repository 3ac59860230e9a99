package classify_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"myorehab/processing/classify"
)

func TestNewLDAFromNetwork(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	X, y, _ := blobs(rng, 4, 6, 50, 2)
	m, err := classify.TrainLDA(X, y, classify.LDAConfig{})
	if err != nil {
		t.Fatal(err)
	}
	n := m.Network()
	c, err := classify.NewLDAFromNetwork(n, m.Shrinkage())
	if err != nil {
		t.Fatal(err)
	}
	p1, p2 := make([]float64, 4), make([]float64, 4)
	for i, x := range X {
		if a, b := m.Predict(p1, x), c.Predict(p2, x); a != b || !slices.Equal(p1, p2) {
			t.Fatalf("row %d: %d %v against %d %v", i, a, p1, b, p2)
		}
	}
	c.Predict(p1, X[0])
	n.Layers[0].W[0] += 100 // the source changes afterwards: c holds a copy
	n.Mean[0] += 100
	if c.Predict(p2, X[0]); !slices.Equal(p1, p2) {
		t.Errorf("changing the network changed the LDA: %v, then %v", p1, p2)
	}
	if c.Shrinkage() != m.Shrinkage() || c.Classes() != 4 || c.Features() != 6 {
		t.Errorf("shrinkage %v, %d classes, %d features", c.Shrinkage(), c.Classes(), c.Features())
	}
	b, err := classify.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := classify.Unmarshal(b); err != nil {
		t.Error(err)
	}
	bad := m.Network()
	bad.Layers = append(bad.Layers, bad.Layers[0])
	if _, err := classify.NewLDAFromNetwork(bad, 0); err == nil {
		t.Error("two layers accepted")
	}
	bad = m.Network()
	bad.Mean = bad.Mean[:3]
	if _, err := classify.NewLDAFromNetwork(bad, 0); err == nil {
		t.Error("short mean accepted")
	}
}
