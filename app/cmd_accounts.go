package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"

	"myorehab/app/auth"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// osActor is the audit actor of the command-line tools: the operating
// system's user, as "os:NAME".
func osActor() storage.Actor {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = os.Getenv("USER")
	}
	if name == "" {
		name = "unknown"
	}
	return storage.Actor{Name: "os:" + name}
}

// runUser implements `myorehab user add --db FILE --name NAME --role
// admin|therapist` (CLI.md): the password is the first line of stdin; the
// database is created when absent.
func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runUserIn(ctx, args, os.Stdin, stdout, stderr)
}

func runUserIn(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return usagef("user needs a subcommand: user add --db FILE --name NAME --role admin|therapist")
	}
	fs := newFlagSet("user add", stderr)
	dbPath := fs.String("db", "", "SQLite database file (created if absent)")
	name := fs.String("name", "", "the log-in name")
	role := fs.String("role", storage.RoleTherapist, "admin or therapist")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return flagErr(err)
	}
	if *dbPath == "" || strings.TrimSpace(*name) == "" {
		return usagef("user add needs --db and --name")
	}
	if *role != storage.RoleAdmin && *role != storage.RoleTherapist {
		return usagef("--role is admin or therapist, not %q", *role)
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read the password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return errors.New("give the password on standard input (one line)")
	}
	db, err := sqlite.Open(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	acc := &auth.Accounts{DB: db}
	t, err := acc.Create(ctx, *name, *name, *role, password)
	if err != nil {
		return fmt.Errorf("add account %q: %w", *name, err)
	}
	if *asJSON {
		return writeJSONLine(stdout, map[string]any{"id": t.ID, "name": t.Login, "role": t.Role})
	}
	fmt.Fprintf(stdout, "added %s %q (id %d)\n", t.Role, t.Login, t.ID)
	return nil
}

// runAudit implements `myorehab audit verify --db FILE --json` (CLI.md):
// {"rows","ok","first_bad_row"} with --json (exit status 0 whenever the
// check ran: the answer is in the JSON); without --json a broken chain
// exits non-zero with the first bad row on stderr.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return usagef("audit needs a subcommand: audit verify --db FILE [--json]")
	}
	fs := newFlagSet("audit verify", stderr)
	dbPath := fs.String("db", "", "SQLite database file")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return flagErr(err)
	}
	if *dbPath == "" {
		return usagef("audit verify needs --db")
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return fmt.Errorf("database %s: %w", *dbPath, err)
	}
	db := sqlite.NewDB(*dbPath)
	db.ReadOnly = true // checking must not change what it checks
	if err := db.Open(); err != nil {
		return err
	}
	defer db.Close()
	res, err := db.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSONLine(stdout, res)
	}
	if res.OK {
		fmt.Fprintf(stdout, "audit log intact: %d rows\n", res.Rows)
	} else {
		return fmt.Errorf("the audit log was changed: row %d (of %d) is not as written", res.FirstBadRow, res.Rows)
	}
	return nil
}
