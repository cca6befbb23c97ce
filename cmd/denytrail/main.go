// Command denytrail explains why S3 uploads and KMS calls were denied, from
// CloudTrail records: local files and folders, CloudTrail log archives in
// S3, or the CloudTrail LookupEvents API.
//
// Exit codes: 0 the scan completed and every input was read; 1 it could not
// run (bad flags, no readable input); 2 it completed but some inputs or
// records could not be read (each named on stderr and in the report); 3 it
// completed, every input was read, --fail-on-findings was given and there
// were findings (2 wins over 3); 130 interrupted.
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(&env{stdin: stdin, stdout: stdout, stderr: stderr})
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "denytrail: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "denytrail: %v\n", err)
	return exitFailure
}

// env is the process's standard streams, so tests can run commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}
