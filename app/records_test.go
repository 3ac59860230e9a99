package app

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"myorehab/app/service"
	"myorehab/internal/waitfor"
	"myorehab/storage"
	"myorehab/storage/edf"
)

// recordSim records about n samples of the simulator for patient p.
func recordSim(t *testing.T, svc *Services, p *storage.Patient, n int64) *storage.Session {
	t.Helper()
	ctx := context.Background()
	if _, err := svc.ConnectAndRecord(ctx, service.DeviceConfig{Protocol: "sim"}, p.ID, storage.SessionRecording); err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 10*time.Second, "samples recorded", func() bool {
		_, _, got := svc.Recorder.State()
		return got >= n
	})
	s, err := svc.Recorder.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	svc.Device.Disconnect()
	return s
}

func TestRecordsServices(t *testing.T) {
	svc, _ := testServices(t)
	deps := svc.Deps()
	ctx := context.Background()
	p := testPatient(t, svc, "P-REC")

	t.Run("ChannelSetup", func(t *testing.T) {
		empty, err := deps.Channels.LoadSetup(ctx, p.ID)
		if err != nil || len(empty.Channels) != 0 {
			t.Fatalf("before saving: %+v, %v", empty, err)
		}
		want := service.ChannelSetup{Channels: []service.ChannelConfig{{Label: "FDS", Enabled: true, Gain: 24}, {Label: "EDC 'x'; --", Enabled: false, Gain: 12}}}
		if err := deps.Channels.SaveSetup(ctx, p.ID, want); err != nil {
			t.Fatal(err)
		}
		got, err := deps.Channels.LoadSetup(ctx, p.ID)
		if err != nil || len(got.Channels) != 2 || got.Channels[0] != want.Channels[0] || got.Channels[1] != want.Channels[1] {
			t.Fatalf("loaded %+v, %v; want %+v", got, err, want)
		}
	})

	s := recordSim(t, svc, p, 2500)

	t.Run("History", func(t *testing.T) {
		sums, err := deps.History.SessionSummaries(ctx, p.ID)
		if err != nil || len(sums) != 1 {
			t.Fatalf("summaries %+v, %v", sums, err)
		}
		if sums[0].Session.ID != s.ID || !(sums[0].MeanRMSUV > 3) || !(sums[0].MeanMDFHz > 20 && sums[0].MeanMDFHz < 450) {
			t.Fatalf("summary %+v", sums[0])
		}
	})

	t.Run("Review", func(t *testing.T) {
		// Add a gap after the recording: 100 lost samples, then 10 more.
		raw := make([]int32, 8*10)
		if err := svc.DB.AppendChunk(ctx, s.ID, uint64(s.Samples+100), 8, raw); err != nil {
			t.Fatal(err)
		}
		if err := svc.DB.AddAnnotation(ctx, &storage.Annotation{SessionID: s.ID, Sample: 5, Kind: "note", Text: "fist"}); err != nil {
			t.Fatal(err)
		}
		rec, err := deps.Review.LoadSession(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Channels) != 8 || int64(len(rec.Channels[0])) != s.Samples+110 || rec.RateHz != 1000 {
			t.Fatalf("review: %d channels × %d samples at %g Hz", len(rec.Channels), len(rec.Channels[0]), rec.RateHz)
		}
		if !math.IsNaN(float64(rec.Channels[3][s.Samples+50])) || rec.Channels[3][s.Samples+105] != 0 {
			t.Error("the gap is not shown as missing samples")
		}
		if len(rec.Annotations) != 1 || rec.Annotations[0].Text != "fist" {
			t.Errorf("annotations %+v", rec.Annotations)
		}
		audit, err := svc.DB.ListAudit(ctx, storage.AuditFilter{ObjectType: storage.ObjectSession, ObjectID: s.ID})
		if err != nil || len(audit) == 0 || audit[0].Action != storage.AuditViewed { // newest first
			t.Errorf("audit %+v, %v: want the review logged", audit, err)
		}
	})

	t.Run("ExportImport", func(t *testing.T) {
		dir := t.TempDir()
		var last float64
		progress := func(f float64) {
			if f < last {
				t.Errorf("progress went back: %v after %v", f, last)
			}
			last = f
		}
		for _, format := range []string{service.FormatEDF, service.FormatBDF, service.FormatCSV} {
			last = 0
			path := filepath.Join(dir, "s."+format)
			if err := deps.Transfer.Export(ctx, s.ID, format, path, true, progress); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			if last != 1 {
				t.Errorf("%s: progress ended at %v", format, last)
			}
			if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
				t.Fatalf("%s: %v", format, err)
			}
		}
		f, err := edf.ReadFile(filepath.Join(dir, "s.bdf"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(f.Patient, "Test") {
			t.Errorf("de-identified export names the patient: %q", f.Patient)
		}
		last = 0
		id, err := deps.Transfer.Import(ctx, p.ID, filepath.Join(dir, "s.bdf"), progress)
		if err != nil {
			t.Fatal(err)
		}
		orig := storedSamples(t, svc.DB, s.ID)
		back := storedSamples(t, svc.DB, id)
		// The export holds the stored samples and the 10 zeros after the gap
		// (the gap is an annotation), pads its last 1 s data record by
		// repeating the final sample and marks the end of the samples
		// (transfer.EndMarker): the import drops exactly the padding, so the
		// zeros that look like padding come back too.
		if len(back) != len(orig) {
			t.Fatalf("imported %d samples, want the %d stored", len(back), len(orig))
		}
		for i := uint64(0); i < uint64(s.Samples); i++ {
			for c := range orig[i] {
				if back[i][c] != orig[i][c] {
					t.Fatalf("sample %d ch %d: %d after BDF round trip, %d before", i, c, back[i][c], orig[i][c])
				}
			}
		}
		last = 0
		if err := deps.Transfer.Export(ctx, s.ID, "wav", filepath.Join(dir, "s.wav"), false, progress); err == nil {
			t.Error("an unknown format was exported")
		}
		if _, err := os.Stat(filepath.Join(dir, "s.wav")); err == nil {
			t.Error("a failed export left a file behind")
		}
	})

	t.Run("BackupRestore", func(t *testing.T) {
		path, err := deps.Backup.Backup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("backup %s: %v %v", path, fi.Mode(), err)
		}
		list, err := deps.Backup.ListBackups(ctx)
		if err != nil || len(list) != 1 || list[0] != path {
			t.Fatalf("backups %v, %v", list, err)
		}
		// A patient added after the backup is gone after the restore.
		testPatient(t, svc, "P-LATE")
		restarted := false
		svc.restart = func() { restarted = true }
		if err := deps.Backup.Restore(ctx, path); err != nil {
			t.Fatal(err)
		}
		if !restarted {
			t.Error("the app was not asked to restart on the restored database")
		}
		db, err := openExisting(svc.DB.Path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.PatientByCode(ctx, "P-LATE"); err == nil {
			t.Error("the restored database has the patient added after the backup")
		}
		if _, err := db.PatientByCode(ctx, "P-REC"); err != nil {
			t.Errorf("the restored database lost P-REC: %v", err)
		}
	})
}

// TestRecordingUsesPatientChannelLabels: a patient's saved channel set-up
// names the channels of their recordings; a set-up for another channel
// count leaves the device's labels.
func TestRecordingUsesPatientChannelLabels(t *testing.T) {
	svc, _ := testServices(t)
	ctx := context.Background()
	p := testPatient(t, svc, "P-LBL")
	labels := []string{"flexor A", "flexor B", "flexor C", "flexor D", "ext A", "ext B", "ext C", "thumb"}
	setup := service.ChannelSetup{}
	for _, l := range labels {
		setup.Channels = append(setup.Channels, service.ChannelConfig{Label: l, Enabled: true})
	}
	if err := svc.Deps().Channels.SaveSetup(ctx, p.ID, setup); err != nil {
		t.Fatal(err)
	}
	s := recordSim(t, svc, p, 100)
	if strings.Join(s.Labels, ",") != strings.Join(labels, ",") {
		t.Fatalf("session labels %v, want the patient's %v", s.Labels, labels)
	}
	q := testPatient(t, svc, "P-LBL2")
	if err := svc.Deps().Channels.SaveSetup(ctx, q.ID, service.ChannelSetup{Channels: setup.Channels[:4]}); err != nil {
		t.Fatal(err)
	}
	s2 := recordSim(t, svc, q, 100)
	if s2.Labels[0] != "FDS" {
		t.Fatalf("a 4-channel set-up relabelled an 8-channel recording: %v", s2.Labels)
	}
}
