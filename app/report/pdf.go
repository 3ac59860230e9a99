package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"myorehab/storage"
)

// PDFOptions says how to write the report.
type PDFOptions struct {
	// Clinic is the clinic's name in the header.
	Clinic string
	// Deidentify leaves out the patient's name, birth date and diagnosis
	// and the free-text notes (which may name people): the patient is
	// named by code only.
	Deidentify bool
	// Now is the date printed as the report's date (zero: time.Now()).
	Now time.Time
	// Progress, when not nil, is called with the fraction done (0 to 1).
	Progress func(done float64)
}

// PDFResult says what WritePDF wrote.
type PDFResult struct {
	Pages    int    `json:"pages"`
	Sessions int    `json:"sessions"`
	From     string `json:"from"`
	To       string `json:"to"`
}

// page geometry, mm (A4 portrait)
const (
	pageW, margin = 210.0, 15.0
	textW         = pageW - 2*margin
	chartH        = 62.0
	chartDPI      = 150
)

// WritePDF writes the progress report of pr to w: header (clinic,
// patient, period, current plan), summary figures, the charts, the weekly
// table, the table of sessions, the outcome measures and the session
// notes.
func WritePDF(w io.Writer, pr *Progress, opt PDFOptions) (PDFResult, error) {
	progress := func(f float64) {
		if opt.Progress != nil {
			opt.Progress(f)
		}
	}
	progress(0)
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	clinic := opt.Clinic
	if clinic == "" {
		clinic = "MyoRehab"
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin)
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252: µ, –, ×
	title := "Progress report " + pr.PatientCode
	pdf.SetTitle(title, true)
	pdf.SetCreator("MyoRehab", true)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-10)
		pdf.SetFont("Helvetica", "", 7)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(textW/2, 4, tr(clinic+" · "+pr.PatientCode+" · "+pr.From+" – "+pr.To), "", 0, "L", false, 0, "")
		pdf.CellFormat(textW/2, 4, fmt.Sprintf("page %d of {nb}", pdf.PageNo()), "", 0, "R", false, 0, "")
	})
	pdf.AliasNbPages("{nb}")
	pdf.AddPage()

	// Header.
	pdf.SetFont("Helvetica", "B", 16)
	pdf.SetTextColor(0, 0, 0)
	pdf.CellFormat(textW, 8, tr(clinic), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 12)
	pdf.CellFormat(textW, 6, tr("Hand rehabilitation progress report"), "", 1, "L", false, 0, "")
	pdf.Ln(2)
	pdf.SetDrawColor(0, 114, 178)
	pdf.Line(margin, pdf.GetY(), pageW-margin, pdf.GetY())
	pdf.Ln(2)
	kv := func(k, v string) {
		pdf.SetFont("Helvetica", "B", 9)
		pdf.CellFormat(38, 5, tr(k), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 9)
		pdf.MultiCell(textW-38, 5, tr(v), "", "L", false)
	}
	p := pr.Patient
	if opt.Deidentify {
		kv("Patient", pr.PatientCode+" (de-identified report)")
	} else {
		who := pr.PatientCode
		if p.Name != "" {
			who = p.Name + " (" + pr.PatientCode + ")"
		}
		kv("Patient", who)
		var more []string
		if p.BirthDate != "" {
			more = append(more, "born "+p.BirthDate)
		}
		if p.Sex != "" {
			more = append(more, "sex "+p.Sex)
		}
		if p.AffectedSide != "" {
			more = append(more, "affected side "+p.AffectedSide)
		}
		if len(more) > 0 {
			kv("", strings.Join(more, ", "))
		}
		if p.Diagnosis != "" {
			kv("Diagnosis", p.Diagnosis)
		}
	}
	kv("Period", fmt.Sprintf("%s to %s (%d weeks)", pr.From, pr.To, len(pr.Weekly)))
	plan := pr.Prescription.Plan
	if plan == "" {
		plan = "none recorded"
	}
	if pr.Prescription.SessionsPerWeek > 0 {
		plan += fmt.Sprintf("; %g sessions per week prescribed", pr.Prescription.SessionsPerWeek)
	}
	kv("Current plan", plan)
	kv("Report date", now.Format(dateLayout))
	pdf.Ln(2)

	// Summary.
	for _, l := range summary(pr) {
		kv(l[0], l[1])
	}
	pdf.Ln(3)
	progress(0.1)

	// Charts.
	from, _ := time.ParseInLocation(dateLayout, pr.From, time.Local)
	to, _ := time.ParseInLocation(dateLayout, pr.To, time.Local)
	charts := pr.Charts()
	for i, c := range charts {
		if len(c.Series) == 0 || !hasData(c) {
			continue
		}
		png, err := c.PNG(from, to, textW, chartH, chartDPI)
		if err != nil {
			return PDFResult{}, err
		}
		name := fmt.Sprintf("chart%d", i)
		pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
		if pdf.GetY()+chartH > 297-margin {
			pdf.AddPage()
		}
		pdf.ImageOptions(name, margin, pdf.GetY(), textW, chartH, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		pdf.SetY(pdf.GetY() + chartH + 2)
		progress(0.1 + 0.6*float64(i+1)/float64(len(charts)))
	}

	// Weekly table.
	heading := func(s string) {
		if pdf.GetY() > 297-margin-30 {
			pdf.AddPage()
		}
		pdf.Ln(2)
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(textW, 7, tr(s), "", 1, "L", false, 0, "")
	}
	heading("Weekly figures (the last columns: MVC per muscle, µV RMS)")
	cols := []string{"Week of", "Sessions", "Rehab", "Adherence %", "Reps done/planned", "Time in band %"}
	widths := []float64{24, 18, 14, 22, 30, 26}
	rest := textW - 134
	key := pr.KeyMuscles()
	for _, m := range key {
		cols = append(cols, m+" µV")
		widths = append(widths, rest/float64(max(len(key), 1)))
	}
	table(pdf, tr, cols, widths, func(row func(cells ...string)) {
		for _, w := range pr.Weekly {
			cells := []string{w.Week, fmt.Sprint(w.Sessions), fmt.Sprint(w.RehabSessions), Fmt(w.AdherencePct, 0),
				fmt.Sprintf("%d/%d", w.RepsCompleted, w.RepsPlanned), Fmt(w.TimeInBandPct, 1)}
			for _, m := range key {
				v, ok := w.MVCUV[m]
				if !ok {
					v = math.NaN()
				}
				cells = append(cells, Fmt(Num(v), 1))
			}
			row(cells...)
		}
	})
	progress(0.8)

	// Sessions.
	heading("Sessions")
	table(pdf, tr, []string{"Date", "Type", "Status", "Min", "Reps", "In band %", "Peak %MVC", "Co-contr. %", "MDF Hz/s", "Accuracy %", "Assist %"},
		[]float64{20, 20, 20, 11, 14, 15, 16, 15, 16, 17, 16}, func(row func(cells ...string)) {
			for _, s := range pr.Sessions {
				reps := ""
				if s.Type == TypeRehab {
					reps = fmt.Sprintf("%d/%d", s.RepsCompleted, s.RepsPlanned)
				}
				acc := s.AccuracyPct
				if !acc.OK() {
					acc = s.CVAccuracyPct
				}
				status := s.Status
				if status == "interrupted" {
					status = "INTERRUPTED"
				}
				row(s.Date, s.Type, status, Fmt(Num(float64(s.DurationS)/60), 0), reps, Fmt(s.TimeInBandPct, 1), Fmt(s.PeakPctMVC, 1),
					Fmt(s.CoContractionPct, 1), Fmt(s.MDFSlopeHzPerS, 2), Fmt(acc, 1), Fmt(s.AssistPct, 0))
			}
		})

	// Outcomes.
	heading("Clinical outcome measures")
	if len(pr.Outcomes) == 0 {
		pdf.SetFont("Helvetica", "", 9)
		pdf.CellFormat(textW, 5, "None recorded in the period.", "", 1, "L", false, 0, "")
	} else {
		table(pdf, tr, []string{"Date", "Measure", "Muscle group", "Score"}, []float64{25, 70, 55, 30}, func(row func(cells ...string)) {
			for _, o := range pr.Outcomes {
				row(o.Date, storage.OutcomeKind(o.Kind).Title(), o.Muscle, o.Text)
			}
		})
	}

	// Notes.
	if !opt.Deidentify {
		var notes []SessionRow
		for _, s := range pr.Sessions {
			if strings.TrimSpace(s.Notes) != "" {
				notes = append(notes, s)
			}
		}
		var onotes []OutcomeRow
		for _, o := range pr.Outcomes {
			if strings.TrimSpace(o.Notes) != "" {
				onotes = append(onotes, o)
			}
		}
		if len(notes)+len(onotes) > 0 {
			heading("Therapist's notes")
			pdf.SetFont("Helvetica", "", 9)
			type note struct{ date, text string }
			var all []note
			for _, s := range notes {
				all = append(all, note{s.Date, fmt.Sprintf("session %d (%s): %s", s.ID, s.Type, s.Notes)})
			}
			for _, o := range onotes {
				all = append(all, note{o.Date, storage.OutcomeKind(o.Kind).Title() + ": " + o.Notes})
			}
			sort.SliceStable(all, func(i, j int) bool { return all[i].date < all[j].date })
			for _, n := range all {
				pdf.SetFont("Helvetica", "B", 9)
				pdf.CellFormat(22, 5, n.date, "", 0, "L", false, 0, "")
				pdf.SetFont("Helvetica", "", 9)
				pdf.MultiCell(textW-22, 5, tr(n.text), "", "L", false)
			}
		}
	}
	if err := pdf.Error(); err != nil {
		return PDFResult{}, fmt.Errorf("report: %w", err)
	}
	res := PDFResult{Pages: pdf.PageNo(), Sessions: len(pr.Sessions), From: pr.From, To: pr.To}
	if err := pdf.Output(w); err != nil {
		return PDFResult{}, fmt.Errorf("report: %w", err)
	}
	progress(1)
	return res, nil
}

