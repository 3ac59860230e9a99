package transfer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"myorehab/storage"
	"myorehab/storage/edf"
)

// TestDeidentifiedExportCarriesNoIdentity: a de-identified EDF+, BDF+ or
// CSV export holds neither the patient's name nor birth date nor the words
// of free-text notes (which may name someone), anywhere in its bytes;
// labels and cues stay. The file is owner-only even when it replaces a
// wider one, and the export is audited once with the actor.
func TestDeidentifiedExportCarriesNoIdentity(t *testing.T) {
	ctx := storage.WithActor(context.Background(), storage.Actor{TherapistID: 3, Name: "ann"})
	db := openDB(t)
	s, _ := gapSession(t, db) // patient C-9, Ann Smith, born 1960-04-30
	for _, a := range []storage.Annotation{
		{Sample: 10, Kind: "note", Text: "spoke with Mrs Keller, her daughter"},
		{Sample: 20, Kind: "annotation", Text: "Smith complained of pain"},
	} {
		a.SessionID = s.ID
		if err := db.AddAnnotation(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []Format{EDF, BDF, CSV} {
		path := filepath.Join(t.TempDir(), "out."+string(f))
		if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ExportFile(ctx, db, s.ID, path, Options{Format: f, Deidentify: true}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"Ann_Smith", "Ann Smith", "Smith", "1960", "30-APR", "Keller", "daughter", "pain"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s: the de-identified file contains %q", f, secret)
			}
		}
		if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f, st.Mode().Perm())
		}
		if f == CSV {
			continue
		}
		e, err := edf.Read(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, a := range e.Annotations {
			texts = append(texts, a.Text)
		}
		for _, want := range []string{"grip", "cue: in the gap", "note", "annotation"} {
			if !slices.Contains(texts, want) {
				t.Errorf("%s: annotations %q lack %q", f, texts, want)
			}
		}
	}
	// Not de-identified, the note stays (the clinic's own copy).
	m := &memFile{}
	if _, err := Export(ctx, db, s.ID, m, Options{Format: EDF}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(m.buf, []byte("Keller")) || !bytes.Contains(m.buf, []byte("Ann_Smith")) {
		t.Error("an identified export lost the note or the name")
	}
	es, err := db.ListAudit(ctx, storage.AuditFilter{Action: storage.AuditExported, ObjectType: storage.ObjectSession, ObjectID: s.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 4 {
		t.Fatalf("%d exports audited, want 4", len(es))
	}
	for _, e := range es {
		if e.Actor != "ann" || e.TherapistID != 3 {
			t.Errorf("export audited as %+v", e)
		}
	}
	if !strings.Contains(es[1].Detail, "csv de-identified to ") {
		t.Errorf("detail %q", es[1].Detail)
	}
}
