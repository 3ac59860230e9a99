package app

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"myorehab/acquisition/serialport/ptytest"
	"myorehab/app/service"
	"myorehab/internal/waitfor"
	"myorehab/storage"
)

// TestCytonThroughFilterIntoSQLite is the foundation's end-to-end check: a
// socat pty pair, the Cyton emulator on one end, the real driver on the
// other, 10 s through the live filter into a SQLite file. Every stored
// sample must equal the emulated one exactly; none dropped or lost.
func TestCytonThroughFilterIntoSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("10 s real-time serial test; skipped with -short")
	}
	pipe := ptytest.Pair(t)
	svc, _ := testServices(t)
	p := testPatient(t, svc, "P-INT")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sent, dump := emulateCyton(t, ctx, pipe.A, 10, false)

	sess, err := svc.ConnectAndRecord(ctx, service.DeviceConfig{Protocol: "cyton", Port: pipe.B}, p.ID, storage.SessionRecording)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	select {
	case n = <-sent:
	case <-time.After(30 * time.Second):
		t.Fatal("emulator did not finish 10 s of streaming")
	}
	if n != 2500 {
		t.Fatalf("emulator sent %d samples, want 2500", n)
	}
	waitfor.Eventually(t, 5*time.Second, "all samples recorded", func() bool {
		svc.Device.Snapshot() // a screen watching the live view
		_, _, got := svc.Recorder.State()
		return got == int64(n)
	})
	done, err := svc.Recorder.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := svc.Device.Status()
	snap := svc.Device.Snapshot()
	svc.Device.Disconnect()

	if done.ID != sess.ID || done.Status != storage.StatusCompleted || done.Samples != 2500 || done.Lost != 0 || done.Dropped != 0 {
		t.Fatalf("session %+v", done)
	}
	if st.Lost != 0 || st.CorruptPackets != 0 || st.Dropped != 0 {
		t.Fatalf("device counted lost %d corrupt %d dropped %d (live view dropped %d)", st.Lost, st.CorruptPackets, st.Dropped, st.LiveDropped)
	}
	if done.Filter == "" || !strings.Contains(done.Filter, "hp 20 Hz") {
		t.Errorf("session filter %q, want the live high-pass (250 Hz stream)", done.Filter)
	}
	// The live view saw the stream through the filter.
	// Snapshots are published about every 33 ms of signal, so the last one
	// may be a few samples short of the end.
	if snap == nil || snap.End > 2500 || snap.End < 2400 || len(snap.FilteredMin) != 8 {
		t.Fatalf("live snapshot missing or stale (end %v)", func() any {
			if snap == nil {
				return nil
			}
			return snap.End
		}())
	}
	want := parseDump(t, strings.NewReader(dump.String()))
	got := storedSamples(t, svc.DB, sess.ID)
	if len(got) != len(want) || len(got) != 2500 {
		t.Fatalf("stored %d samples, emulator dumped %d", len(got), len(want))
	}
	for idx, w := range want {
		if g, ok := got[idx]; !ok || !slices.Equal(g, w) {
			t.Fatalf("sample %d: stored %v, emulated %v", idx, g, w)
		}
	}
}

// TestConnectPortMissing: a port that does not exist gives a clear message
// in the status and the log, and nothing hangs.
func TestConnectPortMissing(t *testing.T) {
	svc, logBuf := testServices(t)
	err := svc.Device.Connect(service.DeviceConfig{Protocol: "cyton", Port: "/dev/ttyMYOREHAB-missing"})
	if err == nil {
		t.Fatal("connected to a port that does not exist")
	}
	st := svc.Device.Status()
	if st.State != service.Failed || !strings.Contains(st.Message, "does not exist") {
		t.Fatalf("status %v %q", st.State, st.Message)
	}
	if !strings.Contains(logBuf.String(), "connect failed") {
		t.Errorf("log has no entry for the failure:\n%s", logBuf)
	}
}

// TestConnectNotAnAmplifier: a port where nothing answers the banner
// request fails after its 3 s banner wait with a message naming the port.
func TestConnectNotAnAmplifier(t *testing.T) {
	pipe := ptytest.Pair(t) // nothing listens on pipe.A
	svc, logBuf := testServices(t)
	start := time.Now()
	err := svc.Device.Connect(service.DeviceConfig{Protocol: "cyton", Port: pipe.B})
	took := time.Since(start)
	if err == nil {
		t.Fatal("connected to a silent port")
	}
	if took < 2*time.Second {
		t.Errorf("gave up after %v, before the 3 s banner wait", took)
	}
	st := svc.Device.Status()
	if st.State != service.Failed || !strings.Contains(st.Message, "no OpenBCI Cyton answered") || !strings.Contains(st.Message, pipe.B) {
		t.Fatalf("status %v %q", st.State, st.Message)
	}
	if !strings.Contains(logBuf.String(), "connect failed") {
		t.Error("failure not logged")
	}
}

