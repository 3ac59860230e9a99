package app

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"myorehab/app/report"
)

// TestReportShowsProgressFigures: demo-history builds a short history
// through the real session path; the PDF that report writes holds, in its
// weekly table as pdftotext reads it, the weekly figures progress --json
// gives (sessions, rehab sessions, adherence, reps completed/planned,
// time in band, MVC of the plan's muscles).
func TestReportShowsProgressFigures(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext missing (poppler-utils, make deps-test)")
		}
		t.Skip("pdftotext missing (poppler-utils)")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "demo.db")
	var demo demoResult
	runCLI(t, &demo, "demo-history", "--db", db, "--patient", "P-REP", "--weeks", "3", "--seed", "7")
	if demo.Sessions < 6 || demo.Calibrations != 1 || demo.Outcomes != 12 {
		t.Fatalf("demo-history %+v", demo)
	}
	out := runCLI(t, nil, "progress", "--db", db, "--patient", "P-REP", "--json")
	var pr report.Progress
	if err := json.Unmarshal([]byte(out), &pr); err != nil {
		t.Fatal(err)
	}
	if len(pr.Weekly) != 3 || len(pr.Sessions) != demo.Sessions+demo.Calibrations || len(pr.Outcomes) != 12 {
		t.Fatalf("progress: %d weeks, %d sessions, %d outcomes", len(pr.Weekly), len(pr.Sessions), len(pr.Outcomes))
	}
	if s := pr.Sessions[0]; s.Type != report.TypeCalibration || !s.CVAccuracyPct.OK() || len(s.MVCUV) == 0 {
		t.Errorf("first session %+v: want the calibration with its cross-validated accuracy and MVC", s)
	}
	pdf := filepath.Join(dir, "r.pdf")
	var res report.PDFResult
	runCLI(t, &res, "report", "--db", db, "--patient", "P-REP", "--out", pdf, "--json")
	if res.Sessions != len(pr.Sessions) || res.From != pr.From || res.To != pr.To || res.Pages < 2 {
		t.Fatalf("report %+v, progress %s – %s", res, pr.From, pr.To)
	}
	text, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(text), "\n")
	key := pr.KeyMuscles()
	if len(key) == 0 {
		t.Fatal("no muscle with an MVC")
	}
	for _, w := range pr.Weekly {
		want := []string{w.Week, itoa(w.Sessions), itoa(w.RehabSessions), report.Fmt(w.AdherencePct, 0),
			itoa(w.RepsCompleted) + "/" + itoa(w.RepsPlanned), report.Fmt(w.TimeInBandPct, 1)}
		for _, m := range key {
			v, ok := w.MVCUV[m]
			if !ok {
				want = append(want, "–")
				continue
			}
			want = append(want, report.Fmt(report.Num(v), 1))
		}
		found := false
		for _, l := range lines {
			if f := strings.Fields(l); len(f) == len(want) && strings.Join(f, " ") == strings.Join(want, " ") {
				found = true
			}
		}
		if !found {
			t.Errorf("no line %q in the PDF's text", strings.Join(want, " "))
		}
	}
	if !bytes.Contains(text, []byte("Demo Patient")) {
		t.Error("the report does not name the patient")
	}
	// The de-identified variant names the code only.
	runCLI(t, nil, "report", "--db", db, "--patient", "P-REP", "--out", pdf, "--deidentify")
	text, err = exec.Command("pdftotext", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Demo Patient", "1958", "stroke"} {
		if bytes.Contains(text, []byte(s)) {
			t.Errorf("de-identified report contains %q", s)
		}
	}
	if !bytes.Contains(text, []byte("P-REP")) {
		t.Error("de-identified report lacks the patient code")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
