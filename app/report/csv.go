package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
)

// csvNum writes a figure for CSV: shortest text, "" when missing.
func csvNum(v Num) string {
	if !v.OK() {
		return ""
	}
	return strconv.FormatFloat(float64(v), 'g', -1, 64)
}

// WriteSessionsCSV writes one row per session: id, date, type, status,
// duration, the rehabilitation figures, accuracies and the MVC per muscle
// (µV, one column each).
func (pr *Progress) WriteSessionsCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"patient", "session_id", "date", "started_at", "type", "status", "duration_s", "reps_planned", "reps_completed",
		"time_in_band_pct", "peak_pct_mvc", "co_contraction_pct", "mdf_slope_hz_per_s", "cv_accuracy_pct", "session_accuracy_pct",
		"glove_range_pct", "assist_pct"}
	muscles := append([]string(nil), pr.Muscles...)
	sort.Strings(muscles)
	for _, m := range muscles {
		head = append(head, "mvc_uv_"+m)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, s := range pr.Sessions {
		row := []string{pr.PatientCode, fmt.Sprint(s.ID), s.Date, s.Start.UTC().Format("2006-01-02T15:04:05Z"), s.Type, s.Status,
			csvNum(s.DurationS), fmt.Sprint(s.RepsPlanned), fmt.Sprint(s.RepsCompleted), csvNum(s.TimeInBandPct), csvNum(s.PeakPctMVC),
			csvNum(s.CoContractionPct), csvNum(s.MDFSlopeHzPerS), csvNum(s.CVAccuracyPct), csvNum(s.AccuracyPct),
			csvNum(s.GloveRangePct), csvNum(s.AssistPct)}
		for _, m := range muscles {
			v, ok := s.MVCUV[m]
			if !ok {
				row = append(row, "")
				continue
			}
			row = append(row, csvNum(Num(v)))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteRepsCSV writes one row per repetition of every rehabilitation
// session: session, date, index, exercise, completed, hold seconds, time
// in band and peak %MVC.
func (pr *Progress) WriteRepsCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"patient", "session_id", "date", "rep", "exercise", "completed", "hold_s", "time_in_band_pct", "peak_pct_mvc"}); err != nil {
		return err
	}
	for _, s := range pr.Sessions {
		for _, r := range s.Reps {
			if err := cw.Write([]string{pr.PatientCode, fmt.Sprint(s.ID), s.Date, fmt.Sprint(r.Index), r.Exercise, strconv.FormatBool(r.Completed),
				csvNum(Num(r.DurationS)), csvNum(Num(r.TimeInBandPct)), csvNum(Num(r.PeakPctMVC))}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
