package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// The reference implementation's Argon2id test vector (phc-winner-argon2,
// src/test.c: "password", salt "somesalt", t=2, m=65536, p=1).
const refPHC = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"

func TestVerifyReferenceVector(t *testing.T) {
	ok, err := Verify("password", refPHC)
	if err != nil || !ok {
		t.Fatalf("reference vector: %v, %v", ok, err)
	}
	if ok, _ := Verify("Password", refPHC); ok {
		t.Fatal("wrong password verified")
	}
	// Our encoder writes the reference string for the reference inputs.
	p, salt, key, err := ParsePHC(refPHC)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Hash("password", p, bytes.NewReader(salt))
	if err != nil || got != refPHC {
		t.Fatalf("Hash = %q, %v\nwant %q", got, err, refPHC)
	}
	if len(key) != 32 {
		t.Fatalf("key of %d bytes", len(key))
	}
}

func TestHashPasswordParameters(t *testing.T) {
	a, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	b, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("PHC string %q: not OWASP's m=19456,t=2,p=1", a)
	}
	if a == b {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	p, salt, key, err := ParsePHC(a)
	if err != nil {
		t.Fatal(err)
	}
	if p != DefaultParams() || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("params %+v salt %d key %d", p, len(salt), len(key))
	}
	parts := strings.Split(a, "$")
	if strings.Contains(a, "=") && strings.Contains(parts[4]+parts[5], "=") {
		t.Fatalf("padded base64 in %q", a)
	}
	if _, err := base64.RawStdEncoding.DecodeString(parts[5]); err != nil {
		t.Fatalf("hash not raw standard base64: %v", err)
	}
	for _, pw := range []string{"correct horse", "correct hors", "correct horse ", ""} {
		ok, err := Verify(pw, a)
		if err != nil || ok != (pw == "correct horse") {
			t.Errorf("Verify(%q) = %v, %v", pw, ok, err)
		}
	}
	if _, err := HashPassword("short"); !errors.Is(err, ErrWeakPassword) {
		t.Errorf("short password: %v", err)
	}
}

func TestParsePHCRejects(t *testing.T) {
	for _, s := range []string{
		"", "password", "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=16$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=4294967295,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ=$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=65536,t=2$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=65536,t=0,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=65536,t=2,p=1,x=3$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	} {
		if _, err := Verify("password", s); !errors.Is(err, ErrBadHash) {
			t.Errorf("Verify(%q) = %v, want ErrBadHash", s, err)
		}
	}
}

func FuzzParsePHC(f *testing.F) {
	f.Add(refPHC)
	f.Add("$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := ParsePHC(s)
		if err != nil {
			return
		}
		// Whatever parses is re-encoded to an equivalent string that parses alike.
		p2, salt2, key2, err := ParsePHC(encodePHC(p, salt, key))
		if err != nil || p2 != p || !bytes.Equal(salt, salt2) || !bytes.Equal(key, key2) {
			t.Fatalf("round trip of %q: %v", s, err)
		}
	})
}

