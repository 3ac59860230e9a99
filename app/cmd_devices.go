package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"myorehab/acquisition"
	"myorehab/acquisition/cyton"
	"myorehab/acquisition/serialport"
	"myorehab/acquisition/sim"
	"myorehab/app/device"
	"myorehab/app/service"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// runEmulate implements `myorehab emulate` (CLI.md): act as an amplifier
// on a serial port, fed by the simulator, or as the glove.
func runEmulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("emulate", stderr)
	protocol := fs.String("protocol", "", "protocol to speak: cyton, cyton-daisy, bitalino, ascii, p2, or glove")
	portPath := fs.String("port", "", "serial port (or pseudo-terminal) to serve")
	seconds := fs.String("seconds", "0", "stream this long after the start command (the glove: run this long), then exit (0: until interrupted)")
	corrupt := fs.Float64("corrupt", 0, "probability per byte sent of replacing it with a random byte")
	seed := fs.Uint64("seed", 1, "seed of the simulator and of the corruption")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	// Amplifiers only.
	rate := fs.Float64("rate", 0, "amplifiers: sample rate in Hz (default: the device's, 250 for the Cyton)")
	channels := fs.Int("channels", 0, "amplifiers: channels (the Cyton has 8)")
	dump := fs.String("dump", "", "amplifiers: write the clean samples sent (raw counts) to this CSV")
	script := fs.String("script", "", "amplifiers: gesture script, lines '<gesture> <seconds> [level]' (default: the demo cycle)")
	events := fs.String("events", "", "amplifiers: write one JSON line per script step when its first sample is written to the port")
	// The glove only.
	gf := gloveEmulateFlags(fs)
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	secs, err := parseDuration(*seconds)
	if err != nil {
		return usagef("--seconds: %v", err)
	}
	if *corrupt < 0 || *corrupt > 1 {
		return usagef("--corrupt must be between 0 and 1")
	}
	if *portPath == "" {
		return usagef("emulate needs --port")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *protocol == "glove" {
		for _, name := range []string{"rate", "channels", "dump", "script", "events"} {
			if set[name] {
				return usagef("--%s is for the amplifier emulators, not the glove", name)
			}
		}
		return emulateGlove(ctx, gf, gloveEmulateCommon{port: *portPath, seconds: secs.Seconds(), corrupt: *corrupt, seed: *seed, asJSON: *asJSON}, stdout)
	}
	for _, name := range gloveOnlyFlags {
		if set[name] {
			return usagef("--%s is for the glove emulator (--protocol glove)", name)
		}
	}
	switch *protocol {
	case "cyton":
		if *channels != 0 && *channels != cyton.Channels {
			return usagef("the Cyton has %d channels (use cyton-daisy for 16)", cyton.Channels)
		}
		if *rate == 0 {
			*rate = 250
		}
	case "cyton-daisy", "bitalino", "ascii", "p2":
		r, n, err := device.EmulatorSetup(*protocol, *rate, *channels)
		if err != nil {
			return usagef("%v", err)
		}
		*rate, *channels = r, n
	case "":
		return usagef("emulate needs --protocol (cyton, cyton-daisy, bitalino, ascii, p2, glove)")
	default:
		return usagef("unknown protocol %q (available: cyton, cyton-daisy, bitalino, ascii, p2, glove)", *protocol)
	}
	if *channels == 0 {
		*channels = cyton.Channels
	}

	cfg := sim.DefaultConfig()
	cfg.Channels, cfg.RateHz, cfg.Seed = *channels, *rate, *seed
	if *script != "" {
		sc, err := readScript(*script)
		if err != nil {
			return err
		}
		cfg.Script = sc
	}
	simulator, err := sim.NewSimulator(cfg)
	if err != nil {
		return err
	}
	var gen acquisition.Generator = simulator
	var dumpW io.Writer
	if *dump != "" {
		f, err := os.Create(*dump)
		if err != nil {
			return fmt.Errorf("create dump file: %w", err)
		}
		defer f.Close()
		dumpW = f
	}
	serial, err := serialport.Open(*portPath, 0)
	if err != nil {
		return err
	}
	defer serial.Close()
	var port io.ReadWriter = serial
	var evErr error
	if *events != "" {
		f, err := os.Create(*events)
		if err != nil {
			return fmt.Errorf("create events file: %w", err)
		}
		defer f.Close()
		w := device.NewStepWatch(simulator, serial, cfg.Script, simulator.RateHz(), func(e device.StepEvent) {
			if evErr == nil {
				evErr = writeStepEvent(f, e)
			}
		})
		gen, port = w.Generator(), w.Port()
	}
	var sent int
	if *protocol == "cyton" {
		sent, err = cyton.RunEmulator(ctx, port, cyton.EmulatorConfig{
			Generator: gen,
			RateHz:    *rate,
			Seconds:   secs.Seconds(),
			Corrupt:   *corrupt,
			Seed:      *seed,
			Dump:      dumpW,
		})
	} else {
		sent, err = device.RunSerialEmulator(ctx, *protocol, port, gen, device.EmulateOptions{
			RateHz: *rate, Channels: *channels, Seconds: secs.Seconds(), Corrupt: *corrupt, Seed: *seed, Dump: dumpW})
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("emulator: %w", err)
	}
	if evErr != nil {
		return fmt.Errorf("write events file %s: %w", *events, evErr)
	}
	res := struct {
		Protocol    string `json:"protocol"`
		SamplesSent int    `json:"samples_sent"`
	}{*protocol, sent}
	if *asJSON {
		return writeJSONLine(stdout, res)
	}
	fmt.Fprintf(stdout, "protocol %s: %d samples sent\n", res.Protocol, res.SamplesSent)
	return writeJSONLine(stdout, res)
}

