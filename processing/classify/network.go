package classify

// Layer is one dense layer: out = W·in + B, with W row-major Out×In.
type Layer struct {
	In, Out int
	W       []float64 // len Out·In; W[o*In+i]
	B       []float64 // len Out
}

// Network is the float computation of a feed-forward model: the input x is
// standardised, z = (x − Mean)·InvStd, then passed through Layers with ReLU
// between consecutive layers (not after the last). The last layer's outputs
// are the logits; the class probabilities are softmax(logits/Temperature)
// and the class is the argmax of the logits.
//
// The slices alias the model's parameters: modifying them (pruning)
// modifies the model.
type Network struct {
	Mean, InvStd []float64
	Layers       []Layer
	Temperature  float64
}

// Networker is implemented by models whose computation is a Network
// (LDA, LinearSVM, MLP).
type Networker interface {
	Model
	Network() Network
}

// Forward writes the logits of x into dst (len = last layer's Out) using
// scratch buffers (each at least the widest layer; allocated when nil) and
// returns dst. It allocates only when dst or a scratch buffer is nil.
func (n Network) Forward(dst, x []float64, s1, s2 []float64) []float64 {
	if len(x) != len(n.Mean) {
		panic("classify: x length mismatch")
	}
	last := n.Layers[len(n.Layers)-1]
	if dst == nil {
		dst = make([]float64, last.Out)
	}
	if len(dst) != last.Out {
		panic("classify: dst length mismatch")
	}
	w := len(x)
	for _, l := range n.Layers {
		w = max(w, l.Out)
	}
	if s1 == nil {
		s1 = make([]float64, w)
	}
	if s2 == nil {
		s2 = make([]float64, w)
	}
	for j, v := range x {
		s1[j] = (v - n.Mean[j]) * n.InvStd[j]
	}
	in := s1[:len(x)]
	for li, l := range n.Layers {
		out := s2[:l.Out]
		if li == len(n.Layers)-1 {
			out = dst
		}
		dense(out, l.W, l.B, in)
		if li < len(n.Layers)-1 {
			for i, v := range out {
				if v < 0 {
					out[i] = 0
				}
			}
		}
		in = out
		s1, s2 = s2, s1
	}
	return dst
}

// dense computes out = W·in + b.
func dense(out, w, b, in []float64) {
	n := len(in)
	for o := range out {
		row := w[o*n : (o+1)*n : (o+1)*n]
		s := b[o]
		for i, v := range in {
			s += row[i] * v
		}
		out[o] = s
	}
}
