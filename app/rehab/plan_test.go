package rehab

import (
	"errors"
	"strings"
	"testing"

	"myorehab/acquisition/sim"
)

const cliPlan = `{"name": "grip, week 1",
 "exercises": [
  {"name": "power grip hold", "kind": "mvc", "channels": ["FDS", "FDP"],
   "target_low_pct": 30, "target_high_pct": 50, "hold_s": 3, "rest_s": 3, "reps": 5,
   "assist": {"mode": "assist", "level": 50}},
  {"name": "open hand", "kind": "gesture", "gesture": "open hand",
   "hold_s": 3, "rest_s": 3, "reps": 5, "assist": {"mode": "triggered", "level": 100}, "colour": "blue"}]}`

func TestParseCLIPlan(t *testing.T) {
	p, err := Parse([]byte(cliPlan))
	if err != nil {
		t.Fatal(err)
	}
	e := p.Exercises[0]
	if p.Name != "grip, week 1" || len(p.Exercises) != 2 || e.Kind != KindMVC || e.Channels[1] != "FDP" ||
		e.TargetLowPct != 30 || e.TargetHighPct != 50 || e.HoldS != 3 || e.RestS != 3 || e.Reps != 5 ||
		e.Assist.Mode != "assist" || e.Assist.Level != 50 || p.Exercises[1].Gesture != "open hand" {
		t.Fatalf("parsed %+v", p)
	}
	if p.PlannedReps() != 10 {
		t.Errorf("planned reps %d, want 10", p.PlannedReps())
	}
	if err := Validate(p, Capabilities{Labels: sim.DefaultLabels(8)}); err != nil {
		t.Errorf("the CLI.md plan is refused: %v", err)
	}
}

func TestParseRefusedWithLine(t *testing.T) {
	for _, c := range []struct {
		text string
		line int
	}{
		{"{\"name\": \"x\",\n \"exercises\": [\n  {\"name\": \"a\" \"kind\": \"mvc\"}]}", 3},
		{"{\"name\": \"x\",\n \"exercises\": [\n  {\"name\": \"a\",\n   \"reps\": \"five\"}]}", 4},
		{"{\"name\": \"x\",\n \"exercises\": [\n", 3},
		{"{}\n{}", 2},
	} {
		_, err := Parse([]byte(c.text))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != c.line {
			t.Errorf("%q: error %v, want one on line %d", c.text, err, c.line)
		}
		if err != nil && !strings.Contains(err.Error(), "line") {
			t.Errorf("%q: the message %q does not name the line", c.text, err)
		}
	}
}

func TestValidateBadPlans(t *testing.T) {
	dev := Capabilities{Labels: sim.DefaultLabels(8)}
	base := func() *Plan { p, _ := Parse([]byte(cliPlan)); return p }
	for _, c := range []struct {
		name   string
		change func(*Plan)
		want   string
	}{
		{"channel the device lacks", func(p *Plan) { p.Exercises[0].Channels = []string{"BIC"} }, `channel "BIC" is not on this device`},
		{"unknown gesture", func(p *Plan) { p.Exercises[1].Gesture = "thumbs up" }, `gesture "thumbs up" is unknown`},
		{"zero hold", func(p *Plan) { p.Exercises[0].HoldS = 0 }, "hold time must be more than 0 s"},
		{"inverted band", func(p *Plan) { p.Exercises[0].TargetLowPct = 60 }, "target band"},
		{"no reps", func(p *Plan) { p.Exercises[1].Reps = 0 }, "repetitions"},
		{"unknown kind", func(p *Plan) { p.Exercises[1].Kind = "game" }, `kind "game" is unknown`},
		{"unknown assist", func(p *Plan) { p.Exercises[1].Assist.Mode = "turbo" }, `assist mode "turbo"`},
		{"empty", func(p *Plan) { p.Exercises = nil }, "no exercises"},
	} {
		p := base()
		c.change(p)
		err := Validate(p, dev)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
	// The gestures of the patient's model replace the known list.
	p := base()
	if err := Validate(p, Capabilities{Labels: dev.Labels, Gestures: []string{"rest", "power grip"}}); err == nil ||
		!strings.Contains(err.Error(), `"open hand" is unknown`) {
		t.Errorf("a gesture the model lacks: %v", err)
	}
}

func TestTemplatesValid(t *testing.T) {
	ts := Templates()
	if len(ts) < 5 {
		t.Fatalf("%d templates", len(ts))
	}
	names := map[string]bool{}
	for _, e := range ts {
		names[e.Template] = true
	}
	for _, n := range []string{"power grip hold", "hand opening", "pinch", "finger extension", "wrist extension"} {
		if !names[n] {
			t.Errorf("no %q template", n)
		}
	}
	if err := Validate(&Plan{Name: "all", Exercises: ts}, Capabilities{Labels: sim.DefaultLabels(8)}); err != nil {
		t.Errorf("templates on the 8-channel ring: %v", err)
	}
	back, err := Parse(PlanJSON(DefaultPlan()))
	if err != nil || back.PlannedReps() != DefaultPlan().PlannedReps() {
		t.Errorf("the default plan does not round-trip: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(cliPlan))
	f.Add([]byte(`{"exercises":[{"hold_s":1e400}]}`))
	f.Add([]byte("{\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 || pe.Line > 1+strings.Count(string(data), "\n") {
				t.Fatalf("error %v without a line inside the file", err)
			}
			return
		}
		_ = Validate(p, Capabilities{Labels: sim.DefaultLabels(8)})
		_ = p.PlannedReps()
	})
}
