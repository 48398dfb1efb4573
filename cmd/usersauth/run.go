package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

// Exit codes of run.
const (
	exitOK          = 0
	exitFailure     = 1   // the command ran and failed: unknown user, refused password, database error
	exitUsage       = 2   // the command line is wrong, as for the flag package
	exitInterrupted = 130 // 128 + SIGINT, as shells report a Ctrl-C
)

// dbEnv names the environment variable that gives --db its default.
const dbEnv = "USERSAUTH_DB"

// command is one subcommand of the command line.
type command struct {
	name    string
	args    string // synopsis of the positional arguments
	summary string
	// minArgs and maxArgs bound the positional arguments.
	minArgs, maxArgs int
	// createsDB lets the command create a SQLite database that does not
	// exist yet; the others refuse a missing file, which is almost always a
	// mistyped path.
	createsDB bool
	// flags declares the command's own flags on fs; nil when it has none.
	flags func(fs *flag.FlagSet, o *options)
	// check, if set, refuses a session the command cannot run in, before
	// the database is opened.
	check func(s *session) error
	// exec runs the command on an open database.
	exec func(ctx context.Context, s *session, args []string) error
}

// options are the flags of all commands; each command declares the ones it
// takes.
type options struct {
	db     string
	json   bool
	yes    bool
	limit  int
	after  string
	prefix string
}

// session is what a command works with: its streams and the database.
type session struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// term is stdin as a terminal; nil when stdin is not one, so no prompt
	// is shown and no confirmation can be asked.
	term  terminal
	opts  options
	db    *sqlstore.DB
	users *sqlstore.UserStore[*user.User]
	// manager changes users as the server would; see newManager.
	manager *user.Manager[*user.User]
}

func commands() []command {
	jsonFlag := func(fs *flag.FlagSet, o *options) {
		fs.BoolVar(&o.json, "json", false, "print the user as JSON")
	}
	flagCommand := func(c flagChange) command {
		return command{name: c.name, args: "<email>", summary: c.summary, minArgs: 1, maxArgs: 1, flags: jsonFlag,
			exec: func(ctx context.Context, s *session, args []string) error { return changeFlag(ctx, s, c, args[0]) }}
	}
	cmds := []command{
		{name: "migrate", summary: "create the schema or bring it to the latest version", createsDB: true, exec: migrate},
		{name: "create-superuser", args: "<email>", summary: "create an active, verified superuser (password from the terminal or one line of stdin)",
			minArgs: 1, maxArgs: 1, createsDB: true, flags: jsonFlag, exec: createSuperuser},
	}
	for _, c := range flagChanges() {
		cmds = append(cmds, flagCommand(c))
	}
	return append(cmds,
		command{name: "list", summary: "list users ordered by e-mail", flags: func(fs *flag.FlagSet, o *options) {
			fs.IntVar(&o.limit, "limit", 0, "print at most `n` users (0: all)")
			fs.StringVar(&o.after, "after", "", "start after this `email` (the last one of the previous page)")
			fs.StringVar(&o.prefix, "prefix", "", "only the users whose address starts with `text`, in any case")
			fs.BoolVar(&o.json, "json", false, "print a JSON array")
		}, exec: list},
		command{name: "sessions", args: "<email>", summary: "list a user's sessions (server-side tokens and refresh-token families) in the database",
			minArgs: 1, maxArgs: 1, flags: func(fs *flag.FlagSet, o *options) {
				fs.BoolVar(&o.json, "json", false, "print a JSON array")
			}, exec: listSessions},
		command{name: "end-session", args: "<session id>", summary: "end one session: its device is logged out at once",
			minArgs: 1, maxArgs: 1, exec: endSession},
		command{name: "delete", args: "<email>", summary: "delete a user (asks for confirmation on a terminal)", minArgs: 1, maxArgs: 1,
			flags: func(fs *flag.FlagSet, o *options) {
				fs.BoolVar(&o.yes, "yes", false, "delete without asking; required when stdin is not a terminal")
			}, check: checkDelete, exec: deleteUser},
		command{name: "reset-2fa", args: "<email>", summary: "remove a user's second factors (TOTP, recovery codes, passkeys) and end their sessions",
			minArgs: 1, maxArgs: 1, exec: resetTwoFactor},
	)
}

