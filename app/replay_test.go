package app

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"myorehab/app/device"
	"myorehab/app/service"
	"myorehab/internal/shareddata"
	"myorehab/internal/waitfor"
	"myorehab/storage"
)

// TestReplayEDFAsLiveSource plays a real 3DC recording through the device
// like an amplifier and records a little of it: the stored counts are the
// file's, from its first sample.
func TestReplayEDFAsLiveSource(t *testing.T) {
	path := shareddata.File(t, filepath.Join(sharedDir(t, filepath.Join("data", "3dc-gestures")), "P01_train.edf"), "real EMG data")
	rec, err := device.ReplayRecording(path)
	if err != nil {
		t.Fatal(err)
	}
	if rec.SampleRateHz != 1000 || len(rec.Raw) != 10 || len(rec.Annotations) != 44 {
		t.Fatalf("replay recording: %g Hz, %d channels, %d annotations", rec.SampleRateHz, len(rec.Raw), len(rec.Annotations))
	}
	svc, _ := testServices(t)
	p := testPatient(t, svc, "P-REPLAY")
	ctx := context.Background()
	sess, err := svc.ConnectAndRecord(ctx, service.DeviceConfig{Protocol: "replay", Port: path}, p.ID, storage.SessionRecording)
	if err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 10*time.Second, "half a second replayed", func() bool {
		_, _, n := svc.Recorder.State()
		return n >= 500
	})
	if _, err := svc.Recorder.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	svc.Device.Disconnect()
	got := storedSamples(t, svc.DB, sess.ID)
	if len(got) < 500 {
		t.Fatalf("stored %d samples", len(got))
	}
	for idx, v := range got {
		for c := range v {
			if v[c] != rec.Raw[c][idx] {
				t.Fatalf("sample %d ch %d: stored %d, file %d", idx, c, v[c], rec.Raw[c][idx])
			}
		}
	}
	if err := svc.Device.Connect(service.DeviceConfig{Protocol: "replay", Port: filepath.Join(t.TempDir(), "none.edf")}); err == nil {
		t.Fatal("replay of a missing file connected")
	}
}
