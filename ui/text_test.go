package ui

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"myorehab/internal/hostile"
	"myorehab/storage"
)

// TestShownHostile: whatever a record holds, what the screens show is one
// valid UTF-8 line of at most max characters (plus "…"), without control
// characters or bidirectional overrides, and ordinary text is unchanged.
func TestShownHostile(t *testing.T) {
	for _, s := range hostile.Strings() {
		for _, max := range []int{maxShownName, maxShownDetail} {
			got := shown(s, max)
			if !utf8.ValidString(got) {
				t.Errorf("shown(%q) is not valid UTF-8", hostile.Name(s))
			}
			if n := utf8.RuneCountInString(got); n > max+1 {
				t.Errorf("shown(%q, %d) has %d characters", hostile.Name(s), max, n)
			}
			for _, r := range got {
				if unicode.IsControl(r) || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 {
					t.Errorf("shown(%q) keeps %U", hostile.Name(s), r)
				}
			}
		}
		row := patientRow(storage.Patient{Code: s, Name: s, BirthDate: s, Diagnosis: s})
		det := patientDetails(storage.Patient{Sex: "F", AffectedSide: "left", Diagnosis: s})
		for _, text := range []string{row, det} {
			if strings.ContainsAny(text, "\n\r\x00") || utf8.RuneCountInString(text) > 2*maxShownName+maxShownDetail+40 {
				t.Errorf("display of %q: %q", hostile.Name(s), hostile.Name(text))
			}
		}
	}
	for _, s := range []string{"Ada Keller", "O'Brien", "患者 テスト", "مريض عربي", "\u200fmark"} {
		if got := shown(s, maxShownName); got != s {
			t.Errorf("shown(%q) = %q, want it unchanged", s, got)
		}
	}
	if got := shown("  a \t\n b  ", 10); got != "a b" {
		t.Errorf("spaces: %q", got)
	}
	if got := shown("abcdef", 3); got != "abc…" {
		t.Errorf("cut: %q", got)
	}
}
