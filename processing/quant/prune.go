package quant

import (
	"fmt"
	"math"
	"slices"

	"myorehab/processing/classify"
)

// PruneConfig configures Prune.
type PruneConfig struct {
	// Sparsity is the fraction of weights (not biases) set to zero, in
	// [0, 1).
	Sparsity float64
	// PerLayer prunes that fraction of every layer; otherwise one global
	// magnitude threshold applies to all layers.
	PerLayer bool
	// FineTune, if not nil, is called after pruning with the keep masks
	// (one per layer, true = kept), e.g. a closure around
	// (*classify.MLP).FineTune. It must keep pruned weights at zero.
	FineTune func(keep [][]bool) error
}

// Prune zeroes the smallest-magnitude weights of net in place (net's
// slices alias the model's parameters), then runs the fine-tuning hook,
// and returns the keep masks. Ties in magnitude are broken by layer and
// index, so the result is deterministic.
func Prune(net classify.Network, cfg PruneConfig) ([][]bool, error) {
	if !(cfg.Sparsity >= 0 && cfg.Sparsity < 1) {
		return nil, fmt.Errorf("quant: sparsity %v outside [0, 1)", cfg.Sparsity)
	}
	type ref struct {
		mag      float64
		layer, i int
	}
	keep := make([][]bool, len(net.Layers))
	var groups [][]ref
	var all []ref
	for l, layer := range net.Layers {
		keep[l] = make([]bool, len(layer.W))
		var g []ref
		for i, w := range layer.W {
			keep[l][i] = true
			g = append(g, ref{math.Abs(w), l, i})
		}
		if cfg.PerLayer {
			groups = append(groups, g)
		} else {
			all = append(all, g...)
		}
	}
	if !cfg.PerLayer {
		groups = [][]ref{all}
	}
	for _, g := range groups {
		slices.SortFunc(g, func(a, b ref) int {
			switch {
			case a.mag < b.mag:
				return -1
			case a.mag > b.mag:
				return 1
			case a.layer != b.layer:
				return a.layer - b.layer
			}
			return a.i - b.i
		})
		for _, r := range g[:int(cfg.Sparsity*float64(len(g)))] {
			keep[r.layer][r.i] = false
			net.Layers[r.layer].W[r.i] = 0
		}
	}
	if cfg.FineTune != nil {
		if err := cfg.FineTune(keep); err != nil {
			return nil, fmt.Errorf("quant: fine-tune after pruning: %w", err)
		}
	}
	return keep, nil
}

// Sparsity returns the fraction of zero weights (not biases) of net.
func Sparsity(net classify.Network) float64 {
	var zero, n int
	for _, l := range net.Layers {
		for _, w := range l.W {
			if w == 0 {
				zero++
			}
		}
		n += len(l.W)
	}
	if n == 0 {
		return 0
	}
	return float64(zero) / float64(n)
}

// DistillConfig configures Distill.
type DistillConfig struct {
	// Temperature T softens the teacher: targets ∝ p_teacher^(1/T), the
	// student is trained on softmax(logits/T); 0 selects 4.
	Temperature float64
	// HardWeight α mixes in the true labels: target = α·onehot(y) +
	// (1−α)·soft, in [0, 1]; ignored when y is nil.
	HardWeight float64
	// Student configures the student MLP (e.g. Hidden: []int{16}).
	Student classify.MLPConfig
}

// Distill trains a small student MLP to mimic teacher (any classify.Model,
// e.g. a forest or an RBF SVM) on the rows X: knowledge distillation
// (Hinton et al., 2015) with the teacher's probabilities softened at
// temperature T. y (optional, may be nil) supplies hard labels mixed in
// with HardWeight. The student predicts at temperature 1.
func Distill(teacher classify.Model, X [][]float64, y []int, cfg DistillConfig) (*classify.MLP, error) {
	t := cfg.Temperature
	if t == 0 {
		t = 4
	}
	if !(t > 0) || math.IsInf(t, 0) || !(cfg.HardWeight >= 0 && cfg.HardWeight <= 1) {
		return nil, fmt.Errorf("quant: distillation temperature %v / hard weight %v invalid", cfg.Temperature, cfg.HardWeight)
	}
	if y != nil && len(y) != len(X) {
		return nil, fmt.Errorf("quant: %d rows but %d labels", len(X), len(y))
	}
	k := teacher.Classes()
	targets := make([][]float64, len(X))
	p := make([]float64, k)
	for i, x := range X {
		if len(x) != teacher.Features() {
			return nil, fmt.Errorf("quant: row %d has %d features, teacher takes %d", i, len(x), teacher.Features())
		}
		teacher.Predict(p, x)
		row := make([]float64, k)
		var s float64
		for c, v := range p {
			row[c] = math.Pow(v+1e-6, 1/t)
			s += row[c]
		}
		for c := range row {
			row[c] /= s
			if y != nil {
				row[c] *= 1 - cfg.HardWeight
			}
		}
		if y != nil {
			if y[i] < 0 || y[i] >= k {
				return nil, fmt.Errorf("quant: label %d of row %d outside [0, %d)", y[i], i, k)
			}
			row[y[i]] += cfg.HardWeight
		}
		targets[i] = row
	}
	m, err := classify.TrainMLPSoft(X, targets, t, cfg.Student)
	if err != nil {
		return nil, fmt.Errorf("quant: distil: %w", err)
	}
	return m, nil
}
