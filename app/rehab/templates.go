package rehab

import "myorehab/app/service"

// Templates returns the exercise library a therapist builds plans from:
// power-grip hold, hand opening, pinch, finger extension and wrist
// extension. Channel labels are the forearm ring's (acquisition/sim
// DefaultLabels: FDS, FDP over the finger flexors, EDC over the extensors,
// ECRL/ECU over the wrist extensors). The slice is new on each call.
func Templates() []Exercise {
	return []Exercise{
		{Template: "power grip hold", Name: "power grip hold", Kind: KindMVC, Gesture: "power grip",
			Channels: []string{"FDS", "FDP"}, Antagonist: []string{"EDC"},
			TargetLowPct: 30, TargetHighPct: 50, HoldS: 3, RestS: 3, Reps: 5, Sets: 1,
			Assist: Assist{Mode: service.ModeAssist, Level: 50}},
		{Template: "hand opening", Name: "hand opening", Kind: KindGesture, Gesture: "open hand",
			Channels: []string{"EDC"}, Antagonist: []string{"FDS"},
			HoldS: 3, RestS: 3, Reps: 5, Sets: 1,
			Assist: Assist{Mode: service.ModeTriggered, Level: 100}},
		{Template: "pinch", Name: "pinch", Kind: KindGesture, Gesture: "pinch",
			Channels: []string{"FDS"}, HoldS: 3, RestS: 3, Reps: 5, Sets: 1,
			Assist: Assist{Mode: service.ModeTriggered, Level: 100}},
		{Template: "finger extension", Name: "finger extension", Kind: KindMVC, Gesture: "open hand",
			Channels: []string{"EDC"}, Antagonist: []string{"FDS"},
			TargetLowPct: 20, TargetHighPct: 40, HoldS: 3, RestS: 4, Reps: 5, Sets: 1,
			Assist: Assist{Mode: service.ModeAssist, Level: 60}},
		{Template: "wrist extension", Name: "wrist extension", Kind: KindMVC, Gesture: "wrist extension",
			Channels: []string{"ECRL", "ECU"}, Antagonist: []string{"FCR"},
			TargetLowPct: 25, TargetHighPct: 45, HoldS: 4, RestS: 4, Reps: 5, Sets: 1},
	}
}

// Template returns the template named name.
func Template(name string) (Exercise, bool) {
	for _, t := range Templates() {
		if t.Template == name {
			return t, true
		}
	}
	return Exercise{}, false
}

// DefaultPlan returns a starter plan: a power-grip hold and hand opening.
func DefaultPlan() *Plan {
	a, _ := Template("power grip hold")
	b, _ := Template("finger extension")
	return &Plan{Name: "grip and open, week 1", Exercises: []Exercise{a, b}}
}
