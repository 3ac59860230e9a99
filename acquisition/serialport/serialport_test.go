package serialport_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"myorehab/acquisition/serialport"
	"myorehab/acquisition/serialport/ptytest"
)

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	regular := filepath.Join(dir, "file")
	if err := os.WriteFile(regular, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		name     string
		path     string
		kind     serialport.Kind
		sentinel error
		words    string
	}{
		{"missing", filepath.Join(dir, "ttyUSB9"), serialport.NotFound, serialport.ErrNotFound, "does not exist"},
		{"empty", "", serialport.NotFound, serialport.ErrNotFound, "does not exist"},
		{"regular file", regular, serialport.NotSerial, serialport.ErrNotSerial, "not a serial port"},
	} {
		t.Run(test.name, func(t *testing.T) {
			p, err := serialport.Open(test.path, 115200)
			if err == nil {
				p.Close()
				t.Fatal("Open succeeded")
			}
			var se *serialport.Error
			if !errors.As(err, &se) || se.Kind != test.kind {
				t.Fatalf("error %v (%T), want Kind %v", err, err, test.kind)
			}
			if !errors.Is(err, test.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, test.sentinel)
			}
			if !strings.Contains(err.Error(), test.words) {
				t.Errorf("message %q does not say %q", err, test.words)
			}
		})
	}
	t.Run("not found is fs.ErrNotExist", func(t *testing.T) {
		_, err := serialport.Open(filepath.Join(dir, "nope"), 0)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("errors.Is(%v, fs.ErrNotExist) = false", err)
		}
	})
}

func TestOpenPermissionDenied(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("running as root: permissions are not enforced")
	}
	pipe := ptytest.Pair(t)
	target, err := filepath.EvalSymlinks(pipe.A)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(target, 0); err != nil {
		t.Skipf("cannot chmod the pty: %v", err)
	}
	_, err = serialport.Open(pipe.A, 0)
	if !errors.Is(err, serialport.ErrPermission) {
		t.Fatalf("Open on a mode-0 pty: %v, want ErrPermission", err)
	}
}

func TestPtyRoundTripAndGone(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	a, err := serialport.Open(pipe.A, 115200)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := serialport.Open(pipe.B, 115200)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	// A second open of the same end is refused as busy (TIOCEXCL; root
	// bypasses exclusive mode).
	if os.Geteuid() == 0 {
		t.Log("running as root: TIOCEXCL is not enforced, busy check skipped")
	} else if p2, err := serialport.Open(pipe.A, 115200); err == nil {
		p2.Close()
		t.Error("second Open of an open port succeeded")
	} else if !errors.Is(err, serialport.ErrBusy) {
		t.Errorf("second Open: %v, want ErrBusy", err)
	}

	msg := []byte("hello, amplifier")
	if _, err := a.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := readN(t, b, len(msg))
	if !bytes.Equal(got, msg) {
		t.Fatalf("read %q, want %q", got, msg)
	}

	// With nothing to read, Read returns (0, nil) after the read timeout:
	// it returns at all (without a timeout it would block for ever; the
	// watchdog is generous because a busy machine only delays it), and
	// it waited rather than polled.
	start := time.Now()
	type result struct {
		n   int
		err error
	}
	idle := make(chan result, 1)
	go func() {
		n, err := b.Read(make([]byte, 8))
		idle <- result{n, err}
	}()
	select {
	case r := <-idle:
		if r.n != 0 || r.err != nil {
			t.Fatalf("idle Read = %d, %v; want 0, nil", r.n, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("idle Read still blocked after 10 s; read timeout is %v", serialport.ReadTimeout)
	}
	if d := time.Since(start); d < serialport.ReadTimeout/2 {
		t.Errorf("idle Read returned after %v, read timeout is %v", d, serialport.ReadTimeout)
	}

	// Killing socat is an unplug: reads fail with an error IsGone accepts.
	pipe.Kill()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := b.Read(make([]byte, 8))
		if err != nil {
			if !serialport.IsGone(err) {
				t.Fatalf("read after unplug: %v (%T), IsGone = false", err, err)
			}
			t.Logf("read after unplug: %v", err)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("reads still succeed 5 s after unplug")
		}
	}
}

func readN(t *testing.T, p interface{ Read([]byte) (int, error) }, n int) []byte {
	t.Helper()
	buf := make([]byte, 0, n)
	tmp := make([]byte, n)
	deadline := time.Now().Add(5 * time.Second)
	for len(buf) < n {
		k, err := p.Read(tmp[:n-len(buf)])
		if err != nil {
			t.Fatal(err)
		}
		buf = append(buf, tmp[:k]...)
		if time.Now().After(deadline) {
			t.Fatalf("read %d of %d bytes in 5 s", len(buf), n)
		}
	}
	return buf
}

func TestIsGone(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("other"), false},
		{fs.ErrClosed, true},
	} {
		if got := serialport.IsGone(test.err); got != test.want {
			t.Errorf("IsGone(%v) = %v, want %v", test.err, got, test.want)
		}
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	ports, err := serialport.List()
	if err != nil {
		t.Skipf("port enumeration unavailable here: %v", err)
	}
	for i, p := range ports {
		if p.Path == "" {
			t.Errorf("port %d has an empty path", i)
		}
		if i > 0 && ports[i-1].Path > p.Path {
			t.Errorf("ports not sorted: %q before %q", ports[i-1].Path, p.Path)
		}
	}
}
