package ui

import (
	"context"
	"errors"
)

// userMessage is the one place where errors from the services become text
// for clinicians: "<action failed>: <what to check>". The services already
// write errors as sentences (e.g. the serial port errors name the port and
// the fix), so only the cases they cannot word are mapped here. Callers log
// the full error.
func userMessage(action string, err error) string {
	if err == nil {
		return ""
	}
	var detail string
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		detail = "no answer in time. Check that the device is switched on and connected, then try again."
	case errors.Is(err, context.Canceled):
		detail = "cancelled because the program is closing."
	default:
		detail = err.Error()
	}
	return action + ": " + detail
}
