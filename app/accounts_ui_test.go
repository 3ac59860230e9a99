package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"myorehab/app/auth"
	"myorehab/internal/waitfor"
	"myorehab/storage"
)

// testClock is a clock the test moves by hand.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time      { return c.t }
func (c *testClock) add(d time.Duration) { c.t = c.t.Add(d) }

// gatedUI builds the real window behind the log-in gate on real services,
// with the idle timer on clock.
func gatedUI(t *testing.T, svc *Services, clock *testClock) (*MainScreen, *Gate, *auth.App, fyne.Window) {
	t.Helper()
	a := test.NewTempApp(t)
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	accounts := auth.NewApp(&auth.Accounts{DB: svc.DB}, 0)
	idle := auth.NewIdleTimer(accounts.IdleTimeout(), clock.now)
	scr, gate := BuildGatedUI(a, w, svc, accounts, idle)
	w.Resize(fyne.NewSize(1280, 800))
	gate.WaitIdle()
	return scr, gate, accounts, w
}

func submit(g *Gate, name, password string) {
	g.Name.SetText(name)
	g.Password.SetText(password)
	g.Confirm.SetText(password)
	test.Tap(g.Submit)
	g.WaitIdle()
}

// TestAutoLockOverARecording: the first-run screen creates the
// administrator; a recording runs; after 10 idle minutes the screen locks
// (the cover carries the E-STOP), the recording goes on underneath, a
// wrong password is refused with the one log-in message, the right one
// unlocks; the session then holds every sample, none lost or dropped, and
// the audit log has each log-in once under the administrator.
func TestAutoLockOverARecording(t *testing.T) {
	svc, _ := testServices(t)
	clock := &testClock{t: time.Now()}
	scr, gate, _, w := gatedUI(t, svc, clock)
	if gate.Mode() != "first-run" {
		t.Fatalf("mode %q on an empty database, want the first-run screen", gate.Mode())
	}
	submit(gate, "boss", "boss password")
	if gate.Mode() != "open" || gate.Current() == nil || gate.Current().Role != storage.RoleAdmin {
		t.Fatalf("after creating the administrator: mode %q, %+v, message %q", gate.Mode(), gate.Current(), gate.Message.Text)
	}
	if !gate.UsersButton.Visible() || !gate.AuditButton.Visible() {
		t.Error("administrator's buttons hidden")
	}
	pt := testPatient(t, svc, "LOCK-1")
	scr.Patients.Reload()
	scr.WaitIdle()
	if !scr.Patients.Select(pt.ID) {
		t.Fatal("patient not listed")
	}
	scr.WaitIdle()
	scr.Device.Protocol.SetSelected("sim")
	test.Tap(scr.Device.Connect)
	scr.WaitIdle()
	scr.Refresh()
	test.Tap(scr.Live.Record)
	scr.WaitIdle()
	if !scr.Live.Recording() {
		t.Fatal("not recording")
	}
	samples := func() int64 { _, _, n := svc.Recorder.State(); return n }
	waitfor.Eventually(t, 0, "samples recorded", func() bool { return samples() >= 500 })

	clock.add(9 * time.Minute)
	gate.Tick()
	if gate.Mode() != "open" {
		t.Fatal("locked before 10 idle minutes")
	}
	clock.add(time.Minute)
	gate.Tick()
	if gate.Mode() != "locked" {
		t.Fatalf("mode %q after 10 idle minutes, want locked", gate.Mode())
	}
	if gate.EStop == nil || !gate.EStop.Visible() {
		t.Error("no E-STOP on the lock screen")
	}
	if gate.Name.Visible() {
		t.Error("the lock screen asks for the name")
	}
	covered := false
	for _, o := range w.Canvas().Overlays().List() {
		covered = covered || (o.Visible() && o.Size() == w.Canvas().Size())
	}
	if !covered {
		t.Error("no cover over the whole window while locked")
	}
	atLock := samples()
	waitfor.Eventually(t, 0, "the recording going on under the lock", func() bool { return samples() >= atLock+1000 })
	if !scr.Live.Recording() {
		t.Fatal("the lock stopped the recording")
	}
	submit(gate, "", "wrong password")
	if gate.Mode() != "locked" || gate.Message.Text != auth.ErrLoginFailed.Error() {
		t.Fatalf("wrong password: mode %q, message %q", gate.Mode(), gate.Message.Text)
	}
	submit(gate, "", "boss password")
	if gate.Mode() != "open" {
		t.Fatalf("right password: mode %q, message %q", gate.Mode(), gate.Message.Text)
	}
	test.Tap(scr.Live.Record)
	scr.WaitIdle()
	sessions := scr.Patients.SessionList()
	if len(sessions) != 1 {
		t.Fatalf("sessions %+v", sessions)
	}
	s := sessions[0]
	stored := storedSamples(t, svc.DB, s.ID)
	if s.Status != storage.StatusCompleted || s.Dropped != 0 || s.Lost != 0 || int64(len(stored)) != s.Samples || s.Samples < atLock+1000 {
		t.Fatalf("session %+v, %d samples stored", s, len(stored))
	}
	for i := range uint64(s.Samples) {
		if _, ok := stored[i]; !ok {
			t.Fatalf("sample %d missing", i)
		}
	}
	ctx := context.Background()
	logins, err := svc.DB.ListAudit(ctx, storage.AuditFilter{Action: storage.AuditLogin})
	if err != nil {
		t.Fatal(err)
	}
	refused, _ := svc.DB.ListAudit(ctx, storage.AuditFilter{Action: storage.AuditLoginFailed})
	if len(logins) != 2 || logins[0].Actor != "boss" || len(refused) != 1 || refused[0].Actor != "boss" {
		t.Errorf("log-ins %+v, refused %+v", logins, refused)
	}
	views, _ := svc.DB.ListAudit(ctx, storage.AuditFilter{Action: storage.AuditViewed, ObjectType: storage.ObjectPatient, ObjectID: pt.ID})
	if len(views) != 1 || views[0].Actor != "boss" {
		t.Errorf("patient file views %+v, want one by boss", views)
	}
}