// TestCablePulledKeepsRecording: socat ends mid-recording (the cable is
// pulled): the app reports it, keeps reconnecting, and everything received
// before the pull is stored intact and annotated.
func TestCablePulledKeepsRecording(t *testing.T) {
	pipe := ptytest.Pair(t)
	svc, logBuf := testServices(t)
	p := testPatient(t, svc, "P-PULL")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sent, dump := emulateCyton(t, ctx, pipe.A, 0, true)
	sess, err := svc.ConnectAndRecord(ctx, service.DeviceConfig{Protocol: "cyton", Port: pipe.B}, p.ID, storage.SessionRecording)
	if err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 10*time.Second, "a second of recording", func() bool {
		_, _, n := svc.Recorder.State()
		return n >= 250
	})
	pipe.Kill()
	waitfor.Eventually(t, 5*time.Second, "the reconnecting state", func() bool {
		return svc.Device.Status().State == service.Reconnecting
	})
	if msg := svc.Device.Status().Message; !strings.Contains(msg, "reconnecting") {
		t.Errorf("status message %q", msg)
	}
	done, err := svc.Recorder.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	svc.Device.Disconnect()
	if done.Status != storage.StatusCompleted || done.Samples < 250 {
		t.Fatalf("session after the pull: %+v", done)
	}
	select {
	case <-sent: // the emulator saw the port vanish and flushed its dump
	case <-time.After(10 * time.Second):
		t.Fatal("the emulator did not stop after the cable was pulled")
	}
	want := parseDump(t, strings.NewReader(dump.String()))
	got := storedSamples(t, svc.DB, sess.ID)
	if int64(len(got)) != done.Samples {
		t.Fatalf("read %d samples, session says %d", len(got), done.Samples)
	}
	for idx, g := range got {
		if !slices.Equal(g, want[idx]) {
			t.Fatalf("sample %d: stored %v, emulated %v", idx, g, want[idx])
		}
	}
	anns, err := svc.DB.ListAnnotations(ctx, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(anns) == 0 || anns[0].Text != "device disconnected" || anns[0].Sample != done.Samples {
		for _, a := range anns {
			t.Logf("annotation %+v", *a)
		}
		t.Fatalf("want the disconnection at sample %d", done.Samples)
	}
	if !strings.Contains(logBuf.String(), "device lost") {
		t.Error("the pull is not in the log")
	}
}

