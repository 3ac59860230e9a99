package shareddata

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records Skip and Fatalf instead of ending
// the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Skip(args ...any)               { r.skipped = args[0].(string) }
func (r *recorder) Fatalf(format string, a ...any) { r.failed = fmt.Sprintf(format, a...) }

func TestMissing(t *testing.T) {
	for _, test := range []struct {
		ci         string
		skip, fail bool
	}{
		{"", true, false},
		{"false", true, false},
		{"no", true, false},
		{"true", false, true},
		{"1", false, true},
	} {
		t.Run("CI="+test.ci, func(t *testing.T) {
			t.Setenv("CI", test.ci)
			r := &recorder{TB: t}
			Missing(r, "data at %s", "x")
			if (r.skipped != "") != test.skip || (r.failed != "") != test.fail {
				t.Fatalf("skipped %q, failed %q", r.skipped, r.failed)
			}
			if test.skip && r.skipped != "data at x" {
				t.Errorf("skip message %q", r.skipped)
			}
			if test.fail && !strings.Contains(r.failed, "CI=true requires ../shared") {
				t.Errorf("failure message %q does not say CI needs ../shared", r.failed)
			}
		})
	}
}

func TestDir(t *testing.T) {
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	got := Dir(r, "no-such-folder-here")
	if r.failed == "" || r.skipped != "" {
		t.Fatalf("absent folder: skipped %q, failed %q", r.skipped, r.failed)
	}
	// The module root is two levels up from this package.
	want, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "no-such-folder-here"))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Clean(got) != want {
		t.Errorf("Dir = %s, want %s", got, want)
	}

	r = &recorder{TB: t}
	File(r, filepath.Join(t.TempDir(), "absent.csv"), "a reference file")
	if r.failed == "" {
		t.Error("absent file under CI=true did not fail")
	}
}
