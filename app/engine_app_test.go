package app

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"myorehab/acquisition"
	"myorehab/app/device"
	"myorehab/app/engine"
	"myorehab/app/service"
	"myorehab/internal/waitfor"
	"myorehab/storage"
)

// TestStatusNeverWaitsForTheDatabase: another connection holds the
// database's write lock for 3 s while a recording runs. Status (what the
// UI's ticker calls) and the recording state keep answering while the
// lock is held, and afterwards the recording catches up with nothing lost.
// Only the order of events is asserted, never durations.
func TestStatusNeverWaitsForTheDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("holds a write lock for 3 s; skipped with -short")
	}
	dir := t.TempDir()
	svc, _ := testServicesAt(t, filepath.Join(dir, "myorehab.db"))
	p := testPatient(t, svc, "P-LOCK")
	ctx := context.Background()
	sess, err := svc.ConnectAndRecord(ctx, service.DeviceConfig{Protocol: "sim"}, p.ID, storage.SessionRecording)
	if err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 10*time.Second, "samples committed", func() bool {
		s, err := svc.DB.Session(ctx, sess.ID)
		return err == nil && s.Samples > 0
	})

	// The other connection: an immediate transaction holds the write lock.
	other, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "myorehab.db")+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	// The lock is held at least 3 s, and until the status calls are done
	// (at most 20 s): a Status that waited for the database would return
	// only after the release, and the flag would say so.
	var released atomic.Bool
	callsDone, heldUntil := make(chan struct{}), make(chan struct{})
	go func() {
		time.Sleep(3 * time.Second)
		select {
		case <-callsDone:
		case <-time.After(20 * time.Second):
		}
		released.Store(true)
		conn.ExecContext(ctx, "COMMIT")
		close(heldUntil)
	}()

	// While the lock is held, samples keep arriving and the UI's calls answer.
	_, _, before := svc.Recorder.State()
	answers := 0
	for range 20 {
		st := svc.Device.Status()
		active, _, n := svc.Recorder.State()
		if st.State != service.Streaming || !active {
			t.Fatalf("status %v, recording %v while the lock is held", st.State, active)
		}
		if n > before {
			answers++
		}
		time.Sleep(50 * time.Millisecond)
	}
	if released.Load() {
		t.Fatal("the lock was released before the status calls returned: they waited for the database")
	}
	if answers == 0 {
		t.Fatal("the recording did not move on while the database was locked")
	}
	close(callsDone)
	<-heldUntil

	// Afterwards the recording catches up and stops with nothing lost.
	done, err := svc.Recorder.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	svc.Device.Disconnect()
	if done.Status != storage.StatusCompleted || done.Dropped != 0 || done.Samples < 1000 {
		t.Fatalf("session after the lock: %+v", done)
	}
	got := storedSamples(t, svc.DB, sess.ID)
	if int64(len(got)) != done.Samples {
		t.Fatalf("%d samples stored, session says %d", len(got), done.Samples)
	}
	for i := range uint64(done.Samples) {
		if _, ok := got[i]; !ok {
			t.Fatalf("sample %d missing: the lock cost data", i)
		}
	}
}

// TestStuckConsumerCostsRecordingNothing: an extra consumer of the stream
// (a display that stops for 2 s) loses frames, counted, while the recorder
// keeps every sample the device delivered.
func TestStuckConsumerCostsRecordingNothing(t *testing.T) {
	svc, _ := testServices(t)
	p := testPatient(t, svc, "P-STUCK")
	release := make(chan struct{})
	stuck := &stuckConsumer{release: release}
	svc.Device.Attach(device.AttachFunc(func(acquisition.StreamInfo, int) engine.Consumer { return stuck }))
	ctx := context.Background()
	sess, err := svc.ConnectAndRecord(ctx, service.DeviceConfig{Protocol: "sim"}, p.ID, storage.SessionRecording)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // the display is stuck this long
	close(release)
	// The frame after the hole tells the display what it missed.
	waitfor.Eventually(t, 30*time.Second, "the display told of its loss", func() bool { return stuck.missed.Load() > 0 })
	done, err := svc.Recorder.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := svc.Device.Status()
	svc.Device.Disconnect()
	if done.ID != sess.ID || done.Dropped != 0 || st.Dropped != 0 || done.Samples < 1000 {
		t.Fatalf("recording with a stuck consumer: %+v (status dropped %d)", done, st.Dropped)
	}
	got := storedSamples(t, svc.DB, sess.ID)
	for i := range uint64(done.Samples) {
		if _, ok := got[i]; !ok {
			t.Fatalf("sample %d missing", i)
		}
	}
}

type stuckConsumer struct {
	release chan struct{}
	missed  atomic.Uint64
}

func (s *stuckConsumer) Spec() engine.Spec {
	return engine.Spec{Name: "stuck display", Queue: 2, Policy: engine.DropAndCount}
}

func (s *stuckConsumer) Run(_ context.Context, in *engine.Input) error {
	<-s.release
	return engine.Each(in, func(f *engine.Frame) { s.missed.Add(f.Missed) })
}
