package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"myorehab/storage"
)

// patientRow is the text of a patient in the patient list.
func patientRow(p storage.Patient) string {
	s := p.Code
	if p.Name != "" {
		s += " — " + p.Name
	}
	if len(p.BirthDate) >= 4 {
		s += " (" + p.BirthDate[:4] + ")"
	}
	return s
}

// sessionColumns are the headers of the session table.
var sessionColumns = [...]string{"Date", "Type", "Duration", "Status", "Samples"}

// sessionCells returns the session table cells of s, in sessionColumns order.
func sessionCells(s storage.Session) [len(sessionColumns)]string {
	date := ""
	if !s.StartedAt.IsZero() {
		date = s.StartedAt.Local().Format("2006-01-02 15:04")
	}
	return [...]string{date, string(s.Type), formatDuration(s.Duration()), string(s.Status), groupDigits(s.Samples)}
}

// formatDuration formats d as m:ss or h:mm:ss, truncated to the second.
func formatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	sec := int64(d / time.Second)
	h, m, s := sec/3600, sec/60%60, sec%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}

// groupDigits formats n with thin spaces between groups of three digits
// (ISO 80000), e.g. 1 250 000.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('\u2009')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// deviceLine is the device panel's status line: state, device, and while
// streaming the rate and the loss counters, e.g.
//
//	Streaming — OpenBCI Cyton on /dev/ttyUSB0 · 8 ch · 249.8 Hz (nominal 250 Hz) · lost 0 · dropped 0 · corrupt 0
func deviceLine(st DeviceStatus) string {
	var b strings.Builder
	b.WriteString(st.State.String())
	if st.State == Disconnected {
		return b.String()
	}
	if st.Info.Device != "" {
		b.WriteString(" — " + st.Info.Device)
		if st.Info.Port != "" {
			b.WriteString(" on " + st.Info.Port)
		}
	}
	if st.Info.Channels > 0 {
		fmt.Fprintf(&b, " · %d ch", st.Info.Channels)
	}
	if st.State == Streaming {
		fmt.Fprintf(&b, " · %.1f Hz", st.MeasuredRateHz)
		if st.Info.SampleRateHz > 0 {
			fmt.Fprintf(&b, " (nominal %s Hz)", strconv.FormatFloat(st.Info.SampleRateHz, 'f', -1, 64))
		}
	}
	if st.State == Streaming || st.State == Reconnecting {
		fmt.Fprintf(&b, " · lost %d · dropped %d · corrupt %d", st.Lost, st.Dropped, st.CorruptPackets)
	}
	return b.String()
}

// formatRate formats a sample rate, e.g. "249.8 Hz".
func formatRate(hz float64) string {
	return strconv.FormatFloat(hz, 'f', 1, 64) + " Hz"
}