// readScript reads a gesture script file (sim.ParseScript).
func readScript(path string) (sim.Script, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open script: %w", err)
	}
	defer f.Close()
	sc, err := sim.ParseScript(f)
	if err != nil {
		return nil, fmt.Errorf("script %s: %w", path, err)
	}
	return sc, nil
}

// stepEvent is one line of `emulate --events` (CLI.md fields, then more).
type stepEvent struct {
	TUnixNS int64   `json:"t_unix_ns"`
	Sample  uint64  `json:"sample"`
	Gesture string  `json:"gesture"`
	Level   float64 `json:"level"`
	Step    int     `json:"step"`
	Cycle   int     `json:"cycle"`
}

// writeStepEvent writes e as one JSON line, in one Write so that a reader
// following the file never sees half a line.
func writeStepEvent(w io.Writer, e device.StepEvent) error {
	b, err := json.Marshal(stepEvent{
		TUnixNS: e.At.UnixNano(), Sample: e.Sample, Gesture: e.Gesture.String(), Level: e.Level, Step: e.Step, Cycle: e.Cycle,
	})
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// recordResult is what `myorehab record` prints (CLI.md fields).
type recordResult struct {
	SessionID        int64     `json:"session_id"`
	Samples          int64     `json:"samples"`
	RateHz           float64   `json:"rate_hz"`
	Dropped          int64     `json:"dropped"`
	Lost             uint64    `json:"lost"`
	CorruptPackets   uint64    `json:"corrupt_packets"`
	Reconnects       int       `json:"reconnects"`
	ReconnectSeconds []float64 `json:"reconnect_seconds"`
	Status           string    `json:"status"`
}

// runRecord implements `myorehab record` (CLI.md): headless recording of
// N wall-clock seconds into a session, through the same device, filter and
// writer path as the app.
func runRecord(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("record", stderr)
	portPath := fs.String("port", "", "serial port of the amplifier")
	protocol := fs.String("protocol", "", "amplifier protocol: cyton, cyton-daisy, bitalino, ascii, p2, or sim for the simulator")
	seconds := fs.String("seconds", "", "how long to record (wall clock)")
	dbPath := fs.String("db", "", "SQLite database file (created if missing)")
	patient := fs.String("patient", "HEADLESS", "clinic code of the patient (created if missing)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	verbose := fs.Bool("v", false, "log to stderr")
	mainsFlag := fs.String("mains", "auto", "mains frequency of the notch: 50, 60 or auto")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	mains, err := device.ParseMains(*mainsFlag)
	if err != nil {
		return usagef("--mains: %v", err)
	}
	if *protocol == "" || *seconds == "" || *dbPath == "" {
		return usagef("record needs --protocol, --seconds and --db (and --port for a serial amplifier)")
	}
	dur, err := parseDuration(*seconds)
	if err != nil || dur <= 0 {
		return usagef("--seconds must be a positive duration")
	}
	log := cliLog(*verbose, stderr)
	db, err := sqlite.Open(*dbPath)
	if err != nil {
		return err
	}
	// The stream does not end with ctx: on an interrupt the recording is
	// stopped below, flushed and reported like at the end of --seconds.
	svc := NewServices(context.WithoutCancel(ctx), log, db)
	defer svc.Close()
	svc.Device.SetMains(mains)
	p, err := db.PatientByCode(ctx, *patient)
	if errors.Is(err, storage.ErrNotFound) {
		p = &storage.Patient{Code: *patient}
		err = db.CreatePatient(ctx, p)
	}
	if err != nil {
		return fmt.Errorf("patient %s: %w", *patient, err)
	}
	sess, err := svc.ConnectAndRecord(ctx, service.DeviceConfig{Protocol: *protocol, Port: *portPath}, p.ID, storage.SessionRecording)
	if err != nil {
		return err
	}
	t := time.NewTimer(dur)
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
	}
	st := svc.Device.SourceStats()
	// Stop with a fresh context: an interrupt must still flush what was recorded.
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done, stopErr := svc.Recorder.Stop(stopCtx)
	svc.Device.Disconnect()
	if done == nil {
		return fmt.Errorf("session %d: %w", sess.ID, stopErr)
	}
	res := recordResult{
		SessionID:        done.ID,
		Samples:          done.Samples,
		RateHz:           done.RateHz,
		Dropped:          done.Dropped,
		Lost:             st.Lost,
		CorruptPackets:   st.CorruptPackets,
		Reconnects:       st.Reconnects,
		ReconnectSeconds: append([]float64{}, st.ReconnectSeconds...),
		Status:           string(done.Status),
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "session %d: %d samples at %g Hz, %d dropped, %d lost, %d corrupt packets, %d reconnects\n",
			res.SessionID, res.Samples, res.RateHz, res.Dropped, res.Lost, res.CorruptPackets, res.Reconnects)
	}
	if err := writeJSONLine(stdout, res); err != nil {
		return err
	}
	return stopErr
}
