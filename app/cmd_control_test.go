package app

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	aglove "myorehab/acquisition/glove"
	"myorehab/acquisition/glove/emulator"
	"myorehab/acquisition/glove/emulator/emulatortest"
	"myorehab/internal/waitfor"
	"myorehab/storage"
)

// TestControlCommand runs `myorehab control` for 2 s: the simulated
// amplifier, a model trained on annotated recordings, and the glove
// emulator on the far end of a real pseudo-terminal pair. The loop
// decides, the glove answers, every frame is in the --log file, and the
// glove is disarmed at the end.
func TestControlCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("2 s real-time loop; skipped with -short")
	}
	dir := t.TempDir()
	train := filepath.Join(dir, "train.edf")
	labels := []string{"rest", "grip", "open", "rest", "grip", "open", "rest", "grip", "open"}
	writeAnnotatedEDF(t, train, 8, 1500, labels, true)

	_, pipe := emulatortest.Start(t, emulator.Config{Watchdog: 3 * time.Second})

	logPath := filepath.Join(dir, "frames.jsonl")
	var out strings.Builder
	err := Run(context.Background(), []string{"control", "--protocol", "sim", "--glove", pipe.B, "--train", train,
		"--seconds", "2", "--log", logPath, "--json"}, &out, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	var res controlResult
	lastJSON(t, out.String(), &res)
	if res.Decisions == 0 || res.CommandsSent == 0 || res.Acks == 0 || !res.Disarmed || res.TCompUS.P50 <= 0 || res.TTotalMS.P50 <= 0 {
		t.Fatalf("control result %+v", res)
	}
	f, err := os.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines, arms, last int
	types := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l frameLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		lines++
		types[l.Type]++
		if l.Type == "ARM" {
			arms++
		}
		if l.TUnixNS <= 0 {
			t.Fatalf("log line without time: %q", sc.Text())
		}
		last = lines
	}
	if uint64(lines) != res.CommandsSent || arms != 1 || types["DISARM"] == 0 || last == 0 {
		t.Errorf("%d log lines for %d frames sent; by type %v", lines, res.CommandsSent, types)
	}
}

// TestControlCommandErrors: the closed loop refuses incomplete flags.
func TestControlCommandErrors(t *testing.T) {
	for _, args := range [][]string{
		{"control", "--protocol", "sim"},
		{"control", "--protocol", "sim", "--glove", "/dev/null"},
		{"control", "--protocol", "sim", "--glove", "/dev/null", "--db", "x.db"},
		{"control", "--protocol", "sim", "--glove", "/dev/null", "--train", "a.edf", "--seconds", "-1"},
	} {
		err := Run(context.Background(), args, &strings.Builder{}, &strings.Builder{})
		if ExitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want a usage error", args, ExitCode(err), err)
		}
	}
}

// TestControlKilledWhileArmed kills a real `myorehab control` process
// with SIGKILL while the glove is armed and moving: the glove emulator
// falls to its safe state by its own 250 ms watchdog.
func TestControlKilledWhileArmed(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "k.db")
	db := openDB(t, dbPath)
	if err := db.CreatePatient(context.Background(), &storage.Patient{Code: "K-1"}); err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	em, pipe := emulatortest.Start(t, emulator.Config{Log: &log}) // the real 250 ms watchdog

	args := []string{"control", "--protocol", "sim", "--glove", pipe.B, "--db", dbPath, "--patient", "K-1",
		"--mode", "passive", "--seconds", "120"}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), cliChildEnv+"="+strings.Join(args, "\x1f"), "LANG=en_US.UTF-8")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitfor.Eventually(t, 30*time.Second, "the glove armed and moving", func() bool {
		s := em.Snapshot()
		return s.State == aglove.Armed && s.Applied > 10 && s.Position[1] > 50
	})
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killedAt := time.Now()
	cmd.Wait()
	waitfor.Eventually(t, 30*time.Second, "the glove's safe state", func() bool { return em.Snapshot().State != aglove.Armed })
	var safeAt time.Time
	for _, line := range strings.Split(log.String(), "\n") {
		var e emulator.LogEntry
		if json.Unmarshal([]byte(line), &e) == nil && e.Kind == "fault" && e.Fault == "watchdog" {
			safeAt = time.Unix(0, e.TUnixNS)
		}
	}
	if safeAt.IsZero() {
		t.Fatalf("no watchdog fault in the glove's log:\n%s", log.String())
	}
	// Reported, not asserted to the millisecond: a busy machine only
	// delays when the test notices, not the glove's watchdog.
	t.Logf("glove safe %v after SIGKILL of myorehab control (watchdog 250 ms)", safeAt.Sub(killedAt))
	if d := safeAt.Sub(killedAt); d > 2*time.Second {
		t.Errorf("glove safe %v after the kill", d)
	}
}