// WritePDFFile is WritePDF to a new file at path (replaced when it
// exists: callers ask first); nothing is left at path on failure.
func WritePDFFile(path string, pr *Progress, opt PDFOptions) (PDFResult, error) {
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		return PDFResult{}, fmt.Errorf("cannot write the report to %s: the folder %s does not exist", path, filepath.Dir(path))
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return PDFResult{}, fmt.Errorf("cannot write the report to %s: %w", path, err)
	}
	res, err := WritePDF(f, pr, opt)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return PDFResult{}, err
	}
	return res, nil
}

// FileName proposes the report's file name: "<code>_progress_<from>_<to>.pdf"
// (characters unsafe in file names become '_').
func FileName(code, from, to string) string {
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		}
		return '_'
	}, code)
	return fmt.Sprintf("%s_progress_%s_%s.pdf", safe, from, to)
}

// Fmt writes a figure with the given decimals, "–" when missing; the
// report and its tests format the weekly figures with it.
func Fmt(v Num, decimals int) string {
	if !v.OK() {
		return "–"
	}
	return fmt.Sprintf("%.*f", decimals, float64(v))
}

// table writes a table with a header row; rows calls row once per line.
func table(pdf *fpdf.Fpdf, tr func(string) string, cols []string, widths []float64, rows func(row func(cells ...string))) {
	header := func() {
		pdf.SetFont("Helvetica", "B", 7.5)
		pdf.SetFillColor(225, 235, 245)
		for i, c := range cols {
			pdf.CellFormat(widths[i], 6, tr(c), "1", 0, "C", true, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("Helvetica", "", 7.5)
	}
	header()
	n := 0
	rows(func(cells ...string) {
		if pdf.GetY()+5 > 297-margin-6 {
			pdf.AddPage()
			header()
		}
		fill := n%2 == 1
		pdf.SetFillColor(245, 245, 245)
		for i, c := range cells {
			align := "R"
			if i == 0 || (i < 3 && !isNumber(c)) {
				align = "L"
			}
			pdf.CellFormat(widths[i], 5, tr(c), "1", 0, align, fill, 0, "")
		}
		pdf.Ln(-1)
		n++
	})
}

func isNumber(s string) bool {
	_, err := fmt.Sscanf(s, "%f", new(float64))
	return err == nil
}

// hasData says whether any series of c has a finite value.
func hasData(c *Chart) bool {
	for _, s := range c.Series {
		for _, v := range s.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				return true
			}
		}
	}
	return false
}

