package glove

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	aglove "myorehab/acquisition/glove"
	"myorehab/acquisition/glove/emulator"
	"myorehab/acquisition/glove/emulator/emulatortest"
	"myorehab/acquisition/serialport/ptytest"
	"myorehab/app/device"
	"myorehab/app/record"
	"myorehab/app/service"
	"myorehab/internal/waitfor"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// rig is the glove loop on real parts: a SQLite file, the simulated
// amplifier through the device and its recorder, and the glove emulator on
// the far end of a socat pseudo-terminal pair.
type rig struct {
	db  *sqlite.DB
	dev *device.Device
	rec *record.Recorder
	g   *Service
	em  *emulator.Emulator
	pt  *storage.Patient
	// pipe is the pseudo-terminal pair between the app and the glove.
	pipe *ptytest.Pipe
}

func newRig(t *testing.T) *rig {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	r := &rig{db: db, dev: device.NewDevice(log, device.Open)}
	r.rec = record.NewRecorder(log, db, r.dev)
	r.dev.Attach(r.rec)
	// A busy test machine may starve the link for a while: these tests
	// are about the loop, not the 250 ms timing (acquisition/glove tests
	// that).
	r.g = New(Config{Log: log, DB: db, Events: r.rec, Link: aglove.Config{LinkTimeout: 2 * time.Second}})
	r.dev.Attach(r.g)
	r.pt = &storage.Patient{Code: "G-1"}
	if err := db.CreatePatient(context.Background(), r.pt); err != nil {
		t.Fatal(err)
	}
	r.em, r.pipe = emulatortest.Start(t, emulator.Config{Watchdog: 3 * time.Second})
	t.Cleanup(func() {
		r.g.Close()
		r.dev.Disconnect()
		db.Close()
	})
	if err := r.g.Connect(r.pipe.B); err != nil {
		t.Fatal(err)
	}
	if err := r.dev.Connect(service.DeviceConfig{Protocol: "sim"}); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestPassiveMotionWithinLimits: armed in passive range of motion, the
// glove moves, and no target it applies leaves the patient's saved limits;
// E-STOP stops it and latches; a new ARM is refused until it is released.
func TestPassiveMotionWithinLimits(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	lims, err := r.g.Limits(ctx, r.pt.ID)
	if err != nil || len(lims) != 5 {
		t.Fatalf("default limits %v, %v", lims, err)
	}
	for i := range lims {
		lims[i].MinPosition, lims[i].MaxPosition = 100, 600 // the patient's range of motion
	}
	if err := r.g.SaveLimits(ctx, r.pt.ID, lims); err != nil {
		t.Fatal(err)
	}
	if err := r.g.SetMode(service.ModePassive, 100); err != nil {
		t.Fatal(err)
	}
	if err := r.g.Arm(ctx, r.pt.ID); err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 0, "the glove armed and moving", func() bool {
		s := r.em.Snapshot()
		return s.State == aglove.Armed && s.Applied > 20 && s.Position[1] > 200
	})
	for range 50 {
		s := r.em.Snapshot()
		for i := range s.Fingers {
			if p := s.Target[i].Position; p < 100 || p > 600 {
				t.Fatalf("finger %d applied target %d ‰ outside the patient's 100–600 ‰", i, p)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	st := r.g.Status()
	if st.State != service.GloveArmed || !st.Armed || len(st.Fingers) != 5 || st.Fingers[0].Name != "thumb" {
		t.Fatalf("status %+v", st)
	}

	r.g.EStop()
	waitfor.Eventually(t, 0, "the glove's e-stop", func() bool { return r.em.Snapshot().State == aglove.EStopped })
	if st := r.g.Status(); st.State != service.GloveEStop || st.Armed {
		t.Errorf("status after E-STOP %+v", st)
	}
	if err := r.g.Arm(ctx, r.pt.ID); err == nil || !strings.Contains(err.Error(), "emergency stop") {
		t.Errorf("ARM with the e-stop latched: %v", err)
	}
	if err := r.g.ClearEStop(); err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 0, "the e-stop released", func() bool { return r.em.Snapshot().State == aglove.Disarmed })
	if err := r.g.Arm(ctx, r.pt.ID); err != nil {
		t.Fatalf("ARM after release: %v", err)
	}
	waitfor.Eventually(t, 0, "armed again", func() bool { return r.em.Snapshot().State == aglove.Armed })
}

// TestStreamEndDisarms: when the amplifier is disconnected (the stream
// ends), the glove is disarmed at once.
func TestStreamEndDisarms(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if err := r.g.SetMode(service.ModePassive, 50); err != nil {
		t.Fatal(err)
	}
	if err := r.g.Arm(ctx, r.pt.ID); err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 0, "the glove armed", func() bool { return r.em.Snapshot().State == aglove.Armed })
	r.dev.Disconnect()
	waitfor.Eventually(t, 0, "the glove disarmed", func() bool { return r.em.Snapshot().State == aglove.Disarmed })
	if r.g.Status().Armed {
		t.Error("still armed after the stream ended")
	}
}

// TestArmRefusals: without a glove, without a model (outside passive
// mode), and with bad limits, ARM says why.
func TestArmRefusals(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g := New(Config{DB: db})
	p := &storage.Patient{Code: "G-2"}
	if err := db.CreatePatient(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if err := g.Arm(context.Background(), p.ID); err == nil || !strings.Contains(err.Error(), "connect the glove") {
		t.Errorf("ARM without a glove: %v", err)
	}
	if err := g.SetMode("fly", 10); err == nil {
		t.Error("an unknown mode was accepted")
	}
	if err := g.SetMode(service.ModeAssist, 101); err == nil {
		t.Error("an assist level of 101 % was accepted")
	}
	bad := []service.FingerLimit{{MinPosition: 500, MaxPosition: 100, MaxForce: 10, MaxSpeed: 10}}
	if err := g.SaveLimits(context.Background(), p.ID, bad); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("inverted range saved: %v", err)
	}

	r := newRig(t)
	if err := r.g.SetMode(service.ModeTriggered, 50); err != nil {
		t.Fatal(err)
	}
	if err := r.g.Arm(context.Background(), r.pt.ID); err == nil || !strings.Contains(err.Error(), "calibrate") {
		t.Errorf("EMG-triggered ARM without a model: %v", err)
	}
}

// TestGloveCablePulled: the glove's cable is pulled while it moves; the
// app shows the fault in words and stops sending targets; once the glove is
// back, it starts disarmed and motion needs a fresh ARM.
func TestGloveCablePulled(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if err := r.g.SetMode(service.ModePassive, 100); err != nil {
		t.Fatal(err)
	}
	if err := r.g.Arm(ctx, r.pt.ID); err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 0, "the glove armed", func() bool { return r.em.Snapshot().State == aglove.Armed })
	r.pipe.Kill()
	pulled := time.Now()
	waitfor.Eventually(t, 0, "the fault shown", func() bool {
		st := r.g.Status()
		return st.State == service.GloveLinkLost && st.Fault != "" && !st.Armed
	})
	t.Logf("fault shown %v after the cable was pulled", time.Since(pulled))
	if st := r.g.Status(); !strings.Contains(st.Fault, "arm again") {
		t.Errorf("fault %q does not say what to do", st.Fault)
	}
	sent := r.g.Report().Link.TargetsSent
	time.Sleep(200 * time.Millisecond)
	if got := r.g.Report().Link.TargetsSent; got != sent {
		t.Errorf("%d targets sent after the cable was pulled", got-sent)
	}

	// The glove comes back on a new cable: it starts disarmed.
	em, pipe := emulatortest.Start(t, emulator.Config{Watchdog: 3 * time.Second})
	if err := r.g.Connect(pipe.B); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if s := em.Snapshot(); s.State != aglove.Disarmed || s.Applied != 0 {
		t.Fatalf("a reconnected glove moved without a new ARM: %+v", s)
	}
	if err := r.g.Arm(ctx, r.pt.ID); err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 0, "armed again", func() bool { return em.Snapshot().State == aglove.Armed })
}