func TestLockoutPolicy(t *testing.T) {
	l := DefaultLockout()
	want := map[int]time.Duration{0: 0, 4: 0, 5: time.Minute, 6: 2 * time.Minute, 7: 4 * time.Minute,
		10: 32 * time.Minute, 11: time.Hour /* 64 min, capped */, 12: time.Hour, 100: time.Hour}
	for n, d := range want {
		if got := l.LockFor(n); got != d {
			t.Errorf("LockFor(%d) = %s, want %s", n, got, d)
		}
	}
}

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{t: time.Date(2026, 1, 2, 8, 0, 0, 0, time.UTC)} }
func cheap() Params                  { return Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32} }
func openDB(t *testing.T, c *clock) *sqlite.DB {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "db"))
	db.Now = c.now
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestLoginLockout(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	acc := &Accounts{DB: db, Now: c.now, Params: cheap()}
	if need, err := acc.NeedsFirstAdmin(ctx); err != nil || !need {
		t.Fatalf("NeedsFirstAdmin on an empty database = %v, %v", need, err)
	}
	admin, err := acc.CreateFirstAdmin(ctx, "boss", "admin password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acc.CreateFirstAdmin(ctx, "boss2", "admin password"); err == nil {
		t.Fatal("a second first admin was created")
	}
	actx := storage.WithActor(ctx, ActorOf(admin))
	ann, err := acc.AddUser(actx, "Ann Smith", "ann", storage.RoleTherapist, "ann password")
	if err != nil {
		t.Fatal(err)
	}

	login := func(name, pw string) error {
		_, err := acc.Login(ctx, name, pw)
		return err
	}
	// Unknown name and wrong password give the very same error.
	e1, e2 := login("nobody", "ann password"), login("ann", "wrong password")
	if e1 == nil || e2 == nil || e1.Error() != e2.Error() || !errors.Is(e1, ErrLoginFailed) {
		t.Fatalf("unknown name: %v; wrong password: %v", e1, e2)
	}
	for range 3 { // 4 failures so far
		if err := login("ann", "wrong password"); !errors.Is(err, ErrLoginFailed) {
			t.Fatal(err)
		}
	}
	if err := login("ann", "ann password"); err != nil {
		t.Fatalf("right password after 4 failures: %v", err)
	}
	// The count restarts after a success: 5 more failures lock for 1 min.
	for range 5 {
		_ = login("ann", "wrong password")
	}
	if err := login("ann", "ann password"); !errors.Is(err, ErrLoginFailed) || err.Error() != e1.Error() {
		t.Fatalf("right password while locked: %v", err)
	}
	c.add(59 * time.Second)
	if err := login("ann", "ann password"); err == nil {
		t.Fatal("unlocked before the minute passed")
	}
	c.add(time.Second)
	// A sixth failure after the lock doubles it.
	if err := login("ann", "wrong password"); err == nil {
		t.Fatal("wrong password accepted")
	}
	c.add(time.Minute + 59*time.Second)
	if err := login("ann", "ann password"); err == nil {
		t.Fatal("unlocked before 2 minutes")
	}
	c.add(time.Second)
	if err := login("ann", "ann password"); err != nil {
		t.Fatalf("after 2 minutes: %v", err)
	}
	// Disabled accounts cannot log in, with the same message; enabling
	// them again lets them.
	if err := acc.SetActive(actx, ann.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := login("ann", "ann password"); err == nil || err.Error() != e1.Error() {
		t.Fatalf("disabled: %v", err)
	}
	if err := acc.SetActive(actx, ann.ID, true); err != nil {
		t.Fatal(err)
	}
	// Reset lifts a lock and changes the password.
	for range 5 {
		_ = login("ann", "wrong password")
	}
	if err := acc.ResetPassword(actx, ann.ID, "new ann password"); err != nil {
		t.Fatal(err)
	}
	if err := login("ann", "new ann password"); err != nil {
		t.Fatalf("after reset: %v", err)
	}
	// Therapists are not administrators.
	tctx := storage.WithActor(ctx, ActorOf(ann))
	if _, err := acc.AddUser(tctx, "", "eve", storage.RoleAdmin, "eve password"); !errors.Is(err, ErrNotAdmin) {
		t.Fatalf("therapist adding an admin: %v", err)
	}
	if err := acc.SetActive(actx, admin.ID, false); err == nil {
		t.Fatal("admin disabled their own account")
	}
	// The audit log tells the administrator what happened, never a password.
	es, err := db.ListAudit(ctx, storage.AuditFilter{Action: storage.AuditLoginFailed})
	if err != nil {
		t.Fatal(err)
	}
	// 2 + 3, 5, 2 while locked, 1 after, 1 while locked, 1 disabled, 5.
	if len(es) != 20 {
		t.Errorf("%d refused log-ins audited, want 20", len(es))
	}
	all, err := db.ListAudit(ctx, storage.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if strings.Contains(e.Detail, "password") && strings.Contains(e.Detail, "ann password") {
			t.Errorf("a password in the audit log: %+v", e)
		}
	}
	if res, err := db.VerifyAudit(ctx); err != nil || !res.OK {
		t.Fatalf("verify = %+v, %v", res, err)
	}
}

func TestIdleTimer(t *testing.T) {
	c := newClock()
	it := NewIdleTimer(0, c.now)
	if it.Timeout() != 10*time.Minute {
		t.Fatalf("default timeout %s", it.Timeout())
	}
	c.add(9 * time.Minute)
	if it.Tick() {
		t.Fatal("locked after 9 min")
	}
	it.Activity()
	c.add(9 * time.Minute)
	if it.Tick() {
		t.Fatal("locked 9 min after activity")
	}
	c.add(time.Minute)
	if !it.Tick() || !it.Locked() {
		t.Fatal("not locked after 10 idle minutes")
	}
	if it.Tick() {
		t.Fatal("Tick reported the same lock twice")
	}
	it.Activity() // typing the password does not unlock
	if !it.Locked() {
		t.Fatal("activity unlocked")
	}
	it.Unlock()
	c.add(2 * time.Minute)
	it.SetTimeout(2 * time.Minute)
	if !it.Tick() {
		t.Fatal("not locked after the shorter timeout")
	}
}

// BenchmarkHashPassword measures one hash with OWASP's parameters (the
// cost of a log-in).
func BenchmarkHashPassword(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := HashPassword("correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
}
