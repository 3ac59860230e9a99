// Package ui implements the MyoRehab Fyne user interface: the patient panel
// (search, registration, session history with metrics and an RMS/MDF trend
// across sessions), the device bar and its set-up dialog (ports, probing,
// protocol, hobby-sensor safety warning, per-patient channel set-up), the
// live view (scope with quality lights, RMS bars, fatigue trend and
// notice, recording controls), the session review screen, the export and
// import forms, the settings dialog (backup and restore), the status bar
// and the clinic theme.
//
// The package talks to the rest of the application only through the small
// interfaces in services.go, which the app package implements; tests use
// fakes. PatientService, DeviceService and RecordingService are required;
// ProbeService, ChannelSetupService, HistoryService, ReviewService,
// TransferService and BackupService are optional (Deps fields left nil
// hide or disable their features). Blocking service calls run off the Fyne
// goroutine and apply their results with fyne.DoAndWait; live data and
// transfer progress reach the screen through a 30 Hz ticker
// (MainScreen.Start) that reads DeviceService.Snapshot and Status, never
// through per-sample calls.
package ui
