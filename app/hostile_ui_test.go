package app

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"myorehab/app/auth"
	"myorehab/internal/hostile"
	"myorehab/storage"
)

// paste puts s into e as a user would: pasted from the clipboard (a
// single-line entry turns newlines into spaces), replacing its text.
func paste(w fyne.Window, e *widget.Entry, s string) {
	e.SetText("")
	w.Canvas().Focus(e)
	cb := fyne.CurrentApp().Clipboard()
	cb.SetContent(s)
	e.TypedShortcut(&fyne.ShortcutPaste{Clipboard: cb})
}

// typed is what a single-line entry holds after s was pasted: newlines
// become spaces, invalid UTF-8 bytes U+FFFD (text is runes).
func typed(s string) string { return strings.ReplaceAll(runes(s), "\n", " ") }

// runes is s as a multi-line entry holds it.
func runes(s string) string { return string([]rune(s)) }

// TestHostileInputUI types the hostile strings into every text field of
// the gate, the patient panel and the administrator's dialogs, on the real
// services: each is stored exactly as typed (or refused in words), shown
// as one line, and no screen grows wider than the window.
func TestHostileInputUI(t *testing.T) {
	svc, _ := testServices(t)
	ctx := context.Background()
	scr, gate, _, w := gatedUI(t, svc, &testClock{t: time.Now()})
	win := w.Canvas().Size()
	wide := func(what string) {
		t.Helper()
		if min := gate.Content().MinSize(); min.Width > win.Width {
			t.Fatalf("%s: the window needs %v wide, more than %v", what, min.Width, win.Width)
		}
	}
	oneLine := func(what, text string) {
		t.Helper()
		if strings.ContainsAny(text, "\n\r\x00\u202e") || utf8.RuneCountInString(text) > 400 {
			t.Fatalf("%s shows %q", what, hostile.Name(text))
		}
	}

	// Log-in screen, before any account: the hostile names are refused.
	submit(gate, "boss", "boss password")
	if gate.Mode() != "open" {
		t.Fatal(gate.Message.Text)
	}
	test.Tap(gate.LogoutButton)
	gate.WaitIdle()
	for _, s := range hostile.Strings() {
		paste(w, gate.Name, s)
		paste(w, gate.Password, s)
		test.Tap(gate.Submit)
		gate.WaitIdle()
		if gate.Mode() != "login" || gate.Message.Text != auth.ErrLoginFailed.Error() {
			if strings.TrimSpace(s) != "" || gate.Message.Text != "Enter your name." {
				t.Fatalf("log-in as %q: mode %q, %q", hostile.Name(s), gate.Mode(), gate.Message.Text)
			}
		}
		wide("log-in refused")
	}
	submit(gate, "boss", "boss password")

	// Accounts named with every hostile string, their password too.
	test.Tap(gate.UsersButton)
	gate.WaitIdle()
	u := gate.Users
	for i, s := range hostile.Strings() {
		login := fmt.Sprintf("u%d %s", i, s)
		paste(w, u.Name, s)
		paste(w, u.Login, login)
		paste(w, u.Password, "password "+s)
		login, pw := strings.TrimSpace(typed(login)), typed("password "+s)
		test.Tap(u.Add)
		gate.WaitIdle()
		if !strings.Contains(u.Message.Text, "added") {
			t.Fatalf("add account %q: %q", hostile.Name(s), u.Message.Text)
		}
		oneLine("users message", u.Message.Text)
		c, err := svc.DB.CredentialsByLogin(ctx, login)
		if err != nil {
			t.Fatalf("account %q: %v", hostile.Name(s), err)
		}
		wantName := strings.TrimSpace(typed(s))
		if wantName == "" {
			wantName = login
		}
		if c.Therapist.Name != wantName {
			t.Fatalf("account name stored as %q, typed %q", hostile.Name(c.Therapist.Name), hostile.Name(s))
		}
		if _, err := (&auth.Accounts{DB: svc.DB}).Login(ctx, login, pw); err != nil {
			t.Fatalf("log in as %q: %v", hostile.Name(login), err)
		}
	}
	wide("users")
	u.List.Refresh()

	// Audit filters and the CSV file name.
	test.Tap(gate.AuditButton)
	gate.WaitIdle()
	a := gate.AuditView
	for _, s := range hostile.Strings() {
		paste(w, a.Actor, s)
		a.ObjectID.SetText("")
		test.Tap(a.Apply)
		gate.WaitIdle()
		if strings.TrimSpace(s) != "" && !strings.HasPrefix(a.Message.Text, "0 entries") {
			t.Fatalf("audit filter %q: %q", hostile.Name(s), a.Message.Text)
		}
		paste(w, a.ObjectID, s)
		test.Tap(a.Apply)
		gate.WaitIdle()
		oneLine("audit filter message", a.Message.Text)
		a.ObjectID.SetText("")
		paste(w, a.CSVPath, filepath.Join(t.TempDir(), "no such folder", s))
		test.Tap(a.Export)
		gate.WaitIdle()
		if !strings.Contains(a.Message.Text, "Could not export") && strings.TrimSpace(s) != "" {
			t.Fatalf("CSV to %q: %q", hostile.Name(s), a.Message.Text)
		}
		oneLine("CSV message", a.Message.Text)
	}
	a.Actor.SetText("")
	test.Tap(a.Apply)
	gate.WaitIdle()
	wide("audit view")

	// Patients: hostile codes (possible through `myorehab import`), names
	// and diagnoses are listed and shown in the header on one line.
	for i, s := range hostile.Strings() {
		p := &storage.Patient{Code: fmt.Sprintf("H%d%s", i, s), Name: s, Diagnosis: s, Notes: s, Sex: "X", AffectedSide: "both"}
		if err := svc.DB.CreatePatient(ctx, p); err != nil {
			t.Fatalf("patient %q: %v", hostile.Name(s), err)
		}
		scr.Patients.Reload()
		scr.WaitIdle()
		if !scr.Patients.Select(p.ID) {
			t.Fatalf("patient %q not listed", hostile.Name(s))
		}
		scr.WaitIdle()
		oneLine("patient header", scr.Patients.Current.Text)
		oneLine("patient details", scr.Patients.Details.Text)
		wide("patient " + hostile.Name(s))
		paste(w, scr.Patients.Search, s)
		scr.WaitIdle()
		if scr.Patients.Message.Visible() {
			t.Fatalf("search %q: %q", hostile.Name(s), scr.Patients.Message.Text)
		}
		scr.Patients.Search.SetText("")
		scr.WaitIdle()
	}
	// The patient form stores a hostile name and diagnosis as typed.
	for i, s := range hostile.Strings() {
		test.Tap(scr.Patients.AddButton)
		f := scr.Patients.Form
		f.Code.SetText(fmt.Sprintf("F-%d", i))
		paste(w, f.Name, s)
		paste(w, f.Diagnosis, s) // multi-line: newlines stay
		test.Tap(f.Save)
		scr.WaitIdle()
		if scr.Patients.Form != nil {
			t.Fatalf("form with %q: %q", hostile.Name(s), f.Message.Text)
		}
		got, err := svc.DB.PatientByCode(ctx, fmt.Sprintf("F-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		// The form trims surrounding spaces, nothing else.
		if got.Name != strings.TrimSpace(typed(s)) || got.Diagnosis != strings.TrimSpace(runes(s)) {
			t.Fatalf("stored %q / %q, typed %q", hostile.Name(got.Name), hostile.Name(got.Diagnosis), hostile.Name(s))
		}
		oneLine("header", scr.Patients.Current.Text)
		wide("form " + hostile.Name(s))
	}
	if res, err := svc.DB.VerifyAudit(ctx); err != nil || !res.OK {
		t.Fatalf("audit log after the hostile input: %+v, %v", res, err)
	}
}
