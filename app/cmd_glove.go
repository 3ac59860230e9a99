package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"myorehab/acquisition/glove/emulator"
	"myorehab/acquisition/serialport"
)

// gloveOnlyFlags are the emulate flags of the glove alone.
var gloveOnlyFlags = []string{"fingers", "corrupt-in", "log", "fault", "watchdog"}

// gloveFlags are the emulate flags of the glove alone (gloveOnlyFlags).
type gloveFlags struct {
	fingers   *int
	corruptIn *float64
	log       *string
	fault     *string
	watchdog  *string
}

// gloveEmulateFlags defines the glove's flags on the emulate flag set.
func gloveEmulateFlags(fs *flag.FlagSet) gloveFlags {
	return gloveFlags{
		fingers:   fs.Int("fingers", emulator.DefaultFingers, "glove: actuated fingers, 1 to 5 (thumb first)"),
		corruptIn: fs.Float64("corrupt-in", 0, "glove: probability per byte received of replacing it with a random byte before decoding"),
		log:       fs.String("log", "", "glove: write one JSON line per frame acted on or refused, state change and fault to this file"),
		fault:     fs.String("fault", "", "glove: inject faults, comma-separated KIND[:FINGER]@TIME (stall:index@5s, over-force:thumb@3s, silent@4s, hw-estop@6s)"),
		watchdog:  fs.String("watchdog", "250ms", "glove: silence after which an armed glove falls to its safe state"),
	}
}

// gloveEmulateCommon are the emulate flags the glove shares with the
// amplifiers, parsed.
type gloveEmulateCommon struct {
	port             string
	seconds, corrupt float64
	seed             uint64
	asJSON           bool
}

// gloveEmulateResult is what `emulate --protocol glove` prints: CLI.md's
// fields (no samples: samples_sent is 0), then the glove's counters and
// the state it ended in.
type gloveEmulateResult struct {
	Protocol      string `json:"protocol"`
	SamplesSent   int    `json:"samples_sent"`
	State         string `json:"state"`
	Faults        string `json:"faults"`
	Frames        uint64 `json:"frames"`
	FrameErrors   uint64 `json:"frame_errors"`
	Nacks         uint64 `json:"nacks"`
	Applied       uint64 `json:"applied"`
	StatusSent    uint64 `json:"status_sent"`
	WatchdogTrips uint64 `json:"watchdog_trips"`
	TxDropped     uint64 `json:"tx_dropped"`
}

// emulateGlove runs `myorehab emulate --protocol glove` (CLI.md, "Glove
// and rehabilitation"): the glove link v1 emulator on a serial port.
func emulateGlove(ctx context.Context, gf gloveFlags, c gloveEmulateCommon, stdout io.Writer) error {
	if *gf.fingers < 1 || *gf.fingers > 5 {
		return usagef("--fingers must be 1 to 5")
	}
	if *gf.corruptIn < 0 || *gf.corruptIn > 1 {
		return usagef("--corrupt-in must be between 0 and 1")
	}
	faults, err := emulator.ParseFaults(*gf.fault)
	if err != nil {
		return usagef("--fault: %v", err)
	}
	wd, err := parseDuration(*gf.watchdog)
	if err != nil || wd <= 0 {
		return usagef("--watchdog must be a positive duration (e.g. 250ms)")
	}
	cfg := emulator.Config{
		Fingers: *gf.fingers, Seconds: c.seconds, Corrupt: c.corrupt, CorruptIn: *gf.corruptIn,
		Seed: c.seed, Faults: faults, Watchdog: wd,
	}
	if *gf.log != "" {
		f, err := os.Create(*gf.log)
		if err != nil {
			return fmt.Errorf("create log file: %w", err)
		}
		defer f.Close()
		cfg.Log = f
	}
	em, err := emulator.New(cfg)
	if err != nil {
		return usagef("%v", err)
	}
	port, err := serialport.Open(c.port, 0)
	if err != nil {
		return err
	}
	err = em.Run(ctx, port)
	port.Close()
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("glove emulator: %w", err)
	}
	s := em.Snapshot()
	res := gloveEmulateResult{
		Protocol: "glove", State: s.State.String(), Faults: s.Faults.String(),
		Frames: s.Frames, FrameErrors: s.FrameErrors, Nacks: s.Nacks, Applied: s.Applied,
		StatusSent: s.StatusSent, WatchdogTrips: s.WatchdogTrips, TxDropped: s.TxDropped,
	}
	if !c.asJSON {
		fmt.Fprintf(stdout, "glove: %d frames received (%d damaged), %d targets applied, %d refused, %d watchdog trips; ended %s\n",
			res.Frames, res.FrameErrors, res.Applied, res.Nacks, res.WatchdogTrips, res.State)
	}
	return writeJSONLine(stdout, res)
}
