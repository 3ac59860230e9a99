// Package emulatortest runs the glove emulator on a real pseudo-terminal
// for tests: the glove on one end of a socat pair, the host on the other.
package emulatortest

import (
	"context"
	"errors"
	"testing"

	"myorehab/acquisition/glove/emulator"
	"myorehab/acquisition/serialport"
	"myorehab/acquisition/serialport/ptytest"
)

// Start runs a glove emulator configured by cfg on end A of a new socat
// pseudo-terminal pair and returns it with the pair: the host opens
// pipe.B. The emulator stops when the test ends; an emulator error other
// than the pair going away (a pulled cable) fails the test. It skips the
// test when socat is missing (ptytest.Pair).
func Start(tb testing.TB, cfg emulator.Config) (*emulator.Emulator, *ptytest.Pipe) {
	tb.Helper()
	pipe := ptytest.Pair(tb)
	em, err := emulator.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	port, err := serialport.Open(pipe.A, 0)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := em.Run(ctx, port); err != nil && !errors.Is(err, context.Canceled) && !serialport.IsGone(err) {
			tb.Errorf("glove emulator: %v", err)
		}
		port.Close()
	}()
	tb.Cleanup(func() { cancel(); <-done })
	return em, pipe
}
