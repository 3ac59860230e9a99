package device

import (
	"fmt"
	"math"
	"path/filepath"

	"myorehab/acquisition"
	"myorehab/acquisition/replay"
	"myorehab/storage/edf"
)

// openReplay plays an EDF+/BDF+ recording (path) as a live source at 1×
// speed, so a therapist can review and a developer can test without
// hardware.
func openReplay(path string) (acquisition.Source, error) {
	if path == "" {
		return nil, fmt.Errorf("type the path of the EDF+ or BDF+ recording to replay in the port field")
	}
	rec, err := ReplayRecording(path)
	if err != nil {
		return nil, err
	}
	return replay.New(*rec, replay.Config{})
}

// ReplayRecording reads an EDF+/BDF+ file into a replay.Recording: the
// signals other than annotations (one shared rate), raw counts with their
// µV scale, and the annotations at their sample onsets.
func ReplayRecording(path string) (*replay.Recording, error) {
	f, err := edf.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rec := &replay.Recording{
		Device:         "Replay of " + filepath.Base(path),
		ResolutionBits: 8 * f.Format.BytesPerSample(),
	}
	first := -1
	for i := range f.Signals {
		sig := &f.Signals[i]
		if sig.IsAnnotation() {
			continue
		}
		if first < 0 {
			first = i
			rec.SampleRateHz = f.SampleRateHz(i)
		} else if sig.SamplesPerRecord != f.Signals[first].SamplesPerRecord {
			return nil, fmt.Errorf("%s: signals %q and %q have different rates; replay needs one rate", path, f.Signals[first].Label, sig.Label)
		}
		uv, _ := edf.UnitUV(sig.PhysicalDim) // non-voltage units play as if µV
		rec.Raw = append(rec.Raw, f.Samples[i])
		rec.ScaleUV = append(rec.ScaleUV, sig.Scale()*uv)
		rec.Labels = append(rec.Labels, edf.ChannelName(sig.Label)) // "EMG FDS" plays as FDS
	}
	if first < 0 || len(rec.Raw[0]) == 0 {
		return nil, fmt.Errorf("%s: the file holds no signal to play", path)
	}
	for _, a := range f.Annotations {
		if a.Onset < 0 {
			continue
		}
		rec.Annotations = append(rec.Annotations, replay.Annotation{
			Onset:     uint64(math.Round(a.Onset * rec.SampleRateHz)),
			DurationS: a.Duration,
			Text:      a.Text,
		})
	}
	return rec, nil
}
