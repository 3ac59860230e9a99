package app

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"myorehab/acquisition/serialport"
	"myorehab/acquisition/serialport/ptytest"
	"myorehab/acquisition/sim"
	"myorehab/app/device"
	"myorehab/storage/edf"
)

// testScript is a gesture script of 2.5 s with steps of different
// lengths, in the text form of CLI.md.
const testScript = "rest 0.5\npower grip 1 0.8\nrest 0.25\nopen hand 0.75 0.6\n"

// drainHost plays a host on path until ctx ends: it sends start every
// 200 ms until bytes arrive (the emulator opens its end in its own time),
// then reads and discards everything.
func drainHost(t *testing.T, ctx context.Context, path string, start string) {
	t.Helper()
	port, err := serialport.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer port.Close()
		buf := make([]byte, 4096)
		got := false
		last := time.Time{}
		for ctx.Err() == nil {
			if !got && time.Since(last) > 200*time.Millisecond {
				port.Write([]byte(start))
				last = time.Now()
			}
			n, err := port.Read(buf)
			if err != nil {
				return
			}
			got = got || n > 0
		}
	}()
}

// stepLine is one line of --events.
type stepLine struct {
	TUnixNS int64    `json:"t_unix_ns"`
	Sample  *uint64  `json:"sample"`
	Gesture string   `json:"gesture"`
	Level   *float64 `json:"level"`
	Step    int      `json:"step"`
	Cycle   int      `json:"cycle"`
}

// TestEmulateEvents runs amplifier emulators with --script and --events
// over a pty for 3 s of a 2.5 s script: the events file has one line per
// step that started, in order (the script repeats: the fifth line is its
// first step again), each at the sample index where the script's
// durations put it at the stream's rate (round(cumulative seconds × rate)),
// with the step's gesture and level, at non-decreasing times. The Cyton
// and the other protocols take two code paths.
func TestEmulateEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("3 s real-time serial streams; skipped with -short")
	}
	dir := t.TempDir()
	scriptPath := filepath.Join(dir, "script.txt")
	if err := os.WriteFile(scriptPath, []byte(testScript), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		protocol, start string
		rateHz          float64
	}{
		{"p2", "\n", 256},
		{"cyton", "b", 250},
	} {
		t.Run(test.protocol, func(t *testing.T) {
			t.Parallel()
			pipe := ptytest.Pair(t)
			eventsPath := filepath.Join(t.TempDir(), "events.jsonl")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			drainHost(t, ctx, pipe.B, test.start)
			var out, errOut strings.Builder
			err := Run(ctx, []string{"emulate", "--protocol", test.protocol, "--port", pipe.A, "--seconds", "3",
				"--script", scriptPath, "--events", eventsPath, "--json"}, &out, &errOut)
			if err != nil {
				t.Fatalf("emulate: %v\n%s", err, errOut.String())
			}
			var res struct {
				SamplesSent int `json:"samples_sent"`
			}
			lastJSON(t, out.String(), &res)
			if want := int(3 * test.rateHz); res.SamplesSent != want {
				t.Fatalf("%d samples sent, want %d", res.SamplesSent, want)
			}

			f, err := os.Open(eventsPath)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var lines []stepLine
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				var l stepLine
				if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
					t.Fatalf("events line %q: %v", sc.Text(), err)
				}
				if l.TUnixNS <= 0 || l.Sample == nil || l.Level == nil {
					t.Fatalf("events line %q lacks a field", sc.Text())
				}
				lines = append(lines, l)
			}
			want := []struct {
				seconds float64 // start, from the script's durations
				gesture string
				level   float64
				step    int
			}{
				{0, "rest", 0, 0}, {0.5, "power grip", 0.8, 1}, {1.5, "rest", 0, 2}, {1.75, "open hand", 0.6, 3},
				{2.5, "rest", 0, 0},
			}
			if len(lines) != len(want) {
				t.Fatalf("%d events, want %d: %+v", len(lines), len(want), lines)
			}
			for i, w := range want {
				l := lines[i]
				if s := uint64(math.Round(w.seconds * test.rateHz)); *l.Sample != s || l.Gesture != w.gesture || *l.Level != w.level || l.Step != w.step {
					t.Errorf("event %d: %+v (sample %d), want sample %d, %s at %g, step %d", i, l, *l.Sample, s, w.gesture, w.level, w.step)
				}
				if i > 0 && l.TUnixNS < lines[i-1].TUnixNS {
					t.Errorf("event %d is earlier than event %d", i, i-1)
				}
			}
			if lines[4].Cycle != 1 || lines[3].Cycle != 0 {
				t.Errorf("cycles %d, %d; want 0 then 1 when the script repeats", lines[3].Cycle, lines[4].Cycle)
			}
		})
	}
}

// rwDiscard is a port that swallows writes.
type rwDiscard struct{}

