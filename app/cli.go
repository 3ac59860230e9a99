package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"myorehab/storage"
)

// UsageError is a mistake on the command line; main exits with status 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, a ...any) error { return &UsageError{Msg: fmt.Sprintf(format, a...)} }

// ExitCode maps an error returned by Run to a process exit status.
func ExitCode(err error) int {
	var u *UsageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &u):
		return 2
	}
	return 1
}

// command is one subcommand.
type command struct {
	name, args, help string
	run              func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"emulate", "--protocol cyton|cyton-daisy|bitalino|ascii|p2 --port PATH [--seconds N] [--rate HZ] [--channels N] [--corrupt RATE] [--seed N] [--dump FILE.csv] [--script FILE] [--events FILE.jsonl] [--json]",
			"act as an amplifier on a serial port, fed by the EMG simulator following a gesture script", runEmulate},
		{"emulate", "--protocol glove --port PATH [--fingers N] [--seconds N] [--corrupt RATE] [--corrupt-in RATE] [--seed N] [--log FILE.jsonl] [--fault SPEC] [--watchdog DUR] [--json]",
			"act as a rehabilitation glove (glove link v1) on a serial port", runEmulate},
		{"simulate", "--script FILE --out F.edf [--seed N] [--channels N] [--rate HZ] [--repeat N] [--json]",
			"write an EDF+ recording of the simulated patient following a gesture script, each step annotated with its gesture", runSimulate},
		{"record", "--port PATH --protocol P --seconds N --db FILE [--patient CODE] [--mains 50|60|auto] [--json]",
			"record N seconds from an amplifier (or sim, or replay of an EDF+ file) into a session; reconnects by itself", runRecord},
		{"filter", "--in F --out F [--fs HZ] (--butter N (--band LO,HI | --highpass F | --lowpass F) [--zero-phase] | --notch F0 --q Q)",
			"Butterworth or notch filtering of a CSV or EDF+/BDF+ recording", runFilter},
		{"spectrum", "--in F --out F [--fs HZ] --nperseg N --noverlap N [--band LO,HI] [--json]", "Welch PSD and median/mean frequency per channel", runSpectrum},
		{"denoise", "--in F --out F [--fs HZ] --wavelet W --level L --threshold universal|sure (--soft|--hard) [--json]", "wavelet denoising of every channel", runDenoise},
		{"features", "--in F --out F [--fs HZ] --window N --inc N --features LIST [--param NAME=VALUE] [--json]", "LibEMG features per sliding window", runFeatures},
		{"fatigue", "--in F [--fs HZ] [--window 1s] [--nperseg 0.2s] [--band 20,450] [--noise-rms X] [--json]", "MDF/MNF/RMS per window, MDF slope and fatigue flag per channel", runFatigue},
		{"sessions", "--db FILE [--patient CODE] [--json]", "list recorded sessions", runSessions},
		{"export", "--db FILE --session ID --format csv|edf|bdf --out FILE [--raw] [--deidentify]", "export a session's samples (CSV, EDF+ or BDF+ with annotations)", runExport},
		{"import", "--db FILE --patient CODE FILE.edf|FILE.bdf", "import an EDF+/BDF+ recording with its annotations as a new session", runImport},
		{"evaluate", "--train F[,F...] --test F [--features LIST] [--model M] [--window N | --window-ms MS] [--inc N | --inc-ms MS] [--votes N] [--int8] [--json]", "train a gesture pipeline on annotated recordings and score it on another", runEvaluate},
		{"control", "--protocol P [--port PATH] --glove PATH (--db FILE --patient CODE | --train F.edf[,F...]) [--mode passive|assist|triggered|proportional] [--level PCT] [--seconds N] [--int8] [--log FILE.jsonl] [--json]",
			"the closed loop without a window: EMG in → recognition → control → glove; arms at start, disarms at the end", runControl},
		{"rehab", "--plan FILE.json --protocol P [--port PATH] [--glove PATH] --db FILE --patient CODE [--measure-mvc] [--skill 0..1] [--fast] [--seed N] [--json]",
			"run an exercise plan as a guided session (the simulator's patient follows the cues with --protocol sim)", runRehab},
		{"demo-history", "--db FILE --patient CODE --weeks N [--seed N]",
			"build a dated synthetic history (rehab sessions of a simulated patient who improves, MVC, outcome measures) through the real session path", runDemoHistory},
		{"progress", "--db FILE --patient CODE [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--sessions-csv F] [--reps-csv F] [--json]",
			"the numbers behind the progress view: sessions, weekly figures, outcome measures, trends", runProgress},
		{"report", "--db FILE --patient CODE [--from YYYY-MM-DD] [--to YYYY-MM-DD] --out FILE.pdf [--deidentify] [--json]",
			"the patient's progress report as PDF (clinic name from $MYOREHAB_CLINIC)", runReport},
		{"user", "add --db FILE --name NAME --role admin|therapist [--json]  (password: one line on standard input)",
			"add an account; creates the database if absent", runUser},
		{"audit", "verify --db FILE [--json]", "check the audit log's hash chain: {\"rows\",\"ok\",\"first_bad_row\"}", runAudit},
		{"bench", "--channels N --fs HZ (--window N | --window-ms MS) (--inc N | --inc-ms MS) --features LIST --model M [--int8] [--n N] [--json]", "per-decision compute latency of the real-time recognition path", runBench},
	}
}

