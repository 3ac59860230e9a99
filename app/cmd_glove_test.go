package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"myorehab/acquisition/glove"
	"myorehab/acquisition/glove/emulator"
	"myorehab/acquisition/serialport/ptytest"
	"myorehab/internal/waitfor"
)

// readGloveLog reads the emulator's --log file (a missing file is empty).
func readGloveLog(t *testing.T, path string) []emulator.LogEntry {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []emulator.LogEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e emulator.LogEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// The emulator writes whole lines; a partial last line is
			// still being written.
			break
		}
		out = append(out, e)
	}
	return out
}

// lastApplied returns the positions of the latest applied entry.
func lastApplied(entries []emulator.LogEntry) []uint16 {
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].Kind == "applied" {
			var p []uint16
			for _, x := range entries[i].Targets {
				p = append(p, x.Position)
			}
			return p
		}
	}
	return nil
}

// TestEmulateGloveThroughCLI runs `emulate --protocol glove` on one end of
// a pty pair and the app's glove link (acquisition/glove) on the other:
// the handshake succeeds with the finger count asked for; after ARM the
// targets the host sets are applied (the --log's applied entries reach
// them, within the host's limits, only while ARMED); DISARM is logged as a
// state change after the last applied target; and the result line counts
// what was applied.
func TestEmulateGloveThroughCLI(t *testing.T) {
	pipe := ptytest.Pair(t)
	logPath := filepath.Join(t.TempDir(), "glove.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		// A slow watchdog: a starved test process must not turn this into
		// a watchdog test (the glove package tests the 250 ms).
		done <- Run(ctx, []string{"emulate", "--protocol", "glove", "--port", pipe.A, "--fingers", "3",
			"--log", logPath, "--watchdog", "3s", "--seed", "5", "--json"}, out, out)
	}()

	lims := make([]glove.Limit, 3)
	for i := range lims {
		lims[i] = glove.Limit{MinPosition: 0, MaxPosition: 900, MaxForce: 800, MaxSpeed: 1000}
	}
	// The emulator opens its end in its own goroutine: try until the
	// handshake succeeds.
	var l *glove.Link
	waitfor.Eventually(t, 30*time.Second, "the glove handshake", func() bool {
		var err error
		l, err = glove.Open(glove.Config{Port: pipe.B, Limits: lims, LinkTimeout: 2 * time.Second})
		return err == nil
	})
	defer l.Close()
	if l.Fingers() != 3 || l.Info().Fingers != 3 {
		t.Fatalf("glove reports %d fingers (%+v), want 3", l.Fingers(), l.Info())
	}

	// Arm (again if a starved process lost the arming, as the app does).
	tries := 0
	waitfor.Eventually(t, 30*time.Second, "the glove armed", func() bool {
		if l.Armed() {
			return true
		}
		if tries%100 == 0 {
			l.ClearFault()
			if err := l.Arm(7); err != nil {
				t.Fatal(err)
			}
		}
		tries++
		return false
	})
	for _, pos := range []uint16{600, 250, 400} {
		targets := []glove.FingerTarget{
			{Position: pos, ForceLimit: 500, MaxSpeed: 800},
			{Position: pos / 2, ForceLimit: 400, MaxSpeed: 800},
			{Position: pos + 100, ForceLimit: 300, MaxSpeed: 800},
		}
		want := []uint16{pos, pos / 2, pos + 100}
		waitfor.Eventually(t, 30*time.Second, "targets applied", func() bool {
			if !l.Armed() {
				l.ClearFault()
				l.Arm(7)
			}
			l.SetTargets(targets)
			return slices.Equal(lastApplied(readGloveLog(t, logPath)), want)
		})
	}
	if err := l.Disarm(); err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 30*time.Second, "DISARMED logged", func() bool {
		e := readGloveLog(t, logPath)
		return len(e) > 0 && e[len(e)-1].Kind == "state" && e[len(e)-1].State == "DISARMED"
	})
	l.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("emulate: %v\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("emulate did not end with its context")
	}

	entries := readGloveLog(t, logPath)
	var applied int
	firstArmed, lastDisarmed := -1, -1
	for i, e := range entries {
		switch e.Kind {
		case "state":
			if e.State == "ARMED" && firstArmed < 0 {
				firstArmed = i
			}
			if e.State == "DISARMED" {
				lastDisarmed = i
			}
		case "applied":
			applied++
			if firstArmed < 0 || e.State != "ARMED" {
				t.Fatalf("entry %d: applied before ARMED or outside it: %+v", i, e)
			}
			if len(e.Targets) != 3 || e.Seq < 0 || e.Seq > 255 {
				t.Fatalf("entry %d: %+v", i, e)
			}
			for f, x := range e.Targets {
				if x.Position > 900 || x.ForceLimit > 800 || x.MaxSpeed > 1000 {
					t.Fatalf("entry %d finger %d: %+v outside the limits", i, f, x)
				}
			}
		}
		// Times are checked for presence only: the emulator's clock step
		// reads the time before taking the lock the reader may hold, so
		// neighbouring entries can be out of time order by a few µs.
		if e.TUnixNS <= 0 {
			t.Fatalf("entry %d has no time: %+v", i, e)
		}
	}
	if applied == 0 || lastDisarmed < firstArmed {
		t.Fatalf("%d applied, first ARMED at %d, last DISARMED at %d", applied, firstArmed, lastDisarmed)
	}
	for _, e := range entries[lastDisarmed:] {
		if e.Kind == "applied" {
			t.Fatalf("applied after the DISARM: %+v", e)
		}
	}
	var res gloveEmulateResult
	lastJSON(t, out.String(), &res)
	if res.Protocol != "glove" || res.SamplesSent != 0 || res.Applied != uint64(applied) || res.State != "DISARMED" ||
		res.Frames < res.Applied || res.StatusSent == 0 {
		t.Fatalf("result %+v, log has %d applied", res, applied)
	}
}