// TestAdminScreens: the administrator adds a therapist in the Users
// dialog, reads the audit log with a filter, exports it as CSV (owner
// only) and checks its integrity; the therapist then logs in and sees no
// administrator's buttons.
func TestAdminScreens(t *testing.T) {
	svc, _ := testServices(t)
	_, gate, _, _ := gatedUI(t, svc, &testClock{t: time.Now()})
	submit(gate, "boss", "boss password")
	test.Tap(gate.UsersButton)
	gate.WaitIdle()
	u := gate.Users
	if u == nil {
		t.Fatal("Users did not open")
	}
	u.Name.SetText("Ann Smith")
	u.Login.SetText("ann")
	u.Password.SetText("ann password")
	test.Tap(u.Add)
	gate.WaitIdle()
	if !strings.Contains(u.Message.Text, "ann added") {
		t.Fatalf("add: %q", u.Message.Text)
	}
	u.Login.SetText("bob")
	u.Password.SetText("short")
	test.Tap(u.Add)
	gate.WaitIdle()
	if !strings.Contains(u.Message.Text, "at least 8") {
		t.Fatalf("short password: %q", u.Message.Text)
	}

	test.Tap(gate.AuditButton)
	gate.WaitIdle()
	a := gate.AuditView
	if a == nil {
		t.Fatal("Audit log did not open")
	}
	a.Actor.SetText("boss")
	a.Object.SetSelected(storage.ObjectTherapist)
	a.Action.SetSelected(string(storage.AuditCreated))
	test.Tap(a.Apply)
	gate.WaitIdle()
	if !strings.HasPrefix(a.Message.Text, "1 entries") {
		t.Fatalf("filtered audit view: %q", a.Message.Text)
	}
	csvPath := filepath.Join(t.TempDir(), "audit.csv")
	a.CSVPath.SetText(csvPath)
	test.Tap(a.Export)
	gate.WaitIdle()
	b, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatalf("%v (%q)", err, a.Message.Text)
	}
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "id,time,actor") || !strings.Contains(lines[1], ",boss,") {
		t.Fatalf("CSV:\n%s", b)
	}
	if st, _ := os.Stat(csvPath); st.Mode().Perm() != 0o600 {
		t.Errorf("CSV mode %v", st.Mode().Perm())
	}
	test.Tap(a.Verify)
	gate.WaitIdle()
	if !strings.Contains(a.Message.Text, "intact") {
		t.Fatalf("verify: %q", a.Message.Text)
	}

	test.Tap(gate.LogoutButton)
	gate.WaitIdle()
	if gate.Mode() != "login" || gate.AuditView != nil || gate.Users != nil {
		t.Fatalf("after log-out: mode %q, dialogs open %v %v", gate.Mode(), gate.AuditView != nil, gate.Users != nil)
	}
	submit(gate, "nobody", "ann password")
	unknown := gate.Message.Text
	submit(gate, "ann", "wrong password")
	if gate.Mode() != "login" || gate.Message.Text != unknown || unknown == "" {
		t.Fatalf("unknown name %q vs wrong password %q", unknown, gate.Message.Text)
	}
	submit(gate, "ann", "ann password")
	if gate.Mode() != "open" || gate.Current().Login != "ann" {
		t.Fatalf("ann: mode %q, %q", gate.Mode(), gate.Message.Text)
	}
	if gate.UsersButton.Visible() || gate.AuditButton.Visible() || gate.Deleted.Visible() {
		t.Error("a therapist sees the administrator's buttons")
	}
}

