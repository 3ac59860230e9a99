//go:build unix

package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"myorehab/acquisition"
	"myorehab/storage"
)

// crashEnv names the database file of the crash child (see
// TestCrashChild); the parent sets it when it re-executes the test binary.
const crashEnv = "MYOREHAB_CRASH_CHILD_DB"

const (
	crashChannels = 8
	crashRate     = 1000 // Hz
	crashBlock    = 20   // samples: 20 ms blocks
)

// TestCrashChild is the child half of TestCrashKill: it records forever at
// real-time pace and prints "wrote <session> <samples>" after each block. It
// is skipped unless run by TestCrashKill.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("run by TestCrashKill in a subprocess")
	}
	db, err := Open(path)
	if err != nil {
		fmt.Println("error", err)
		return
	}
	s := &storage.Session{Channels: crashChannels, RateHz: crashRate, Type: storage.SessionTherapy, Device: "crash test"}
	if err := db.CreateSession(context.Background(), s); err != nil {
		fmt.Println("error", err)
		return
	}
	w, err := NewWriter(db, s.ID, WriterConfig{BlockLen: crashBlock})
	if err != nil {
		fmt.Println("error", err)
		return
	}
	b := acquisition.NewBlock(crashChannels, crashBlock)
	tick := time.NewTicker(time.Second * crashBlock / crashRate)
	defer tick.Stop()
	for start := uint64(0); ; start += crashBlock {
		<-tick.C
		fillBlock(b, start, crashBlock)
		if err := w.Write(b); err != nil {
			fmt.Println("error", err)
			return
		}
		// Written straight to the pipe (os.Stdout is unbuffered).
		fmt.Printf("wrote %d %d\n", s.ID, start+crashBlock)
	}
}

// TestCrashKill kills a recording process with SIGKILL and checks that
// nothing but the last second is lost: the database passes integrity_check,
// the session is marked interrupted, and the stored samples are exactly
// the first ones written, all but at most one second of them.
func TestCrashKill(t *testing.T) {
	if testing.Short() {
		t.Skip("records for 3 s in a subprocess")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.v=false")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	type progress struct {
		session int64
		samples uint64
		err     string
	}
	lines := make(chan progress, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) == 3 && f[0] == "wrote":
				id, _ := strconv.ParseInt(f[1], 10, 64)
				n, _ := strconv.ParseUint(f[2], 10, 64)
				lines <- progress{session: id, samples: n}
			case len(f) > 0 && f[0] == "error":
				lines <- progress{err: sc.Text()}
			}
		}
	}()
	// Wait for about 3 s of signal written (not at a chunk boundary, where
	// the writer commits anyway), then kill at once.
	const want = 3*crashRate + 13*crashBlock
	var last progress
	timeout := time.After(30 * time.Second)
	for last.samples < want {
		select {
		case p, ok := <-lines:
			if !ok {
				t.Fatalf("child exited after %d samples: %v", last.samples, cmd.Wait())
			}
			if p.err != "" {
				t.Fatalf("child: %s", p.err)
			}
			last = p
		case <-timeout:
			t.Fatalf("child wrote only %d samples in 30 s", last.samples)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for p := range lines { // lines written before the kill landed
		if p.err == "" {
			last = p
		}
	}
	cmd.Wait()

	db := mustOpenPath(t, path)
	if err := db.Check(context.Background()); err != nil {
		t.Fatalf("integrity_check after SIGKILL: %v", err)
	}
	if got := db.Recovered(); !slices.Equal(got, []int64{last.session}) {
		t.Fatalf("Recovered() = %v, want [%d]", got, last.session)
	}
	s, err := db.Session(context.Background(), last.session)
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != storage.StatusInterrupted {
		t.Errorf("status %q, want interrupted", s.Status)
	}
	// The stored samples are exactly samples 0 … n-1, n ≤ written.
	var next uint64
	err = db.ReadSamples(context.Background(), s.ID, func(start uint64, chans [][]int32) error {
		if start != next {
			return fmt.Errorf("gap: chunk at %d, want %d", start, next)
		}
		for c, ch := range chans {
			for i, v := range ch {
				if w := countAt(start+uint64(i), c); v != w {
					return fmt.Errorf("sample %d channel %d = %d, want %d", start+uint64(i), c, v, w)
				}
			}
		}
		next += uint64(len(chans[0]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("child reported %d samples, %d stored (%.0f ms lost)", last.samples, next,
		float64(last.samples-min(next, last.samples))*1000/crashRate)
	if next > last.samples+crashBlock { // at most the block in flight when killed
		t.Errorf("stored %d samples, more than the %d written", next, last.samples)
	}
	if next+crashRate < last.samples {
		t.Errorf("stored %d of %d samples: lost more than 1 s", next, last.samples)
	}
	if s.Samples != int64(next) {
		t.Errorf("session counts %d samples, %d stored", s.Samples, next)
	}
	if d := s.Duration(); d < time.Duration(next)*time.Second/crashRate-time.Millisecond {
		t.Errorf("duration %v for %d samples", d, next)
	}
	if want := s.StartedAt.Add(s.Duration()); s.EndedAt.Sub(want).Abs() > time.Millisecond {
		t.Errorf("ended %v, want start + duration %v", s.EndedAt, want)
	}
}
