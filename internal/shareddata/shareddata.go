package shareddata

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// Required reports whether the shared data must be present: the CI
// environment variable is true ("true", "1", ...; strconv.ParseBool).
func Required() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// Missing skips the test with the message, or fails it (Fatal) under
// CI=true, saying that CI needs ../shared.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		tb.Fatalf("%s; CI=true requires ../shared beside the module root (check it out there, or unset CI to skip)", msg)
		return
	}
	tb.Skip(msg)
}

// Dir returns ../shared/<elem...> beside the module root (the folder
// holding go.mod, found from the working directory up), or calls Missing
// when the module root or that path is absent.
func Dir(tb testing.TB, elem ...string) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			Missing(tb, "go.mod not found above the test directory; shared data unavailable")
			return ""
		}
		dir = parent
	}
	shared := filepath.Join(append([]string{dir, "..", "shared"}, elem...)...)
	if _, err := os.Stat(shared); err != nil {
		Missing(tb, "shared data not found at %s (%v); see shared/data/README.md", shared, err)
	}
	return shared
}

// File returns path when it exists, or calls Missing naming it and what.
func File(tb testing.TB, path, what string) string {
	tb.Helper()
	if _, err := os.Stat(path); err != nil {
		Missing(tb, "%s not found at %s (%v); see shared/data/README.md", what, path, err)
	}
	return path
}
