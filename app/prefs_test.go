package app

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRepairPrefs: a preferences file cut short by a crash (the cause of
// "Preferences load error: EOF") is moved aside; a good or missing one is
// left alone.
func TestRepairPrefs(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string
		moved         bool
	}{
		{"empty", "", true},
		{"cut", `{"mains_hz":"5`, true},
		{"good", `{"mains_hz":"50"}`, false},
		{"empty object", "{}\n", false},
	} {
		path := filepath.Join(dir, tc.name+".json")
		if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		did, err := repairPrefs(path)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		_, statErr := os.Stat(path + ".broken")
		if moved := did != "" && statErr == nil; moved != tc.moved {
			t.Errorf("%s: moved %v (%q), want %v", tc.name, moved, did, tc.moved)
		}
		if _, err := os.Stat(path); (err == nil) == tc.moved {
			t.Errorf("%s: file still there: %v", tc.name, err == nil)
		}
	}
	if did, err := repairPrefs(filepath.Join(dir, "missing.json")); did != "" || err != nil {
		t.Errorf("missing file: %q, %v", did, err)
	}
}
