package ui

import (
	"fmt"
	"strings"
)

// Step performs one named action as a therapist would, for scripted
// demonstrations and the screenshots of docs/screens (make screenshots):
//
//	signal, fatigue, glove,
//	exercises               show that tab of the live view
//	record, stop            press Record / Stop
//	marker, note            place a marker / a note in the recording
//	disconnect              press Disconnect
//	review                  open the newest finished session in Review
//	calibrate, settings     open the calibration wizard / Settings
//	next                    press the calibration wizard's main button
//	add-patient             open the Add patient form
//	setup                   open the device set-up (Set up…)
//	trend                   show the session trend beside the history
//	progress                open the selected patient's Progress
//	session                 start an exercise session (MVC holds first)
//	patient-screen          show the exercise session's patient screen
//	plan                    open the selected patient's exercise plan editor
//
// It returns an error for an unknown name or an action the screen cannot
// take now (e.g. review without a finished session). Call it on the Fyne
// goroutine.
func (m *MainScreen) Step(name string) error {
	switch name {
	case "signal", "fatigue", "glove", "exercises":
		for i, it := range m.Live.Tabs.Items {
			if strings.EqualFold(it.Text, name) {
				m.Live.Tabs.SelectIndex(i)
				return nil
			}
		}
		return fmt.Errorf("no %s tab", name)
	case "record":
		if m.Live.recording {
			return nil
		}
		m.Live.onRecordTapped()
	case "stop":
		if m.Live.recording {
			m.Live.onRecordTapped()
		}
	case "marker":
		m.Live.onMarkerTapped()
	case "note":
		m.Live.NoteEntry.SetText("Patient reports tiredness")
		m.Live.onAddNoteTapped()
	case "disconnect":
		m.Device.onDisconnectTapped()
	case "review":
		p := m.Patients
		for i, s := range p.sessions {
			if s.Status != "recording" {
				p.session = i
				p.onOpenTapped()
				return nil
			}
		}
		return fmt.Errorf("no finished session to review")
	case "calibrate":
		m.onCalibrateTapped()
	case "next":
		if m.Calibration == nil {
			return fmt.Errorf("no calibration wizard open")
		}
		m.Calibration.onNextTapped()
	case "settings":
		m.onSettingsTapped()
	case "setup":
		m.Device.onSetupTapped()
	case "add-patient":
		m.Patients.onAddTapped()
	case "trend":
		if m.Patients.HistoryTabs == nil {
			return fmt.Errorf("no session trend")
		}
		m.Patients.HistoryTabs.SelectIndex(1)
	case "progress":
		if m.Patients.ProgressButton == nil || m.Patients.ProgressButton.Hidden {
			return fmt.Errorf("no progress view")
		}
		m.Patients.onProgressTapped()
	case "plan":
		if m.Rehab == nil {
			return fmt.Errorf("no exercise plans")
		}
		m.Rehab.onEditPlan()
	case "session", "patient-screen":
		if m.Rehab == nil {
			return fmt.Errorf("no exercise sessions")
		}
		if name == "patient-screen" {
			m.Rehab.onFull()
			return nil
		}
		m.Rehab.MeasureMVC.SetChecked(true)
		m.Rehab.onStart()
	default:
		return fmt.Errorf("unknown step %q", name)
	}
	return nil
}
