package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"myorehab/acquisition/glove/emulator"
	"myorehab/acquisition/glove/emulator/emulatortest"
	"myorehab/acquisition/serialport/ptytest"
	"myorehab/processing/control"
)

// latencyScript is the simulated patient's session: each gesture held for
// 2 s after 2 s of rest.
const latencyScript = "rest 2\npower grip 2 0.7\nrest 2\npinch 2 0.7\nrest 2\nopen hand 2 0.7\n"

// TestOnsetToGloveLatency measures the whole loop on real parts: the
// simulated patient's gesture onset written to the Cyton emulator's
// pseudo-terminal (emulate --events) → the real driver → the engine → the
// INT8 control front end → processing/control → the glove link → a
// SET_TARGETS applied by the glove emulator on another pseudo-terminal
// (its --log). For every onset it finds the first applied target that
// moves toward the new gesture's posture. It asserts behaviour (most
// onsets move the glove, every target within the limits) and reports the
// delays; `MYOREHAB_LATENCY=N` repeats the script N times for the README's
// figures.
func TestOnsetToGloveLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time loop over ptys; skipped with -short")
	}
	cycles := 2
	if n, err := fmt.Sscan(os.Getenv("MYOREHAB_LATENCY"), &cycles); n != 1 || err != nil {
		cycles = 2
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "session.txt")
	if err := os.WriteFile(script, []byte(latencyScript), 0o600); err != nil {
		t.Fatal(err)
	}
	// Training data: another simulated patient at the Cyton's rate.
	train := filepath.Join(dir, "train.edf")
	if err := Run(context.Background(), []string{"simulate", "--script", script, "--out", train, "--rate", "250", "--channels", "8",
		"--repeat", "4", "--seed", "7"}, &strings.Builder{}, os.Stderr); err != nil {
		t.Fatal(err)
	}

	amp := ptytest.Pair(t)
	var gloveLog syncBuffer
	_, hand := emulatortest.Start(t, emulator.Config{Log: &gloveLog})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()

	seconds := float64(cycles) * 12
	events := filepath.Join(dir, "onsets.jsonl")
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := Run(ctx, []string{"emulate", "--protocol", "cyton", "--port", amp.A, "--script", script, "--events", events,
			"--seconds", fmt.Sprint(seconds + 2)}, &strings.Builder{}, os.Stderr)
		if err != nil && ctx.Err() == nil {
			t.Errorf("amplifier emulator: %v", err)
		}
	}()
	var out strings.Builder
	err := Run(context.Background(), []string{"control", "--protocol", "cyton", "--port", amp.B, "--glove", hand.B,
		"--train", train, "--int8", "--mode", "triggered", "--seconds", fmt.Sprint(seconds), "--json"}, &out, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	var res controlResult
	lastJSON(t, out.String(), &res)
	if len(res.Faults) > 0 {
		// The glove and the link keep their real 250 ms watchdogs here: a
		// machine too busy to feed them falls to the safe state, as it
		// must, and the delays then say nothing.
		if !res.Disarmed {
			t.Fatalf("the glove was left armed after %v", res.Faults)
		}
		t.Skipf("the loop faulted on a starved machine (%v): latency not measured", res.Faults)
	}
	if !res.Int8 || !res.Disarmed || res.Decisions == 0 {
		t.Fatalf("control result %+v", res)
	}

	onsets := readOnsets(t, events)
	applied := readApplied(t, gloveLog.String())
	postures := map[string][]float64{}
	for _, p := range control.DefaultPostures() {
		v := make([]float64, len(p.Positions))
		for i, x := range p.Positions {
			v[i] = float64(x)
		}
		postures[p.Name] = v
	}
	lims := control.DefaultLimits(5)
	for _, a := range applied {
		for i, x := range a.pos {
			if x < float64(lims[i].MinPosition) || x > float64(lims[i].MaxPosition) {
				t.Fatalf("applied target %v ‰ outside the limits", a.pos)
			}
		}
	}
	var delays []time.Duration
	missed := 0
	for k, o := range onsets {
		goal, ok := postures[o.gesture]
		if !ok || o.gesture == control.DefaultRestClass {
			continue
		}
		end := time.Unix(1<<40, 0)
		if k+1 < len(onsets) {
			end = onsets[k+1].at
		}
		// The glove's command just before the onset, then the first one
		// after it that moves toward the new posture (5 ‰: the first command of the new intent; the speed limit then ramps the fingers).
		i := slices.IndexFunc(applied, func(a appliedTarget) bool { return a.at.After(o.at) })
		if i <= 0 {
			missed++
			continue
		}
		before := dist(applied[i-1].pos, goal)
		found := false
		for _, a := range applied[i:] {
			if a.at.After(end) {
				break
			}
			if dist(a.pos, goal) < before-5 {
				delays = append(delays, a.at.Sub(o.at))
				found = true
				break
			}
		}
		if !found && before > 5 {
			missed++
		}
	}
	if len(delays) == 0 || missed > len(delays) {
		t.Fatalf("%d onsets moved the glove, %d did not (decisions %d)", len(delays), missed, res.Decisions)
	}
	slices.Sort(delays)
	pct := func(q float64) time.Duration { return delays[min(len(delays)-1, int(q*float64(len(delays))))] }
	t.Logf("onset → applied glove target over %d onsets (%d missed): p50 %v, p95 %v, max %v; control: T_total p50 %.1f ms, p95 %.1f ms, T_comp p50 %.1f µs (INT8); %d decisions, %d targets sent, %d commands, %d ACKs, %d NACKs, %d frame errors",
		len(delays), missed, pct(0.5), pct(0.95), delays[len(delays)-1], res.TTotalMS.P50, res.TTotalMS.P95, res.TCompUS.P50,
		res.Decisions, res.TargetsSent, res.CommandsSent, res.Acks, res.Nacks, res.FrameErrors)
}

type onset struct {
	at      time.Time
	gesture string
}

func readOnsets(t *testing.T, path string) []onset {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []onset
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct {
			TUnixNS int64  `json:"t_unix_ns"`
			Gesture string `json:"gesture"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("events line %q: %v", sc.Text(), err)
		}
		out = append(out, onset{time.Unix(0, e.TUnixNS), e.Gesture})
	}
	return out
}

type appliedTarget struct {
	at  time.Time
	pos []float64
}

func readApplied(t *testing.T, log string) []appliedTarget {
	t.Helper()
	var out []appliedTarget
	for _, line := range strings.Split(log, "\n") {
		var e emulator.LogEntry
		if line == "" || json.Unmarshal([]byte(line), &e) != nil || e.Kind != "applied" {
			continue
		}
		a := appliedTarget{at: time.Unix(0, e.TUnixNS)}
		for _, x := range e.Targets {
			a.pos = append(a.pos, float64(x.Position))
		}
		out = append(out, a)
	}
	return out
}

// dist is the largest per-finger distance between two hand positions, ‰.
func dist(a, b []float64) float64 {
	d := 0.0
	for i := range min(len(a), len(b)) {
		d = max(d, math.Abs(a[i]-b[i]))
	}
	return d
}