func (rwDiscard) Read([]byte) (int, error)    { return 0, nil }
func (rwDiscard) Write(p []byte) (int, error) { return len(p), nil }

// TestStepWatchDoesNotAllocate: the --events hook costs no allocation per
// sample or per write, even with a step starting every 10 samples.
func TestStepWatchDoesNotAllocate(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Channels, cfg.RateHz = 4, 1000
	cfg.Script = sim.Script{{Gesture: sim.Rest, Seconds: 0.01}, {Gesture: sim.Pinch, Seconds: 0.01, Level: 0.5}}
	s, err := sim.NewSimulator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var steps []device.StepEvent
	w := device.NewStepWatch(s, rwDiscard{}, cfg.Script, cfg.RateHz, func(e device.StepEvent) { steps = append(steps, e) })
	steps = make([]device.StepEvent, 0, 1000)
	gen, port := w.Generator(), w.Port()
	x := make([]float64, 4)
	wire := make([]byte, 33)
	allocs := testing.AllocsPerRun(500, func() {
		gen.Next(x)
		gen.Next(x)
		port.Write(wire)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per two samples and a write", allocs)
	}
	if len(steps) < 100 {
		t.Fatalf("%d steps seen in 1002 samples, want 100", len(steps))
	}
	for i, e := range steps[1:] {
		if e.Sample != steps[i].Sample+10 || e.Step == steps[i].Step {
			t.Fatalf("step %d at sample %d (step %d) after sample %d (step %d)", i+1, e.Sample, e.Step, steps[i].Sample, steps[i].Step)
		}
	}
}

// simulate runs `myorehab simulate` with args and returns its JSON result.
func simulate(t *testing.T, args ...string) simulateResult {
	t.Helper()
	var out, errOut strings.Builder
	if err := Run(context.Background(), append([]string{"simulate", "--json"}, args...), &out, &errOut); err != nil {
		t.Fatalf("simulate %q: %v\n%s", args, err, errOut.String())
	}
	var res simulateResult
	lastJSON(t, out.String(), &res)
	return res
}

// TestSimulateEDF: simulate writes an EDF+ (or BDF+) file with the asked
// channels and rate, as many samples as the script lasts (times --repeat),
// and one annotation per step, in order, whose text is the gesture and
// whose onset and duration are where the script's durations put them
// (samples round(cumulative seconds × rate), as the simulator steps). The
// same seed writes the same file; another seed another signal. Many short
// steps still all fit in the annotation space.
func TestSimulateEDF(t *testing.T) {
	dir := t.TempDir()
	scriptPath := filepath.Join(dir, "script.txt")
	if err := os.WriteFile(scriptPath, []byte(testScript), 0o644); err != nil {
		t.Fatal(err)
	}
	const rate = 500
	steps := []struct {
		start, end float64
		text       string
	}{{0, 0.5, "rest"}, {0.5, 1.5, "power grip"}, {1.5, 1.75, "rest"}, {1.75, 2.5, "open hand"}}
	for _, ext := range []string{"edf", "bdf"} {
		a, b, c := filepath.Join(dir, "a."+ext), filepath.Join(dir, "b."+ext), filepath.Join(dir, "c."+ext)
		res := simulate(t, "--script", scriptPath, "--out", a, "--seed", "3", "--channels", "4", "--rate", "500", "--repeat", "2")
		if res.Samples != 2*1250 || res.Channels != 4 || res.RateHz != rate || res.Annotations != 8 || res.Seconds != 5 || res.Clipped != 0 {
			t.Fatalf("%s: result %+v", ext, res)
		}
		f, err := edf.ReadFile(a)
		if err != nil {
			t.Fatal(err)
		}
		if !f.Plus || (ext == "bdf") != (f.Format == edf.BDF) || len(f.Signals) != 5 || !f.Signals[4].IsAnnotation() {
			t.Fatalf("%s: header %+v", ext, f.Header)
		}
		for i := range 4 {
			if f.SampleRateHz(i) != rate || len(f.Samples[i])-f.Padding(i) != 2500 || !strings.HasPrefix(f.Signals[i].Label, "EMG ") {
				t.Fatalf("%s: signal %d: %q at %g Hz, %d samples", ext, i, f.Signals[i].Label, f.SampleRateHz(i), len(f.Samples[i])-f.Padding(i))
			}
		}
		if len(f.Annotations) != 8 {
			t.Fatalf("%s: annotations %+v", ext, f.Annotations)
		}
		for i, an := range f.Annotations {
			st := steps[i%4]
			off := 2.5 * float64(i/4)
			if an.Text != st.text || an.Onset != off+st.start || math.Abs(an.Duration-(st.end-st.start)) > 1e-12 {
				t.Errorf("%s: annotation %d = %+v, want %s at %g s for %g s", ext, i, an, st.text, off+st.start, st.end-st.start)
			}
		}
		simulate(t, "--script", scriptPath, "--out", b, "--seed", "3", "--channels", "4", "--rate", "500", "--repeat", "2")
		simulate(t, "--script", scriptPath, "--out", c, "--seed", "4", "--channels", "4", "--rate", "500", "--repeat", "2")
		ba, bb, bc := readAll(t, a), readAll(t, b), readAll(t, c)
		if string(ba) != string(bb) {
			t.Errorf("%s: the same seed wrote different files", ext)
		}
		if string(ba) == string(bc) || len(ba) != len(bc) {
			t.Errorf("%s: seeds 3 and 4 wrote the same file (or files of different sizes)", ext)
		}
	}

	// 400 steps of 10 ms: 100 annotations start in each 1 s data record.
	short := filepath.Join(dir, "short.txt")
	if err := os.WriteFile(short, []byte("pinch 0.01 0.5\nrest 0.01\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "short.edf")
	if res := simulate(t, "--script", short, "--out", out, "--repeat", "200"); res.Annotations != 400 {
		t.Fatalf("result %+v", res)
	}
	f, err := edf.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Annotations) != 400 || f.Annotations[399].Text != "rest" || f.Annotations[399].Onset != 3.99 {
		t.Fatalf("%d annotations, last %+v", len(f.Annotations), f.Annotations[len(f.Annotations)-1])
	}
}

func readAll(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSimulateTrainsEvaluate: `evaluate --train` learns the gestures from
// one simulated recording and recognises them in another simulated
// patient (another seed: other electrode gains and noise) far above
// chance (1 in 6 classes).
func TestSimulateTrainsEvaluate(t *testing.T) {
	dir := t.TempDir()
	scriptPath := filepath.Join(dir, "script.txt")
	script := "rest 2\npower grip 3 0.7\nrest 2\nopen hand 3 0.7\nrest 2\npinch 3 0.7\nrest 2\nwrist flexion 3 0.7\nrest 2\nwrist extension 3 0.5\n"
	if err := os.WriteFile(scriptPath, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	train, test := filepath.Join(dir, "train.edf"), filepath.Join(dir, "test.edf")
	simulate(t, "--script", scriptPath, "--out", train, "--seed", "1", "--repeat", "2")
	simulate(t, "--script", scriptPath, "--out", test, "--seed", "2")
	var out, errOut strings.Builder
	if err := Run(context.Background(), []string{"evaluate", "--train", train, "--test", test, "--json"}, &out, &errOut); err != nil {
		t.Fatalf("evaluate: %v\n%s", err, errOut.String())
	}
	var res struct {
		Accuracy         float64  `json:"accuracy"`
		BalancedAccuracy float64  `json:"balanced_accuracy"`
		Classes          []string `json:"classes"`
		TestWindows      int      `json:"n_test_windows"`
	}
	lastJSON(t, out.String(), &res)
	if len(res.Classes) != 6 || res.TestWindows == 0 || res.Accuracy < 0.8 || res.BalancedAccuracy < 0.8 {
		t.Fatalf("evaluate on another simulated patient: %s", out.String())
	}
}

// TestSimulateUsageErrors: bad simulate flags are usage errors (exit
// status 2) with a one-line message.
func TestSimulateUsageErrors(t *testing.T) {
	dir := t.TempDir()
	scriptPath := filepath.Join(dir, "script.txt")
	if err := os.WriteFile(scriptPath, []byte(testScript), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "x.edf")
	for _, test := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", out}, "--script"},
		{[]string{"--script", scriptPath}, "--out"},
		{[]string{"--script", scriptPath, "--out", filepath.Join(dir, "x.csv")}, ".edf"},
		{[]string{"--script", scriptPath, "--out", out, "--channels", "17"}, "--channels"},
		{[]string{"--script", scriptPath, "--out", out, "--rate", "0"}, "--rate"},
		{[]string{"--script", scriptPath, "--out", out, "--repeat", "0"}, "--repeat"},
		{[]string{"--script", scriptPath, "--out", out, "--seed", "x"}, "seed"},
	} {
		var o, e strings.Builder
		err := Run(context.Background(), append([]string{"simulate"}, test.args...), &o, &e)
		if ExitCode(err) != 2 || !strings.Contains(err.Error(), test.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("simulate %q: exit %d, error %v; want a one-line usage error containing %q", test.args, ExitCode(err), err, test.want)
		}
	}
	// A wrong script is an error in the file (exit status 1) naming the line.
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("rest 1\nfist 2\n"), 0o644)
	err := Run(context.Background(), []string{"simulate", "--script", bad, "--out", out}, io.Discard, io.Discard)
	if ExitCode(err) != 1 || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad script: exit %d, %v", ExitCode(err), err)
	}
}