// TestCommandsStoredInRecording: while a recording runs, every command
// sent to the glove except heartbeats is stored in the session (ARM,
// SET_LIMITS, SET_ASSIST, ARM, SET_TARGETS with its targets, DISARM) in
// the order sent, with a sample index inside the recording.
func TestCommandsStoredInRecording(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	waitfor.Eventually(t, 0, "the stream running", func() bool { _, ok := r.dev.Info(); return ok })
	sess, err := r.rec.Start(ctx, r.pt.ID, storage.SessionRecording, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.g.SetMode(service.ModePassive, 50); err != nil {
		t.Fatal(err)
	}
	if err := r.g.Arm(ctx, r.pt.ID); err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 0, "targets applied", func() bool { return r.em.Snapshot().Applied > 20 })
	if err := r.g.Disarm(); err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 0, "the glove disarmed", func() bool { return r.em.Snapshot().State == aglove.Disarmed })
	stored, err := r.rec.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	frames, err := r.db.GloveFrames(ctx, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	targets := 0
	for i, f := range frames {
		if f.Type == "HEARTBEAT" || f.Type == "GET_STATUS" {
			t.Fatalf("frame %d: %s stored", i, f.Type)
		}
		if f.Sample < 0 || f.Sample > stored.Samples {
			t.Errorf("frame %d (%s) at sample %d, outside the %d recorded", i, f.Type, f.Sample, stored.Samples)
		}
		if f.Type == "SET_TARGETS" {
			targets++
			if len(f.Targets) != 5 {
				t.Fatalf("frame %d: %d targets", i, len(f.Targets))
			}
		}
		if len(types) == 0 || types[len(types)-1] != f.Type {
			types = append(types, f.Type)
		}
	}
	if want := []string{"SET_LIMITS", "SET_ASSIST", "ARM", "SET_TARGETS", "DISARM"}; targets < 20 || !slices.Equal(types, want) {
		t.Errorf("stored commands %v (%d SET_TARGETS), want %v", types, targets, want)
	}
}
