package ui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"myorehab/app/service"
	"myorehab/processing/pipeline"
	"myorehab/storage"
	"myorehab/ui/plot"
)

// patientRow is the text of a patient in the patient list (one line,
// however long or strange the stored code and name are: see shown).
func patientRow(p storage.Patient) string {
	s := shown(p.Code, maxShownName)
	if name := shown(p.Name, maxShownName); name != "" {
		s += " — " + name
	}
	if len(p.BirthDate) >= 4 {
		s += " (" + shown(p.BirthDate[:4], 4) + ")"
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

// historyColumns are the headers of the session history table.
var historyColumns = [...]string{"Date", "Type", "Duration", "Status", "Samples", "Mean RMS", "Mean MDF"}

// historyCells returns the history table cells of s, in historyColumns
// order; unknown metrics show "–".
func historyCells(s service.SessionSummary) [len(historyColumns)]string {
	var out [len(historyColumns)]string
	base := sessionCells(s.Session)
	copy(out[:], base[:])
	out[len(base)] = formatMetric(s.MeanRMSUV, "µV")
	out[len(base)+1] = formatMetric(s.MeanMDFHz, "Hz")
	return out
}

// formatMetric formats v with one decimal and its unit, "–" when v is NaN.
func formatMetric(v float64, unit string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + unit
}

// historySeries returns the trend chart of sums (newest first, as the
// HistoryService returns them): mean RMS and mean MDF per session, oldest
// first at x = 1, 2, …; and the number of sessions.
func historySeries(sums []service.SessionSummary) ([]plot.Series, int) {
	n := len(sums)
	if n == 0 {
		return nil, 0
	}
	x, rms, mdf := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		s := sums[n-1-i]
		x[i], rms[i], mdf[i] = float64(i+1), s.MeanRMSUV, s.MeanMDFHz
	}
	return []plot.Series{
		{Title: "Mean RMS per session", Unit: "µV", X: x, Y: rms, MinSpanY: 5, Points: true, Color: plot.TraceColor(0)},
		{Title: "Mean MDF per session", Unit: "Hz", X: x, Y: mdf, MinSpanY: 10, Points: true, Color: plot.TraceColor(1)},
	}, n
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
func deviceLine(st service.DeviceStatus) string {
	var b strings.Builder
	b.WriteString(st.State.String())
	if st.State == service.Disconnected {
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
	if st.State == service.Streaming {
		fmt.Fprintf(&b, " · %.1f Hz", st.MeasuredRateHz)
		if st.Info.SampleRateHz > 0 {
			fmt.Fprintf(&b, " (nominal %s Hz)", strconv.FormatFloat(st.Info.SampleRateHz, 'f', -1, 64))
		}
	}
	if st.State == service.Streaming || st.State == service.Reconnecting {
		fmt.Fprintf(&b, " · lost %d · dropped %d · corrupt %d", st.Lost, st.Dropped, st.CorruptPackets)
		if st.LiveDropped > 0 {
			fmt.Fprintf(&b, " · display skipped %d", st.LiveDropped)
		}
	}
	return b.String()
}

// formatRate formats a sample rate, e.g. "249.8 Hz".
func formatRate(hz float64) string {
	return strconv.FormatFloat(hz, 'f', 1, 64) + " Hz"
}

// channelName returns the label of channel c in labels, or "Ch c+1".
func channelName(labels []string, c int) string {
	if c < len(labels) && labels[c] != "" {
		return labels[c]
	}
	return "Ch " + strconv.Itoa(c+1)
}

// formatSeconds formats a time in seconds as m:ss.
func formatSeconds(s float64) string {
	if math.IsNaN(s) {
		return "–"
	}
	return formatDuration(time.Duration(s * float64(time.Second)))
}

// fatigueTitle is the title of channel name's lane in the fatigue chart,
// e.g. "FDS  MDF 82.1 Hz · slope −0.120 Hz/s · decline 8.3 %".
func fatigueTitle(name string, f pipeline.FatigueTrend) string {
	last := math.NaN()
	for i := len(f.MDFHz) - 1; i >= 0; i-- {
		if !math.IsNaN(f.MDFHz[i]) {
			last = f.MDFHz[i]
			break
		}
	}
	s := name
	if !math.IsNaN(last) {
		s += fmt.Sprintf("  MDF %.1f Hz", last)
	}
	if !math.IsNaN(f.SlopeHzPerS) {
		s += " · slope " + strings.Replace(fmt.Sprintf("%+.3f", f.SlopeHzPerS), "-", "−", 1) + " Hz/s"
	}
	if !math.IsNaN(f.DeclinePct) {
		s += fmt.Sprintf(" · decline %.1f %%", f.DeclinePct)
	}
	return s
}

// fatigueSeries returns the fatigue chart of snap: one series per channel
// with a trend, the x range (the first point to at least 60 s later) and
// the names of the fatigued channels.
func fatigueSeries(snap *pipeline.Snapshot) (series []plot.Series, lo, hi float64, fatigued []string) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for c, f := range snap.Fatigue {
		name := channelName(snap.Info.Labels, c)
		s := plot.Series{
			Title: fatigueTitle(name, f), Unit: "Hz",
			X: f.TSeconds, Y: f.MDFHz, MinSpanY: 20, Points: len(f.TSeconds) < 120,
			Color: plot.TraceColor(c),
		}
		if len(f.TSeconds) != len(f.MDFHz) {
			s.X, s.Y = nil, nil // inconsistent: show the title only
		}
		if f.Fatigued {
			s.Note = "FATIGUE"
			fatigued = append(fatigued, name)
		}
		if len(s.X) > 0 {
			lo, hi = math.Min(lo, s.X[0]), math.Max(hi, s.X[len(s.X)-1])
		}
		series = append(series, s)
	}
	if lo > hi {
		lo, hi = 0, 60
	}
	return series, lo, math.Max(hi+1, lo+60), fatigued
}