// tapButton taps the visible button labelled text in the window's dialogs
// (overlays), failing the test when there is none.
func tapButton(t *testing.T, w fyne.Window, text string) {
	t.Helper()
	for _, o := range w.Canvas().Overlays().List() {
		for _, x := range test.LaidOutObjects(o) {
			if b, ok := x.(*widget.Button); ok && b.Text == text && b.Visible() {
				test.Tap(b)
				return
			}
		}
	}
	t.Fatalf("no %q button in the dialogs", text)
}

// TestEditDeletePurgePatient: a therapist edits a patient's details (shown
// in the header) and deletes the patient; the administrator brings the
// file back, deletes it again and purges it with its recording. Each step
// is audited once under the one who did it.
func TestEditDeletePurgePatient(t *testing.T) {
	svc, _ := testServices(t)
	ctx := context.Background()
	scr, gate, accounts, w := gatedUI(t, svc, &testClock{t: time.Now()})
	submit(gate, "boss", "boss password")
	if err := accounts.AddUser(ctx, "Ann Smith", "ann", storage.RoleTherapist, "ann password"); err != nil {
		t.Fatal(err)
	}
	test.Tap(gate.LogoutButton)
	gate.WaitIdle()
	submit(gate, "ann", "ann password")
	pt := testPatient(t, svc, "ED-1")
	s := &storage.Session{PatientID: pt.ID, RateHz: 1000, Channels: 1}
	if err := svc.DB.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := svc.DB.FinishSession(ctx, s.ID, storage.StatusCompleted, time.Now(), storage.SessionCounts{}); err != nil {
		t.Fatal(err)
	}
	p := scr.Patients
	p.Reload()
	scr.WaitIdle()
	p.Select(pt.ID)
	scr.WaitIdle()
	test.Tap(p.EditButton)
	f := p.Form
	if f == nil || f.Code.Text != "ED-1" || f.Name.Text != pt.Name {
		t.Fatalf("edit form %+v", f)
	}
	f.Diagnosis.SetText("ischaemic stroke, 2024-11")
	f.Sex.SetSelected("Female")
	f.Side.SetSelected("Left")
	test.Tap(f.Save)
	scr.WaitIdle()
	if p.Form != nil {
		t.Fatalf("form still open: %q", f.Message.Text)
	}
	got, _ := svc.DB.PatientByID(ctx, pt.ID)
	if got.Diagnosis != "ischaemic stroke, 2024-11" || got.Sex != "F" || got.AffectedSide != "left" || got.Code != "ED-1" {
		t.Fatalf("stored %+v", got)
	}
	if want := "Female · left side affected · Diagnosis: ischaemic stroke, 2024-11"; p.Details.Text != want {
		t.Errorf("header details %q, want %q", p.Details.Text, want)
	}
	test.Tap(p.DeleteButton)
	tapButton(t, w, "Delete")
	scr.WaitIdle()
	if p.Selected() != nil || len(p.Patients()) != 0 {
		t.Fatalf("after delete: selected %+v, listed %d", p.Selected(), len(p.Patients()))
	}

	test.Tap(gate.LogoutButton)
	gate.WaitIdle()
	submit(gate, "boss", "boss password")
	test.Tap(gate.Deleted)
	gate.WaitIdle()
	dd := gate.DeletedFiles
	if dd == nil || dd.List.Length() != 1 {
		t.Fatal("deleted patients not listed")
	}
	dd.List.Select(0)
	test.Tap(dd.Undelete)
	gate.WaitIdle()
	if dd.List.Length() != 0 || len(p.Patients()) != 1 {
		t.Fatalf("after bringing back: %d deleted, %d listed", dd.List.Length(), len(p.Patients()))
	}
	if err := svc.DB.DeletePatient(ctx, pt.ID); err != nil {
		t.Fatal(err)
	}
	tapButton(t, w, "Close")
	test.Tap(gate.Deleted)
	gate.WaitIdle()
	dd = gate.DeletedFiles
	dd.List.Select(0)
	test.Tap(dd.Purge)
	tapButton(t, w, "Purge")
	gate.WaitIdle()
	if _, err := svc.DB.PatientByID(ctx, pt.ID); err == nil {
		t.Fatal("patient still there after purge")
	}
	if _, err := svc.DB.Session(ctx, s.ID); err == nil {
		t.Fatal("recording still there after purge")
	}
	es, _ := svc.DB.ListAudit(ctx, storage.AuditFilter{ObjectType: storage.ObjectPatient, ObjectID: pt.ID})
	var log []string
	for _, e := range es {
		log = append(log, e.Actor+" "+string(e.Action)+" "+e.Detail)
	}
	want := []string{"boss purged 1 sessions removed", "boss deleted ", "boss changed undeleted", "ann deleted ", "ann changed ", "ann viewed ", "ann created "}
	if strings.Join(log, "|") != strings.Join(want, "|") {
		t.Errorf("patient's audit trail\n got %q\nwant %q", log, want)
	}
}

// TestTypingKeepsTheScreenOpen: typing into a field (keys a field takes
// never reach the window's handlers) counts as activity for the idle lock.
func TestTypingKeepsTheScreenOpen(t *testing.T) {
	svc, _ := testServices(t)
	clock := &testClock{t: time.Now()}
	scr, gate, _, w := gatedUI(t, svc, clock)
	submit(gate, "boss", "boss password")
	w.Canvas().Focus(scr.Patients.Search)
	gate.Tick()
	for i := range 30 { // 30 minutes of typing, a key every 20 s
		clock.add(20 * time.Second)
		test.Type(scr.Patients.Search, "a")
		gate.Tick()
		if gate.Mode() != "open" {
			t.Fatalf("locked while typing, after %d keys", i+1)
		}
		scr.WaitIdle()
	}
	clock.add(10 * time.Minute)
	gate.Tick()
	if gate.Mode() != "locked" {
		t.Fatalf("mode %q after 10 minutes without typing", gate.Mode())
	}
}
