package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	aglove "myorehab/acquisition/glove"
	"myorehab/app/service"
	"myorehab/processing/recognition"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// controlResult is the JSON of `myorehab control` (CLI.md).
type controlResult struct {
	Decisions    uint64   `json:"decisions"`
	CommandsSent uint64   `json:"commands_sent"`
	TargetsSent  uint64   `json:"targets_sent"`
	Acks         uint64   `json:"acks"`
	Nacks        uint64   `json:"nacks"`
	FrameErrors  uint64   `json:"frame_errors"`
	Faults       []string `json:"faults"`
	TCompUS      struct {
		P50 float64 `json:"p50"`
		P99 float64 `json:"p99"`
	} `json:"t_comp_us"`
	TTotalMS struct {
		P50 float64 `json:"p50"`
		P95 float64 `json:"p95"`
	} `json:"t_total_ms"`
	Disarmed bool   `json:"disarmed"`
	Mode     string `json:"mode"`
	Int8     bool   `json:"int8"`
}

// runControl implements `myorehab control`: the closed loop without a
// window.
func runControl(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("control", stderr)
	protocol := fs.String("protocol", "", "amplifier protocol (sim for the simulator)")
	portPath := fs.String("port", "", "serial port of the amplifier")
	glovePath := fs.String("glove", "", "serial port of the glove")
	dbPath := fs.String("db", "", "database with the patient's model and limits")
	patient := fs.String("patient", "", "clinic code of the patient (with --db)")
	train := fs.String("train", "", "annotated recordings to train the default pipeline on, comma-separated (instead of --db)")
	mode := fs.String("mode", service.ModeTriggered, "assist mode: passive, assist, triggered or proportional")
	level := fs.Int("level", 100, "assist level in %")
	seconds := fs.String("seconds", "10", "how long the loop runs")
	int8 := fs.Bool("int8", false, "run the model as INT8 (with --train)")
	logPath := fs.String("log", "", "write one JSON line per frame sent to the glove")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	verbose := fs.Bool("v", false, "log to stderr")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *protocol == "" || *glovePath == "" || (*dbPath == "") == (*train == "") || (*dbPath != "" && *patient == "") {
		return usagef("control needs --protocol, --glove, and either --db with --patient or --train")
	}
	dur, err := parseDuration(*seconds)
	if err != nil || dur <= 0 {
		return usagef("--seconds must be a positive duration")
	}
	log := cliLog(*verbose, stderr)
	var pipe *recognition.Pipeline
	if *train != "" {
		if pipe, err = trainControl(*train, *int8); err != nil {
			return err
		}
	}
	path := *dbPath
	if path == "" { // --train: a scratch database for the session
		dir, err := os.MkdirTemp("", "myorehab-control-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path, *patient = filepath.Join(dir, "control.db"), "CONTROL"
	}
	db, err := sqlite.Open(path)
	if err != nil {
		return err
	}
	p, err := db.PatientByCode(ctx, *patient)
	if errors.Is(err, storage.ErrNotFound) && *train != "" {
		p = &storage.Patient{Code: *patient}
		err = db.CreatePatient(ctx, p)
	}
	if err != nil {
		db.Close()
		return fmt.Errorf("patient %s: %w", *patient, err)
	}
	// The loop stops at the end of --seconds or on an interrupt; either
	// way the glove is disarmed below before the services close.
	svc := NewServices(context.WithoutCancel(ctx), log, db)
	defer svc.Close()
	var frames *frameLog
	if *logPath != "" {
		if frames, err = newFrameLog(*logPath); err != nil {
			return err
		}
		defer frames.Close()
		svc.Glove.SetOnSend(frames.write)
	}
	if err := svc.Glove.SetMode(*mode, *level); err != nil {
		return usagef("--mode/--level: %v", err)
	}
	if err := svc.Glove.Connect(*glovePath); err != nil {
		return err
	}
	if err := svc.Device.Connect(service.DeviceConfig{Protocol: *protocol, Port: *portPath}); err != nil {
		return err
	}
	if pipe != nil {
		err = svc.Glove.ArmWith(ctx, p.ID, pipe, nil)
	} else {
		err = svc.Glove.Arm(ctx, p.ID)
	}
	if err != nil {
		return err
	}
	t := time.NewTimer(dur)
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
	}
	svc.Glove.Disarm()
	disarmed := waitDisarmed(svc)
	rep := svc.Glove.Report()
	res := controlResult{Decisions: rep.Decisions, CommandsSent: rep.Link.FramesSent, TargetsSent: rep.Link.TargetsSent,
		Acks: rep.Link.Acks, Nacks: rep.Link.Nacks, FrameErrors: rep.Link.FrameErrors, Faults: rep.Faults,
		Disarmed: disarmed, Mode: *mode, Int8: pipe != nil && pipe.Int8 != nil}
	if res.Faults == nil {
		res.Faults = []string{}
	}
	res.TCompUS.P50, res.TCompUS.P99 = percentile(rep.TComp, 50)/1e3, percentile(rep.TComp, 99)/1e3
	res.TTotalMS.P50, res.TTotalMS.P95 = percentile(rep.TTotal, 50)/1e6, percentile(rep.TTotal, 95)/1e6
	if !*asJSON {
		fmt.Fprintf(stdout, "%d decisions, %d frames sent (%d targets), %d acks, %d nacks, %d faults; T_total p50 %.1f ms; disarmed %v\n",
			res.Decisions, res.CommandsSent, res.TargetsSent, res.Acks, res.Nacks, len(res.Faults), res.TTotalMS.P50, res.Disarmed)
	}
	return writeJSONLine(stdout, res)
}