// TestEmulateGloveSeconds: with --seconds the glove emulator ends by itself
// (no host needed) and prints its result, in words and as JSON.
func TestEmulateGloveSeconds(t *testing.T) {
	pipe := ptytest.Pair(t)
	var out, errOut strings.Builder
	if err := Run(context.Background(), []string{"emulate", "--protocol", "glove", "--port", pipe.A, "--seconds", "300ms"}, &out, &errOut); err != nil {
		t.Fatalf("emulate: %v\n%s", err, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "glove: ") {
		t.Fatalf("output %q", out.String())
	}
	var res gloveEmulateResult
	lastJSON(t, out.String(), &res)
	if res.Protocol != "glove" || res.State != "DISARMED" || res.StatusSent == 0 || res.Applied != 0 {
		t.Fatalf("result %+v", res)
	}
}

// TestEmulateUsageErrors: wrong or misplaced emulate flags are usage
// errors (exit status 2) with a one-line message, before any port is
// opened.
func TestEmulateUsageErrors(t *testing.T) {
	for _, test := range []struct {
		args []string
		want string
	}{
		{[]string{"--protocol", "glove", "--port", "/nonexistent", "--fingers", "6"}, "--fingers"},
		{[]string{"--protocol", "glove", "--port", "/nonexistent", "--fingers", "0"}, "--fingers"},
		{[]string{"--protocol", "glove", "--port", "/nonexistent", "--corrupt-in", "1.5"}, "--corrupt-in"},
		{[]string{"--protocol", "glove", "--port", "/nonexistent", "--corrupt", "-0.1"}, "--corrupt"},
		{[]string{"--protocol", "glove", "--port", "/nonexistent", "--fault", "stall@5s"}, "--fault"},
		{[]string{"--protocol", "glove", "--port", "/nonexistent", "--fault", "melt:index@5s"}, "--fault"},
		{[]string{"--protocol", "glove", "--port", "/nonexistent", "--watchdog", "0"}, "--watchdog"},
		{[]string{"--protocol", "glove", "--port", "/nonexistent", "--rate", "250"}, "--rate is for the amplifier"},
		{[]string{"--protocol", "glove", "--port", "/nonexistent", "--events", "e.jsonl"}, "--events is for the amplifier"},
		{[]string{"--protocol", "glove", "--port", "/nonexistent", "--script", "s.txt"}, "--script is for the amplifier"},
		{[]string{"--protocol", "cyton", "--port", "/nonexistent", "--log", "g.jsonl"}, "--log is for the glove"},
		{[]string{"--protocol", "p2", "--port", "/nonexistent", "--fingers", "3"}, "--fingers is for the glove"},
		{[]string{"--protocol", "glove"}, "--port"},
		{[]string{"--protocol", "hand", "--port", "/nonexistent"}, "unknown protocol"},
		{[]string{"--port", "/nonexistent"}, "--protocol"},
		{[]string{"--protocol", "glove", "--port", "/nonexistent", "extra"}, "unexpected argument"},
	} {
		var out, errOut strings.Builder
		err := Run(context.Background(), append([]string{"emulate"}, test.args...), &out, &errOut)
		if ExitCode(err) != 2 || !strings.Contains(err.Error(), test.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("emulate %q: exit %d, error %v; want a one-line usage error containing %q", test.args, ExitCode(err), err, test.want)
		}
	}
}
