package quant_test

import (
	"math/rand/v2"
	"testing"

	"myorehab/processing/classify"
	"myorehab/processing/quant"
)

// BenchmarkInfer compares float Predict with INT8 Infer for 32 features and
// 6 classes; model_bytes is the encoded size.
func BenchmarkInfer(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	X, y := blobs(rng, 6, 32, 100)
	for _, fm := range models(b, X, y) {
		qm, err := quant.Quantize(fm.Network(), X)
		if err != nil {
			b.Fatal(err)
		}
		fb, _ := classify.Marshal(fm)
		p := make([]float64, qm.Classes)
		b.Run(name(fm)+"/float", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				fm.Predict(p, X[0])
			}
			b.ReportMetric(float64(len(fb)), "model_bytes")
		})
		b.Run(name(fm)+"/int8", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				qm.Infer(p, X[0])
			}
			b.ReportMetric(float64(qm.SizeBytes()), "model_bytes")
		})
	}
}
