package app

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"myorehab/app/service"
	"myorehab/internal/waitfor"
	"myorehab/storage"
)

// socatLink joins two pseudo-terminals at fixed paths, so the "cable" can be
// pulled (kill) and plugged back (start again at the same paths).
type socatLink struct {
	t    *testing.T
	a, b string
	cmd  *exec.Cmd
}

func (l *socatLink) start() {
	l.t.Helper()
	bin, err := exec.LookPath("socat")
	if err != nil {
		l.t.Skipf("socat not installed (%v)", err)
	}
	l.cmd = exec.Command(bin, "pty,raw,echo=0,link="+l.a, "pty,raw,echo=0,link="+l.b)
	if err := l.cmd.Start(); err != nil {
		l.t.Fatal(err)
	}
	waitfor.Eventually(l.t, 5*time.Second, "the pty links", func() bool {
		return fileExists(l.a) && fileExists(l.b)
	})
}

func (l *socatLink) kill() {
	if l.cmd != nil && l.cmd.Process != nil {
		l.cmd.Process.Kill()
		l.cmd.Wait()
		l.cmd = nil
	}
}

// TestReconnectAfterCablePull pulls the cable for 1 s and plugs it back:
// the app reopens the port within 2 s of its reappearance, keeps one
// session, counts and annotates the gap, and the samples after the
// reconnection are the device's, at the right place in the session.
func TestReconnectAfterCablePull(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time reconnection test; skipped with -short")
	}
	dir := t.TempDir()
	link := &socatLink{t: t, a: filepath.Join(dir, "amp"), b: filepath.Join(dir, "pc")}
	link.start()
	t.Cleanup(link.kill)
	svc, logBuf := testServices(t)
	p := testPatient(t, svc, "P-RECON")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	ctx1, stop1 := context.WithCancel(ctx)
	_, dump1 := emulateCyton(t, ctx1, link.a, 0, true)
	sess, err := svc.ConnectAndRecord(ctx, service.DeviceConfig{Protocol: "cyton", Port: link.b}, p.ID, storage.SessionRecording)
	if err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 10*time.Second, "1.5 s recorded", func() bool {
		_, _, n := svc.Recorder.State()
		return n >= 375
	})

	link.kill() // pull the cable
	stop1()
	waitfor.Eventually(t, 5*time.Second, "the loss to be noticed", func() bool {
		return svc.Device.Status().State == service.Reconnecting
	})
	time.Sleep(time.Second) // the cable stays out for 1 s

	link.start() // plug it back in; the device answers again
	back := time.Now()
	ctx2, stop2 := context.WithCancel(ctx)
	sent2, dump2 := emulateCyton(t, ctx2, link.a, 0, true)
	waitfor.Eventually(t, 30*time.Second, "streaming again", func() bool {
		return svc.Device.Status().State == service.Streaming
	})
	// The time is reported, not asserted: a busy machine may take longer.
	t.Logf("reconnected %v after the port reappeared", time.Since(back))
	_, _, before := svc.Recorder.State()
	waitfor.Eventually(t, 10*time.Second, "1 s more recorded", func() bool {
		_, _, n := svc.Recorder.State()
		return n >= before+250
	})
	done, err := svc.Recorder.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stats := svc.Device.SourceStats()
	svc.Device.Disconnect()
	stop2()
	<-sent2 // the emulator has flushed its dump

	sessions, err := svc.DB.ListSessions(ctx, storage.SessionFilter{PatientID: p.ID})
	if err != nil || len(sessions) != 1 || sessions[0].ID != sess.ID {
		t.Fatalf("sessions %+v, %v; want exactly one", sessions, err)
	}
	if stats.Reconnects != 1 || len(stats.ReconnectSeconds) != 1 {
		t.Fatalf("stats %+v, want one reconnection", stats)
	}
	anns, err := svc.DB.ListAnnotations(ctx, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	var lostAt, backAt, gap int64 = -1, -1, 0
	for _, a := range anns {
		switch {
		case a.Text == "device disconnected":
			lostAt = a.Sample
		case strings.HasPrefix(a.Text, "device reconnected"):
			backAt, gap = a.Sample, a.Duration
		}
	}
	if lostAt < 0 || backAt != lostAt || gap < 250 || gap > 2000 {
		t.Fatalf("annotations %v: want the disconnection and the reconnection with a gap of about the outage", anns)
	}
	t.Logf("outage gap %d samples (%.2f s), session lost %d", gap, float64(gap)/250, done.Lost)
	if done.Lost < gap {
		t.Errorf("session lost %d samples, want at least the gap %d", done.Lost, gap)
	}
	// Before the pull: the first device run; after: the second, shifted by
	// the gap. Nothing else is stored.
	got := storedSamples(t, svc.DB, sess.ID)
	first := parseDump(t, strings.NewReader(dump1.String()))
	second := parseDump(t, strings.NewReader(dump2.String()))
	resume := uint64(lostAt + gap)
	for idx, g := range got {
		var want []int32
		if idx < uint64(lostAt) {
			want = first[idx]
		} else if idx >= resume {
			want = second[idx-resume]
		}
		if !slices.Equal(g, want) {
			t.Fatalf("sample %d: stored %v, device sent %v (lost at %d, resumed at %d)", idx, g, want, lostAt, resume)
		}
	}
	if !strings.Contains(logBuf.String(), "device back") {
		t.Error("the reconnection is not in the log")
	}
}
