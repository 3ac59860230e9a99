package edf

import "testing"

func TestUnitUV(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		dim string
		uv  float64
		ok  bool
	}{
		{"uV", 1, true}, {"µV", 1, true}, {"μV", 1, true}, {"mV", 1e3, true}, {"V", 1e6, true}, {"nV", 1e-3, true},
		{"adu", 1, false}, {"", 1, false}, {"%", 1, false}, {"UV", 1, false},
	} {
		uv, ok := UnitUV(test.dim)
		if uv != test.uv || ok != test.ok {
			t.Errorf("UnitUV(%q) = %v, %v; want %v, %v", test.dim, uv, ok, test.uv, test.ok)
		}
	}
}

func TestPadding(t *testing.T) {
	t.Parallel()
	// Two signals, 4 samples per record, 2 records.
	file := func(a, b []int32) *File {
		s := Signal{Label: "EMG", SamplesPerRecord: 4}
		ann := Signal{Label: "EDF Annotations", SamplesPerRecord: 4}
		return &File{Header: Header{Records: 2, Signals: []Signal{s, ann, s}}, Samples: [][]int32{a, nil, b}}
	}
	for _, test := range []struct {
		name string
		a, b []int32
		sigs []int
		want int
	}{
		{"NoRepeat", []int32{0, 1, 2, 3, 4, 5, 6, 7}, []int32{0, 1, 2, 3, 4, 5, 6, 7}, []int{0, 2}, 0},
		{"Padded3", []int32{0, 1, 2, 3, 4, 5, 5, 5}, []int32{0, 1, 2, 3, 4, 9, 9, 9}, []int{0, 2}, 2},
		{"WholeLastRecordRepeats", []int32{0, 1, 2, 3, 5, 5, 5, 5}, []int32{0, 1, 2, 3, 9, 9, 9, 9}, []int{0, 2}, 3},
		{"RunCrossesRecords", []int32{0, 1, 5, 5, 5, 5, 5, 5}, []int32{0, 1, 2, 3, 4, 4, 4, 4}, []int{0, 2}, 3},
		{"OneSignalNotRepeating", []int32{0, 1, 2, 3, 4, 5, 5, 5}, []int32{0, 1, 2, 3, 4, 5, 6, 7}, []int{0, 2}, 0},
		{"ShorterRunWins", []int32{0, 1, 2, 3, 5, 5, 5, 5}, []int32{0, 1, 2, 3, 4, 5, 9, 9}, []int{0, 2}, 1},
		{"OneSignal", []int32{0, 1, 2, 3, 4, 5, 5, 5}, []int32{0, 1, 2, 3, 4, 5, 6, 7}, []int{0}, 2},
		{"NoSignals", []int32{0, 1, 2, 3, 4, 5, 5, 5}, []int32{0, 1, 2, 3, 4, 5, 5, 5}, nil, 0},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := file(test.a, test.b).Padding(test.sigs...); got != test.want {
				t.Errorf("Padding = %d, want %d", got, test.want)
			}
		})
	}
	if got := (&File{Header: Header{Signals: []Signal{{Label: "EMG", SamplesPerRecord: 4}}}, Samples: [][]int32{nil}}).Padding(0); got != 0 {
		t.Errorf("no records: Padding = %d", got)
	}
}

func TestPaddingPanics(t *testing.T) {
	t.Parallel()
	f := &File{Header: Header{Records: 1, Signals: []Signal{
		{Label: "EMG", SamplesPerRecord: 4}, {Label: "EDF Annotations", SamplesPerRecord: 4}, {Label: "EMG", SamplesPerRecord: 2},
	}}, Samples: [][]int32{make([]int32, 4), nil, make([]int32, 2)}}
	for _, test := range []struct {
		name string
		sigs []int
	}{
		{"Annotation", []int{0, 1}},
		{"MixedRates", []int{0, 2}},
	} {
		t.Run(test.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f.Padding(test.sigs...)
		})
	}
}

func TestChannelName(t *testing.T) {
	for _, tc := range []struct{ label, want string }{
		{"EMG FDS", "FDS"},
		{"EMG Ch 1  ", "Ch 1"},
		{"FDS", "FDS"},
		{"EMG", "EMG"},
		{"EMG ", "EMG"},
		{"EMGX", "EMGX"},
		{"EMG 3", "EMG 3"},
		{"ECG I", "ECG I"},
	} {
		if got := ChannelName(tc.label); got != tc.want {
			t.Errorf("ChannelName(%q) = %q, want %q", tc.label, got, tc.want)
		}
	}
}
