// Command myorehab is MyoRehab, EMG-driven hand rehabilitation for clinics:
// without arguments it opens the desktop app; its subcommands record,
// emulate and analyse EMG headless (see README.md and `myorehab help`).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"myorehab/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := app.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "myorehab:", err)
		os.Exit(app.ExitCode(err))
	}
}
