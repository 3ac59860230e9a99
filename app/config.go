package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// DefaultDataDir returns where MyoRehab keeps its database, logs and
// settings: $XDG_DATA_HOME/myorehab, else ~/.local/share/myorehab.
func DefaultDataDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "myorehab"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the home directory for the data folder: %w (use --data-dir)", err)
	}
	return filepath.Join(home, ".local", "share", "myorehab"), nil
}

// openLog opens (appending) myorehab.log in dir, owner-only, and returns a
// JSON slog.Logger writing to it, plus a closer.
func openLog(dir string) (*slog.Logger, io.Closer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create data folder %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "myorehab.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open log file: %w", err)
	}
	if err := f.Chmod(0o600); err != nil { // a log made by an older version may be wider
		f.Close()
		return nil, nil, fmt.Errorf("open log file: %w", err)
	}
	return slog.New(slog.NewJSONHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo})), f, nil
}

// fynePrefsPath is where Fyne keeps the preferences of app id (the mains
// setting): <user config dir>/fyne/<id>/preferences.json.
func fynePrefsPath(id string) (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "fyne", id, "preferences.json"), nil
}

// repairPrefs makes the preferences file at path loadable before Fyne reads
// it. Fyne rewrites the file in place (truncate, then write), so a process
// killed in between leaves it empty or cut short, and the next start prints
// "Preferences load error: EOF" and forgets the settings. A file that is not
// a JSON object is moved aside to path+".broken" (the settings fall back to
// their defaults); a missing file is left alone. It returns what it did, ""
// when nothing was needed.
func repairPrefs(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read preferences %s: %w", path, err)
	}
	var v map[string]any
	if json.Unmarshal(b, &v) == nil {
		return "", nil
	}
	if err := os.Rename(path, path+".broken"); err != nil {
		return "", fmt.Errorf("move aside unreadable preferences %s: %w", path, err)
	}
	return fmt.Sprintf("preferences file %s was unreadable (%d bytes, likely cut short by a crash); moved to %s.broken, settings back to defaults", path, len(b), path), nil
}