// run is the whole command line: it parses args (without the program
// name), runs the command and returns the process's exit code. Errors are
// printed on stderr as one line each; results on stdout. stdin is read for
// passwords and confirmations; when it implements terminal and reports a
// terminal, prompts are shown there and passwords read without echo.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 {
		usage(stderr, cmds)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && name == "help" {
			if c, ok := lookupCommand(cmds, args[1]); ok {
				newFlagSet(c, &options{}, stderr).Usage()
				return exitOK
			}
			fmt.Fprintf(stderr, "usersauth: unknown command %q\n", args[1])
			return exitUsage
		}
		usage(stderr, cmds)
		return exitOK
	}
	c, ok := lookupCommand(cmds, name)
	if !ok {
		if strings.HasPrefix(name, "-") {
			fmt.Fprintf(stderr, "usersauth: the command comes first: usersauth <command> --db <database> ...\n\n")
		} else {
			fmt.Fprintf(stderr, "usersauth: unknown command %q\n\n", name)
		}
		usage(stderr, cmds)
		return exitUsage
	}

	var o options
	fs := newFlagSet(c, &o, stderr)
	pos, err := parseArgs(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		// The flag package has printed the error and the usage.
		return exitUsage
	}
	if o.db == "" {
		// Not the flag's default: usage would print it, password and all.
		o.db = os.Getenv(dbEnv)
	}
	if err := checkArgs(c, o, pos); err != nil {
		fmt.Fprintf(stderr, "usersauth %s: %v\n", c.name, err)
		fs.Usage()
		return exitUsage
	}

	s := &session{stdin: stdin, stdout: stdout, stderr: stderr, opts: o}
	if t, ok := stdin.(terminal); ok && t.IsTerminal() {
		s.term = t
	}
	if c.check != nil {
		err = c.check(s)
	}
	if err == nil {
		err = withDB(ctx, s, c, pos)
	}
	return report(ctx, stderr, c.name, o.db, err)
}

// withDB opens the database, runs c and closes the database.
func withDB(ctx context.Context, s *session, c command, args []string) (err error) {
	db, err := openDB(ctx, s.opts.db, c.createsDB)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing the database: %w", cerr)
		}
	}()
	s.db, s.users = db, db.Users()
	if s.manager, err = newManager(s); err != nil {
		return err
	}
	return c.exec(ctx, s, args)
}

func checkArgs(c command, o options, pos []string) error {
	switch {
	case o.db == "":
		return fmt.Errorf("no database: give --db <sqlite file or postgres:// URL> or set %s", dbEnv)
	case len(pos) < c.minArgs:
		return fmt.Errorf("missing %s", c.args)
	case len(pos) > c.maxArgs:
		return fmt.Errorf("unexpected argument %q", pos[c.maxArgs])
	case o.limit < 0:
		return errors.New("--limit must not be negative")
	}
	for _, a := range pos {
		if a == "" {
			return errors.New("empty e-mail address")
		}
	}
	return nil
}

func lookupCommand(cmds []command, name string) (command, bool) {
	for _, c := range cmds {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// newFlagSet declares c's flags, --db first, on a FlagSet that reports to
// stderr and returns errors instead of exiting.
func newFlagSet(c command, o *options, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("usersauth "+c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.db, "db", "", "the `database`: a SQLite file or a postgres:// URL (default $"+dbEnv+")")
	if c.flags != nil {
		c.flags(fs, o)
	}
	fs.Usage = func() {
		synopsis := "usersauth " + c.name + " --db <database>"
		if c.args != "" {
			synopsis += " " + c.args
		}
		fmt.Fprintf(stderr, "usage: %s [flags]\n\n%s.\n\nflags:\n", synopsis, upperFirst(c.summary))
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses fs's flags wherever they stand among the positional
// arguments, so that "promote a@example.com --db users.db" works as well as
// "promote --db users.db a@example.com"; after "--" everything is
// positional. It returns the positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func usage(w io.Writer, cmds []command) {
	var b strings.Builder
	b.WriteString("usage: usersauth <command> --db <database> [flags] [arguments]\n\n")
	b.WriteString("Manages the users of a usersauth database while servers keep using it.\n")
	b.WriteString("The database is a SQLite file or a postgres:// URL; $" + dbEnv + " is the default.\n")
	b.WriteString("Users are named by e-mail address, in any case or Unicode spelling.\n\ncommands:\n")
	width := 0
	for _, c := range cmds {
		width = max(width, len(c.name)+len(c.args)+1)
	}
	for _, c := range cmds {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
	b.WriteString("\nRun \"usersauth help <command>\" for a command's flags.\n")
	io.WriteString(w, b.String())
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
