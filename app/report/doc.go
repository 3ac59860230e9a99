// Package report turns a patient's records into progress over weeks and
// printable reports: the progress model (Build: sessions by type on a real
// time axis, MVC per muscle, rehabilitation figures, recognition accuracy,
// adherence to the prescription, weekly aggregation and trends, outcome
// measures), the PDF report (WritePDF, fpdf with gonum/plot charts) and
// the CSV export of per-session and per-rep metrics (WriteCSV).
//
// Rehabilitation figures (repetitions, time in band, peak %MVC,
// co-contraction, MDF slope in sustained holds, in-session accuracy, glove
// range and assistance, the prescription) come from a RehabSource, which
// app/rehab's records implement; without one those figures are absent.
//
// Units: EMG amplitudes in µV (RMS), percentages 0–100, MDF slopes in Hz
// per second, durations in seconds, dates in the local time zone; weeks
// start on Monday.
package report
