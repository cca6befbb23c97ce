// Command denytrail explains why S3 uploads and KMS calls were denied, from
// CloudTrail records: local files and folders, CloudTrail log archives in
// S3, or the CloudTrail LookupEvents API.
//
// Exit codes: 0 the scan completed and every input was read; 1 it could not
// run (bad flags, no readable input); 2 it completed but some inputs or
// records could not be read (each named on stderr and in the report); 3 it
// completed, every input was read, --fail-on-findings was given and there
// were findings; 4 it completed with --verify and integrity failed (4 wins
// over 2, 2 over 3); 130 interrupted.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes; see the package comment and the README.
const (
	exitOK          = 0
	exitFailure     = 1
	exitSkipped     = 2
	exitFindings    = 3
	exitDelivery    = 5 // the report was written, but sending it on (Security Hub, a webhook) failed
	exitInterrupted = 130
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error // nil when the command already said everything
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func main() {
	os.Exit(runMain())
}

// runMain runs the command line of the process: the first Ctrl-C or
// SIGTERM cancels the context (the scan stops, the partial report is
// written, exit 130); a second one exits at once.
func runMain() int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		fmt.Fprintln(os.Stderr, "\ndenytrail: interrupted: writing the report of what was read (interrupt again to quit at once)")
		cancel()
		<-sigs
		fmt.Fprintln(os.Stderr, "denytrail: interrupted again: quitting")
		os.Exit(exitInterrupted)
	}()
	return run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, lookupEnv: os.LookupEnv}
	root := newRootCmd(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitFailure
	var ee *exitError
	if errors.As(err, &ee) {
		code, err = ee.code, ee.err
	}
	if err != nil {
		if e.debug {
			fmt.Fprintf(stderr, "denytrail: debug: error in full: %v\n", err)
		}
		fmt.Fprintf(stderr, "denytrail: %s\n", blameEnv(explain(err.Error(), e.awsContextOf()), e.fromEnv))
	}
	return code
}

// env is the process's standard streams and environment, so tests can run
// commands in-process, and the flags every command has.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	lookupEnv      func(string) (string, bool)
	fromEnv        map[string]string // flag name -> the DENYTRAIL_ variable that set it

	profile string // the --profile of the command, for error hints
	region  string // its first --region

	debug   bool // --debug
	quiet   bool // -q/--quiet
	verbose bool // --verbose
}

// verboseWriter is stderr with --verbose, else nil.
func (e *env) verboseWriter() io.Writer {
	if e.verbose {
		return e.stderr
	}
	return nil
}

// notef prints a note on stderr, unless --quiet.
func (e *env) notef(format string, args ...any) {
	if !e.quiet {
		fmt.Fprintf(e.stderr, "denytrail: note: "+format+"\n", args...)
	}
}

// debugWriter is where --debug logs go: stderr, or nil without --debug.
func (e *env) debugWriter() io.Writer {
	if !e.debug {
		return nil
	}
	return e.stderr
}
