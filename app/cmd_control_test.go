package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"myorehab/acquisition/glove/emulator"
	"myorehab/acquisition/serialport"
	"myorehab/acquisition/serialport/ptytest"
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

	pipe := ptytest.Pair(t)
	em, err := emulator.New(emulator.Config{Watchdog: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	port, err := serialport.Open(pipe.A, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := em.Run(ctx, port); err != nil && !errors.Is(err, context.Canceled) && !serialport.IsGone(err) {
			t.Errorf("glove emulator: %v", err)
		}
		port.Close()
	}()
	defer func() { cancel(); <-done }()

	logPath := filepath.Join(dir, "frames.jsonl")
	var out strings.Builder
	err = Run(context.Background(), []string{"control", "--protocol", "sim", "--glove", pipe.B, "--train", train,
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
