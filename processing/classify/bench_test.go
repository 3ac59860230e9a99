package classify_test

import (
	"math/rand/v2"
	"testing"

	"myorehab/processing/classify"
)

// BenchmarkPredict measures one prediction with probabilities for 8
// channels × 4 TD features (32 features) and 6 classes (the CNN: one raw
// 8 × 200-sample window), 100 training rows per class; model_bytes is the
// encoded size.
func BenchmarkPredict(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	X, y, _ := blobs(rng, 6, 32, 100, 3)
	cfg := classify.Config{Seed: 1}
	for _, kind := range append(featureKinds, classify.KindCNN) {
		b.Run(kind.String(), func(b *testing.B) {
			var m classify.Model
			var err error
			if kind == classify.KindCNN {
				Xw, yw := windows(rng, 6, 200, 10)
				Xw8 := make([][]float64, len(Xw))
				for i, x := range Xw { // 8 channels: repeat the 4
					Xw8[i] = append(append([]float64(nil), x...), x...)
				}
				c := cfg
				c.CNN = classify.CNNConfig{Channels: 8, Epochs: 2}
				m, err = classify.Train(kind, Xw8, yw, c)
			} else {
				m, err = classify.Train(kind, X, y, cfg)
			}
			if err != nil {
				b.Fatal(err)
			}
			buf, _ := classify.Marshal(m)
			x := make([]float64, m.Features())
			for j := range x {
				x[j] = rng.NormFloat64()
			}
			p := make([]float64, m.Classes())
			b.ReportAllocs()
			for b.Loop() {
				m.Predict(p, x)
			}
			b.ReportMetric(float64(len(buf)), "model_bytes")
		})
	}
}

func BenchmarkTrainLDA(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	X, y, _ := blobs(rng, 6, 32, 300, 3)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := classify.TrainLDA(X, y, classify.LDAConfig{}); err != nil {
			b.Fatal(err)
		}
	}
}
