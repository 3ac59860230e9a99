// Package rehab runs guided rehabilitation sessions: exercise plans built
// from templates and versioned per patient, the session runner (prompts on
// the recording's sample clock through app/script, an engine consumer
// measuring the working muscles' level in %MVC), scoring of every
// repetition, assist-as-needed for the glove, fatigue advice, and a
// simulated patient who follows the cues with a given skill.
//
// Units: levels are in % of the patient's MVC (the RMS in µV of the
// conditioned signal over a 250 ms moving window divided by the channel's
// MVC RMS); times in seconds unless typed time.Duration; sample indices
// count the session's samples from its first.
//
// It draws nothing (the screens are in ui) and never imports Fyne.
package rehab
