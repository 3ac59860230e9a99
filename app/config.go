package app

import (
	"fmt"
	"io"
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
