package transfer

import (
	"bytes"
	"errors"
	"testing"

	"myorehab/storage/edf"
)

// FuzzDecodeRecording checks that DecodeRecording never panics, refuses
// with ErrNotRecording, and that an accepted recording fits one session:
// signals of one rate, at least one record, records placed in order
// without overlap, less than one record of padding, every annotation at a
// sample ≥ 0.
func FuzzDecodeRecording(f *testing.F) {
	f.Add(discontinuous(f))
	f.Add(edfBytes(f, edf.WriterConfig{Format: edf.BDF, RateHz: 10, Signals: signals(2, edf.BDF, 0.5, "uV")},
		ramp(2, 25, 3), []edf.Annotation{{Onset: 0.3, Duration: 0.5, Text: "fist"}, {Onset: 9, Text: "late"}}))
	f.Add(edfBytes(f, edf.WriterConfig{RateHz: 7, Signals: signals(1, edf.EDF, 2, "adu")}, ramp(1, 7, 1), nil))
	f.Add(edfBytes(f, edf.WriterConfig{RateHz: 10, Signals: signals(1, edf.EDF, 1, "adu")}, ramp(1, 13, 1),
		[]edf.Annotation{{Onset: 1.3, Text: EndMarker}, {Onset: 0.2, Text: "grip"}})) // our export's end marker
	f.Add([]byte("0       not an edf file"))
	f.Fuzz(func(t *testing.T, in []byte) {
		rec, err := DecodeRecording(bytes.NewReader(in), int64(len(in)), "fuzz.edf")
		if err != nil {
			if rec != nil || !errors.Is(err, ErrNotRecording) {
				t.Fatalf("recording %v, error %v (want nil and ErrNotRecording)", rec, err)
			}
			return
		}
		f := rec.File
		if len(rec.Signals) == 0 || !(rec.RateHz > 0) || f.Records == 0 {
			t.Fatalf("accepted %d signals at %v Hz", len(rec.Signals), rec.RateHz)
		}
		spr := f.Signals[rec.Signals[0]].SamplesPerRecord
		for _, i := range rec.Signals {
			if f.Signals[i].IsAnnotation() || f.Signals[i].SamplesPerRecord != spr || len(f.Samples[i]) != f.Records*spr {
				t.Fatalf("signal %d: %+v with %d samples", i, f.Signals[i], len(f.Samples[i]))
			}
		}
		if len(rec.recStart) != f.Records || len(rec.annSample) != len(f.Annotations) {
			t.Fatalf("%d record starts for %d records, %d annotation samples for %d", len(rec.recStart), f.Records, len(rec.annSample), len(f.Annotations))
		}
		var end int64
		for r, s := range rec.recStart {
			if s < end {
				t.Fatalf("record %d at sample %d overlaps the previous one (ends %d)", r, s, end)
			}
			end = s + int64(spr)
		}
		if rec.pad < 0 || rec.pad >= spr || end-int64(rec.pad) != rec.end {
			t.Fatalf("end %d with %d padding samples, want %d less the padding", rec.end, rec.pad, end)
		}
		for k, s := range rec.annSample {
			if s < 0 {
				t.Fatalf("annotation %d at sample %d", k, s)
			}
		}
		if p := PaddingOf(f, rec.Signals...); p < 0 || p >= spr {
			t.Fatalf("PaddingOf %d with %d samples per record", p, spr)
		}
	})
}
