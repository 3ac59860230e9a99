package sim

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseScript(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name string
		in   string
		want Script
		err  string // substring of the error; "" for success
	}{
		{"one step", "grip 2\n", Script{{PowerGrip, 2, 1}}, ""},
		{"rest defaults to level 0", "rest 1.5", Script{{Rest, 1.5, 0}}, ""},
		{"spaces in name", "power grip 3 0.8\nwrist extension 1 0.25",
			Script{{PowerGrip, 3, 0.8}, {WristExtension, 1, 0.25}}, ""},
		{"comments and blanks", "# demo\n\n  pinch 1 0.5  # light\r\nopen-hand 2\n",
			Script{{Pinch, 1, 0.5}, {OpenHand, 2, 1}}, ""},
		{"empty", "", nil, "empty script"},
		{"only comments", "# nothing\n\n", nil, "empty script"},
		{"no duration", "grip\n", nil, "line 1"},
		{"no gesture", "3 0.5\n", nil, "line 1"},
		{"unknown gesture", "rest 1\nfist 2\n", nil, "line 2: sim: unknown gesture"},
		{"bad level", "grip 1 x\n", nil, "line 1"},
		{"level above 1", "grip 1 1.5\n", nil, "level 1.5"},
		{"negative level", "grip 1 -0.1\n", nil, "level -0.1"},
		{"zero duration", "grip 0\n", nil, "duration 0"},
		{"NaN duration", "grip NaN\n", nil, "duration NaN"},
		{"too long", "grip 1e9\n", nil, "duration 1e+09"},
		{"extra field", "grip 1 0.5 2\n", nil, "line 1"},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, err := ParseScript(strings.NewReader(test.in))
			if test.err != "" {
				if err == nil || !strings.Contains(err.Error(), test.err) {
					t.Fatalf("ParseScript error %v, want one containing %q", err, test.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, test.want) {
				t.Errorf("ParseScript = %v, want %v", got, test.want)
			}
		})
	}
}

func TestScriptRoundTrip(t *testing.T) {
	t.Parallel()
	for _, s := range []Script{DefaultScript(), {{Pinch, 0.001, 0.123456789}}} {
		got, err := ParseScript(strings.NewReader(s.String()))
		if err != nil || !slices.Equal(got, s) {
			t.Errorf("ParseScript(%q) = %v, %v; want %v", s.String(), got, err, s)
		}
	}
	if d := DefaultScript().Seconds(); d != 30 {
		t.Errorf("DefaultScript lasts %g s, want 30", d)
	}
}

func TestScriptValidate(t *testing.T) {
	t.Parallel()
	if err := (Script{}).Validate(); !errors.Is(err, ErrEmptyScript) {
		t.Errorf("empty script: %v, want ErrEmptyScript", err)
	}
	for _, s := range []Script{
		{{Gesture(6), 1, 1}},
		{{Rest, 1, 0}, {PowerGrip, -1, 1}},
		{{PowerGrip, 1, 2}},
	} {
		if err := s.Validate(); err == nil {
			t.Errorf("%v: no error", s)
		}
	}
	if err := DefaultScript().Validate(); err != nil {
		t.Error(err)
	}
}

func FuzzParseScript(f *testing.F) {
	for _, seed := range []string{
		"grip 2\n", "power grip 3 0.8\nwrist extension 1 0.25", "# demo\n\n  pinch 1 0.5  # light\r\n",
		"rest 1\nfist 2\n", "grip 1 1.5\n", "grip NaN\n", "3 0.5\n", DefaultScript().String(),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseScript(strings.NewReader(in))
		if err != nil {
			if s != nil {
				t.Fatalf("error %v with a script %v", err, s)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("ParseScript accepted an invalid script: %v", err)
		}
		again, err := ParseScript(strings.NewReader(s.String()))
		if err != nil || !slices.Equal(again, s) {
			t.Fatalf("round trip of %v: %v, %v", s, again, err)
		}
		// Every accepted script runs.
		sim, err := NewSimulator(Config{Channels: 1, RateHz: 100, Script: s})
		if err != nil {
			t.Fatal(err)
		}
		skip(sim, 10)
	})
}

// TestScriptEnds checks Ends against what a Simulator running the script
// performs: the gesture of each sample (Current) changes exactly at the
// ends, and the layout repeats.
func TestScriptEnds(t *testing.T) {
	t.Parallel()
	sc := Script{{Rest, 0.5, 0}, {PowerGrip, 1.004, 0.8}, {Pinch, 0.0001, 1}, {OpenHand, 0.25, 0.6}}
	const fs = 250.0
	ends := sc.Ends(fs)
	// 0.5·250 = 125; 1.504·250 = 376; 1.5041·250 = 376.025 rounds to 376,
	// so the pinch gets its one sample (377); 1.7541·250 = 438.525 → 439.
	if want := []uint64{125, 376, 377, 439}; !slices.Equal(ends, want) {
		t.Fatalf("Ends = %v, want %v", ends, want)
	}
	cfg := DefaultConfig()
	cfg.RateHz, cfg.Channels, cfg.Script = fs, 2, sc
	s, err := NewSimulator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, 2)
	period := ends[len(ends)-1]
	for n := range 2 * period {
		s.Next(x)
		pos, step := n%period, 0
		for pos >= ends[step] {
			step++
		}
		if got := s.Current(); got != sc[step].Gesture {
			t.Fatalf("sample %d: simulator performs %v, Ends says step %d (%v)", n, got, step, sc[step].Gesture)
		}
	}
}
