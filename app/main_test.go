package app

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// guiChildEnv makes the test binary run the real desktop app (on the main
// thread, as GLFW wants) instead of the tests: see TestRealWindowDemo.
const guiChildEnv = "MYOREHAB_TEST_GUI_DATA_DIR"

// cliChildEnv makes the test binary run one command line (its arguments
// separated by \x1f) instead of the tests, so a test can kill a real
// MyoRehab process: see TestControlKilledWhileArmed.
const cliChildEnv = "MYOREHAB_TEST_CLI"

func TestMain(m *testing.M) {
	if args := os.Getenv(cliChildEnv); args != "" {
		err := Run(context.Background(), strings.Split(args, "\x1f"), os.Stdout, os.Stderr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "myorehab:", err)
		}
		os.Exit(ExitCode(err))
	}
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
