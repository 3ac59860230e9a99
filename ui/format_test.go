package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"myorehab/acquisition"
	"myorehab/app/service"
	"myorehab/storage"
)

func TestDeviceStateString(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		s    service.DeviceState
		want string
	}{
		{service.Disconnected, "Disconnected"}, {service.Connecting, "Connecting…"}, {service.Streaming, "Streaming"},
		{service.Reconnecting, "Reconnecting…"}, {service.Failed, "Failed"}, {service.DeviceState(42), "Unknown"},
	} {
		if got := test.s.String(); got != test.want {
			t.Errorf("DeviceState(%d).String() = %q, want %q", int(test.s), got, test.want)
		}
	}
}

func TestDeviceLine(t *testing.T) {
	t.Parallel()
	cyton := acquisition.StreamInfo{Device: "OpenBCI Cyton", Port: "/dev/ttyUSB0", Channels: 8, SampleRateHz: 250}
	for _, test := range []struct {
		name string
		st   service.DeviceStatus
		want string
	}{
		{"disconnected", service.DeviceStatus{}, "Disconnected"},
		{"streaming", service.DeviceStatus{State: service.Streaming, Info: cyton, MeasuredRateHz: 249.84, Lost: 3, Dropped: 1, CorruptPackets: 2},
			"Streaming — OpenBCI Cyton on /dev/ttyUSB0 · 8 ch · 249.8 Hz (nominal 250 Hz) · lost 3 · dropped 1 · corrupt 2"},
		{"sim", service.DeviceStatus{State: service.Streaming, Info: acquisition.StreamInfo{Device: "Simulator", Channels: 4, SampleRateHz: 1000}, MeasuredRateHz: 1000},
			"Streaming — Simulator · 4 ch · 1000.0 Hz (nominal 1000 Hz) · lost 0 · dropped 0 · corrupt 0"},
		{"reconnecting", service.DeviceStatus{State: service.Reconnecting, Info: cyton, Lost: 125},
			"Reconnecting… — OpenBCI Cyton on /dev/ttyUSB0 · 8 ch · lost 125 · dropped 0 · corrupt 0"},
		{"failed", service.DeviceStatus{State: service.Failed, Message: "gave up"}, "Failed"},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := deviceLine(test.st); got != test.want {
				t.Errorf("deviceLine =\n%q, want\n%q", got, test.want)
			}
		})
	}
}

func TestSessionCells(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 3, 4, 10, 30, 0, 0, time.Local)
	s := storage.Session{Type: storage.SessionTherapy, Status: storage.StatusCompleted, StartedAt: start, RateHz: 250, Samples: 250 * 3725}
	want := [...]string{"2025-03-04 10:30", "therapy", "1:02:05", "completed", "931\u2009250"}
	if got := sessionCells(s); got != want {
		t.Errorf("sessionCells = %q, want %q", got, want)
	}
}

func TestFormatDurationAndDigits(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		d    time.Duration
		want string
	}{{0, "0:00"}, {59999 * time.Millisecond, "0:59"}, {65 * time.Second, "1:05"}, {time.Hour + 5*time.Second, "1:00:05"}, {-time.Second, "0:00"}} {
		if got := formatDuration(test.d); got != test.want {
			t.Errorf("formatDuration(%v) = %q, want %q", test.d, got, test.want)
		}
	}
	for _, test := range []struct {
		n    int64
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1\u2009000"}, {1234567, "1\u2009234\u2009567"}, {-45000, "-45\u2009000"}} {
		if got := groupDigits(test.n); got != test.want {
			t.Errorf("groupDigits(%d) = %q, want %q", test.n, got, test.want)
		}
	}
}

func TestPatientRow(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		p    storage.Patient
		want string
	}{
		{storage.Patient{Code: "P-1"}, "P-1"},
		{storage.Patient{Code: "P-1", Name: "Ada Keller", BirthDate: "1958-02-11"}, "P-1 — Ada Keller (1958)"},
	} {
		if got := patientRow(test.p); got != test.want {
			t.Errorf("patientRow = %q, want %q", got, test.want)
		}
	}
}

func TestUserMessage(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("serial port /dev/ttyUSB0 is busy (another program is using it; close it and retry)"),
			"Could not connect: serial port /dev/ttyUSB0 is busy (another program is using it; close it and retry)"},
		{fmt.Errorf("banner: %w", context.DeadlineExceeded), "Could not connect: no answer in time."},
		{fmt.Errorf("open: %w", context.Canceled), "Could not connect: cancelled because the program is closing."},
	} {
		if got := userMessage("Could not connect", test.err); !strings.HasPrefix(got, test.want) || (test.want == "") != (got == "") {
			t.Errorf("userMessage(%v) = %q, want prefix %q", test.err, got, test.want)
		}
	}
}

func TestIsTestDriver(t *testing.T) {
	a := test.NewTempApp(t)
	if !isTestDriver(a.Driver()) {
		t.Error("the fyne test driver is not recognised")
	}
	if isTestDriver(nil) {
		t.Error("nil recognised as the test driver")
	}
}
