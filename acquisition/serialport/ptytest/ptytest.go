// Package ptytest makes pairs of connected pseudo-terminals with socat for
// tests of serial drivers and emulators: whatever is written to one end is
// read from the other, through the real kernel tty layer.
package ptytest

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Socat is the socat binary Pair runs.
const Socat = "/usr/bin/socat"

// Pipe is a running socat process linking two pseudo-terminals.
type Pipe struct {
	// A and B are the paths of the two ends (symbolic links in a
	// temporary directory).
	A, B string

	cmd  *exec.Cmd
	once sync.Once
	done chan struct{}
}

// Pair starts socat linking two raw pseudo-terminals and returns once both
// ends exist. It skips the test when socat is not installed and kills socat
// when the test ends.
func Pair(tb testing.TB) *Pipe {
	tb.Helper()
	bin, err := exec.LookPath(Socat)
	if err != nil {
		if bin, err = exec.LookPath("socat"); err != nil {
			tb.Skipf("ptytest: socat not installed (%v); apt-get install socat to run this test", err)
		}
	}
	dir := tb.TempDir()
	p := &Pipe{A: filepath.Join(dir, "a"), B: filepath.Join(dir, "b"), done: make(chan struct{})}
	p.cmd = exec.Command(bin, "-d", "-d",
		"pty,raw,echo=0,link="+p.A, "pty,raw,echo=0,link="+p.B)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		tb.Fatalf("ptytest: %v", err)
	}
	if err := p.cmd.Start(); err != nil {
		tb.Fatalf("ptytest: start socat: %v", err)
	}
	tb.Cleanup(p.Kill)
	ready := make(chan struct{})
	go func() {
		// socat logs "starting data transfer loop" once both ptys and
		// their links exist.
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.Contains(sc.Text(), "starting data transfer loop") {
				close(ready)
				signalled = true
			}
		}
		p.cmd.Wait()
		close(p.done)
	}()
	select {
	case <-ready:
	case <-p.done:
		tb.Fatalf("ptytest: socat exited before the ptys were ready")
	case <-time.After(5 * time.Second):
		tb.Fatalf("ptytest: socat did not create the ptys within 5 s")
	}
	return p
}

// Kill ends socat, as if the cable were pulled, and waits for it to exit.
// It is idempotent.
func (p *Pipe) Kill() {
	p.once.Do(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
}

// Done is closed when socat has exited.
func (p *Pipe) Done() <-chan struct{} { return p.done }
