// Package ui implements the MyoRehab Fyne user interface: the patient panel,
// the device panel, the live scope with recording controls, the status bar
// and the clinic theme.
//
// The package talks to the rest of the application only through the small
// interfaces in services.go (PatientService, DeviceService,
// RecordingService), which the app package implements; tests use fakes.
// Blocking service calls run off the Fyne goroutine and apply their results
// with fyne.DoAndWait; live data reach the screen through a 30 Hz ticker
// (MainScreen.Start) that reads DeviceService.Snapshot and Status, never
// through per-sample calls.
package ui