// waitDisarmed waits (up to 2 s) for the glove to stop being armed: it
// reports DISARMED, or a safe state it fell to by itself (FAULT, ESTOP),
// or the link is gone.
func waitDisarmed(svc *Services) bool {
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if st := svc.Glove.Status(); st.State != service.GloveArmed && !st.Armed {
			return true
		}
	}
	return false
}

// trainControl trains the product's control front end
// (recognition.Control: the short window chosen for the glove's latency
// budget) on the annotated recordings.
func trainControl(list string, int8 bool) (*recognition.Pipeline, error) {
	spec := recognition.Control()
	if int8 {
		spec = recognition.ControlInt8()
	}
	var recs []recognition.Recording
	for _, p := range splitList(list) {
		r, err := labelledRecording(p)
		if err != nil {
			return nil, err
		}
		recs = append(recs, r)
	}
	at, err := spec.At(recs[0].RateHz)
	if err != nil {
		return nil, err
	}
	if err := at.Validate(len(recs[0].Channels), recs[0].RateHz); err != nil {
		return nil, err
	}
	return recognition.Train(at, recs)
}

// percentile returns the q-th percentile of d in nanoseconds (0 for none).
func percentile(d []time.Duration, q float64) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := min(len(s)-1, int(q/100*float64(len(s))))
	return float64(s[i])
}

// frameLog writes `control --log`: one JSON line per frame sent.
type frameLog struct {
	mu sync.Mutex
	f  *os.File
	w  *bufio.Writer
}

func newFrameLog(path string) (*frameLog, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--log: %w", err)
	}
	return &frameLog{f: f, w: bufio.NewWriter(f)}, nil
}

// frameLine is one line of the frame log (CLI.md).
type frameLine struct {
	TUnixNS int64          `json:"t_unix_ns"`
	Seq     uint8          `json:"seq"`
	Type    string         `json:"type"`
	Targets []frameTargets `json:"targets"`
}

type frameTargets struct {
	Position   uint16 `json:"position"`
	ForceLimit uint16 `json:"force_limit"`
	MaxSpeed   uint16 `json:"max_speed"`
}

// write runs on the link's writer goroutine: it must be quick.
func (l *frameLog) write(s aglove.Sent) {
	line := frameLine{TUnixNS: s.Time.UnixNano(), Seq: s.Seq, Type: s.Type.String(), Targets: []frameTargets{}}
	for _, t := range s.Targets {
		line.Targets = append(line.Targets, frameTargets(t))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	writeJSONLine(l.w, line)
}

// Close flushes and closes the log.
func (l *frameLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return errors.Join(l.w.Flush(), l.f.Close())
}
