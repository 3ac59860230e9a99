package app

import (
	"bufio"
	"context"
	"encoding/json"
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
