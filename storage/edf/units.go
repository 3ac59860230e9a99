package edf

// UnitUV returns how many microvolts one unit of the physical dimension dim
// is ("uV", "µV", "μV": 1; "mV": 1000; "V": 1e6; "nV": 0.001), or 1 and
// ok = false for a dimension that is not a voltage ("adu", blank, "%").
func UnitUV(dim string) (uv float64, ok bool) {
	switch dim {
	case "uV", "µV", "μV":
		return 1, true
	case "mV":
		return 1e3, true
	case "V":
		return 1e6, true
	case "nV":
		return 1e-3, true
	}
	return 1, false
}

// Padding returns how many samples at the end of the ordinary signals sigs
// (indices into Signals, all with the same SamplesPerRecord) fill the last
// data record rather than record anything.
//
// Writers (EDFlib, Writer, the files in ../shared/data) pad the last record
// by repeating each signal's final sample, and the file does not say how
// many samples are valid. Padding counts the run of samples equal to the
// final one in every signal of sigs, within the last record, less the
// run's first sample; so it is at most SamplesPerRecord−1. A recording
// whose genuine last samples repeat in every signal loses those repeats.
// It returns 0 when sigs is empty or the file has no records. It panics if
// a signal of sigs is an annotation signal or the signals' samples per
// record differ.
func (f *File) Padding(sigs ...int) int {
	if len(sigs) == 0 || f.Records == 0 {
		return 0
	}
	spr := f.Signals[sigs[0]].SamplesPerRecord
	for _, i := range sigs {
		if f.Signals[i].IsAnnotation() {
			panic("edf: Padding of an annotation signal")
		}
		if f.Signals[i].SamplesPerRecord != spr {
			panic("edf: Padding of signals with different samples per record")
		}
	}
	n := f.Records * spr
	keep := max(n-spr+1, 1)
	for _, i := range sigs {
		x := f.Samples[i]
		k := n - 1
		for k >= keep && x[k-1] == x[n-1] {
			k--
		}
		keep = max(keep, k+1)
	}
	return n - keep
}