// TestRecordCommandErrors: the headless recorder refuses bad input with a
// one-line reason.
func TestRecordCommandErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing port", []string{"--protocol", "cyton", "--seconds", "1", "--db", db, "--port", filepath.Join(dir, "nope")}, "does not exist"},
		{"no seconds", []string{"--protocol", "cyton", "--db", db}, "needs"},
		{"bad protocol", []string{"--protocol", "myo", "--seconds", "1", "--db", db, "--port", "x"}, "unknown protocol"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut strings.Builder
			err := Run(context.Background(), append([]string{"record"}, tc.args...), &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// TestRecordSim records the simulator headless and lists the session.
func TestRecordSim(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	var out strings.Builder
	if err := Run(context.Background(), []string{"record", "--protocol", "sim", "--seconds", "0.5", "--db", db, "--patient", "P-9", "--json"}, &out, os.Stderr); err != nil {
		t.Fatal(err)
	}
	var res recordResult
	lastJSON(t, out.String(), &res)
	if res.SessionID != 1 || res.Samples < 300 || res.RateHz != 1000 || res.Dropped != 0 {
		t.Fatalf("record result %+v", res)
	}
	out.Reset()
	if err := Run(context.Background(), []string{"sessions", "--db", db, "--json"}, &out, os.Stderr); err != nil {
		t.Fatal(err)
	}
	var rows []sessionRow
	lastJSON(t, out.String(), &rows)
	if len(rows) != 1 || rows[0].Patient != "P-9" || rows[0].Status != "completed" || rows[0].Samples != res.Samples {
		t.Fatalf("sessions %+v", rows)
	}
	csvPath := filepath.Join(dir, "s.csv")
	if err := Run(context.Background(), []string{"export", "--db", db, "--session", "1", "--format", "csv", "--out", csvPath}, &out, os.Stderr); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if int64(len(lines)-1) != res.Samples || !strings.HasPrefix(lines[0], "sample,t_s,FDS,") {
		t.Fatalf("export has %d rows, header %q", len(lines)-1, lines[0])
	}
	err = Run(context.Background(), []string{"sessions", "--db", filepath.Join(dir, "typo.db")}, &out, os.Stderr)
	if err == nil {
		t.Fatal("sessions on a missing database did not fail")
	}
	if _, serr := os.Stat(filepath.Join(dir, "typo.db")); !errors.Is(serr, os.ErrNotExist) {
		t.Error("a mistyped database path created a file")
	}
}

// TestRecordingStoresSecondMetrics: a recording stores, once per second,
// the filtered RMS and median frequency of every channel, and the history
// summary averages them.
func TestRecordingStoresSecondMetrics(t *testing.T) {
	svc, _ := testServices(t)
	p := testPatient(t, svc, "P-MET")
	ctx := context.Background()
	sess, err := svc.ConnectAndRecord(ctx, service.DeviceConfig{Protocol: "sim"}, p.ID, storage.SessionRecording)
	if err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 10*time.Second, "3 s recorded", func() bool {
		_, _, n := svc.Recorder.State()
		return n >= 3000
	})
	if _, err := svc.Recorder.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	svc.Device.Disconnect()
	ms, err := svc.DB.SessionMetrics(ctx, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 3 {
		t.Fatalf("%d seconds of metrics, want at least 3", len(ms))
	}
	for i, m := range ms {
		if m.Second != int64(i) || len(m.RMS) != 8 || len(m.MDF) != 8 {
			t.Fatalf("second %d: %+v", i, m)
		}
		for c := range m.RMS {
			// The simulator: ≥ 5 µV of noise everywhere, sEMG between 20 and 450 Hz.
			if m.RMS[c] < 3 || m.RMS[c] > 1000 || m.MDF[c] < 20 || m.MDF[c] > 450 {
				t.Errorf("second %d ch %d: RMS %v µV, MDF %v Hz", i, c, m.RMS[c], m.MDF[c])
			}
		}
	}
	sums, err := svc.DB.SessionSummaries(ctx, storage.SessionFilter{PatientID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 1 || sums[0].Seconds != int64(len(ms)) || len(sums[0].MeanRMS) != 8 {
		t.Fatalf("summaries %+v", sums)
	}
}

// TestRecordMains: the notch follows the clinic's mains setting, and the
// session says which filter conditioned it; a wrong value is refused.
func TestRecordMains(t *testing.T) {
	for _, tc := range []struct{ mains, want string }{
		{"60", "notch 60 Hz"},
		{"50", "notch 50 Hz"},
		{"auto", "(mains auto)"},
	} {
		db := filepath.Join(t.TempDir(), "r.db")
		var out strings.Builder
		if err := Run(context.Background(), []string{"record", "--protocol", "sim", "--seconds", "0.2", "--db", db, "--mains", tc.mains, "--json"}, &out, os.Stderr); err != nil {
			t.Fatal(err)
		}
		s, err := openDB(t, db).Session(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(s.Filter, tc.want) {
			t.Errorf("--mains %s: session filter %q", tc.mains, s.Filter)
		}
	}
	err := Run(context.Background(), []string{"record", "--protocol", "sim", "--seconds", "0.2", "--db", filepath.Join(t.TempDir(), "x.db"), "--mains", "55"}, io.Discard, io.Discard)
	if ExitCode(err) != 2 || !strings.Contains(err.Error(), "50, 60 or auto") {
		t.Errorf("--mains 55: %v", err)
	}
}

// TestFailedReplayNamesItself: a replay that cannot open after the
// simulator streamed reports the file it tried, never the simulator.
func TestFailedReplayNamesItself(t *testing.T) {
	svc, _ := testServices(t)
	if err := svc.Device.Connect(service.DeviceConfig{Protocol: "sim"}); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.edf")
	if err := svc.Device.Connect(service.DeviceConfig{Protocol: "replay", Port: missing}); err == nil {
		t.Fatal("replayed a file that does not exist")
	}
	st := svc.Device.Status()
	if st.State != service.Failed || st.Info.Device != "" || st.Info.Protocol != "replay" || st.Info.Port != missing {
		t.Errorf("after a failed replay: state %v, info %+v", st.State, st.Info)
	}
}
