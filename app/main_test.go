package app

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// guiChildEnv makes the test binary run the real desktop app (on the main
// thread, as GLFW wants) instead of the tests: see TestRealWindowDemo.
const guiChildEnv = "MYOREHAB_TEST_GUI_DATA_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(guiChildEnv); dir != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
		err := runGUI(ctx, GUIOptions{DataDir: dir, Demo: true})
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, "gui:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