// outcomeChange returns the first and last score of kind in the period.
func outcomeChange(pr *Progress, kind storage.OutcomeKind) (first, last string, ok bool) {
	for _, o := range pr.Outcomes {
		if o.Kind == string(kind) {
			if !ok {
				first, ok = o.Text, true
			}
			last = o.Text
		}
	}
	return first, last, ok
}

// summary returns the report's summary as (label, text) pairs: sessions by
// type, adherence, trends, first and last Fugl-Meyer and ARAT.
func summary(pr *Progress) [][2]string {
	var out [][2]string
	counts := map[string]int{}
	interrupted := 0
	for _, s := range pr.Sessions {
		counts[s.Type]++
		if s.Status == "interrupted" {
			interrupted++
		}
	}
	var parts []string
	for _, t := range Types {
		if counts[t] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[t], t))
		}
	}
	text := fmt.Sprintf("%d sessions (%s)", len(pr.Sessions), strings.Join(parts, ", "))
	if interrupted > 0 {
		text += fmt.Sprintf(", %d interrupted", interrupted)
	}
	out = append(out, [2]string{"Sessions", text})
	if pr.Trends.AdherencePct.OK() {
		out = append(out, [2]string{"Adherence", fmt.Sprintf("%.0f %% of the prescribed sessions done", float64(pr.Trends.AdherencePct))})
	}
	var tr []string
	if v := pr.Trends.TimeInBandPctPerWeek; v.OK() {
		tr = append(tr, fmt.Sprintf("time in band %+.1f %%/week", float64(v)))
	}
	for _, m := range pr.KeyMuscles() {
		if v, ok := pr.Trends.MVCUVPerWeek[m]; ok {
			tr = append(tr, fmt.Sprintf("MVC %s %+.1f µV/week", m, v))
		}
	}
	if len(tr) > 0 {
		out = append(out, [2]string{"Trends", strings.Join(tr, "; ")})
	}
	for _, k := range []struct {
		kind storage.OutcomeKind
		of   string
	}{{storage.FuglMeyerUE, "66"}, {storage.ARAT, "57"}} {
		if first, last, ok := outcomeChange(pr, k.kind); ok {
			out = append(out, [2]string{strings.TrimSuffix(k.kind.Title(), " (0–"+k.of+")"), fmt.Sprintf("%s, now %s (of %s)", first, last, k.of)})
		}
	}
	return out
}

// SummaryLines is the report's summary as lines for the progress view
// ("Adherence: 89 % of the prescribed sessions done"), the plan first.
func SummaryLines(pr *Progress) []string {
	var out []string
	if pr.Prescription.Plan != "" {
		out = append(out, "Plan: "+pr.Prescription.Plan)
	}
	for _, l := range summary(pr) {
		out = append(out, l[0]+": "+l[1])
	}
	return out
}