// Run runs MyoRehab with the command-line arguments args (without the
// program name): a subcommand of ../shared/CLI.md, or the desktop app.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name := args[0]
		if name == "help" {
			printUsage(stdout)
			return nil
		}
		for _, c := range commands() {
			if c.name == name {
				// Command-line tools act as the operating-system user.
				ctx = storage.WithActor(ctx, osActor())
				return c.run(ctx, args[1:], stdout, stderr)
			}
		}
		return usagef("unknown command %q (try: myorehab help)", name)
	}
	fs := newFlagSet("myorehab", stderr)
	dataDir := fs.String("data-dir", "", "folder for the database, logs and settings (default: the user's data folder)")
	demo := fs.Bool("demo", false, "open with a demo patient and the simulated amplifier streaming")
	glovePort := fs.String("glove", "", "serial port of the rehabilitation glove, connected at start (disarmed)")
	lockAfter := fs.String("lock-after", "10m", "idle time after which the screen locks and asks for the password again (e.g. 5m, 600)")
	fs.Usage = func() { printUsage(stderr) }
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	lock, err := parseDuration(*lockAfter)
	if err != nil || lock < 10*time.Second {
		return usagef("--lock-after %q: give an idle time of at least 10s, e.g. 10m", *lockAfter)
	}
	return runGUI(ctx, GUIOptions{DataDir: *dataDir, Demo: *demo, Glove: *glovePort, LockAfter: lock})
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: myorehab [--data-dir DIR] [--demo] [--glove PATH] [--lock-after 10m]     open the desktop app")
	for _, c := range commands() {
		fmt.Fprintf(w, "       myorehab %s %s\n           %s\n", c.name, c.args, c.help)
	}
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// flagErr turns a flag parsing error into a usage error (help is not an error).
func flagErr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return &UsageError{Msg: err.Error()}
}

// cliLog returns the log of a command: text on stderr with -v, else none.
func cliLog(verbose bool, stderr io.Writer) *slog.Logger {
	if verbose {
		return slog.New(slog.NewTextHandler(stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}

// parseDuration accepts "1s", "200ms" and bare numbers of seconds.
func parseDuration(s string) (time.Duration, error) {
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		if v < 0 {
			return 0, fmt.Errorf("duration %q is negative", s)
		}
		return time.Duration(v * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("duration %q: use seconds (2.5), or a unit (1s, 200ms)", s)
	}
	return d, nil
}

// parsePair parses "LO,HI".
func parsePair(s string) (lo, hi float64, err error) {
	a, b, ok := strings.Cut(s, ",")
	if ok {
		lo, err = strconv.ParseFloat(strings.TrimSpace(a), 64)
		if err == nil {
			hi, err = strconv.ParseFloat(strings.TrimSpace(b), 64)
		}
	}
	if !ok || err != nil {
		return 0, 0, fmt.Errorf("%q is not LO,HI in hertz (e.g. 20,450)", s)
	}
	return lo, hi, nil
}

// writeJSONLine prints v as one JSON object on its own line.
func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
