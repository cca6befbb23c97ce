package main

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the scripts run the real command line as "denytrail".
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"denytrail": func() { os.Exit(runMain()) },
	})
}

// TestScripts runs the CLI scenarios in testdata/script: every scan
// format, explain, demo, and the exit codes.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"exits":  cmdExits,
			"islink": cmdIsLink,
			"perm":   cmdPerm,
		},
	})
}

// cmdExits is "exits CODE PROGRAM [ARGS...]": run the program like exec and
// fail unless it exits with exactly CODE. Its output is checked as usual.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

// cmdIsLink is "[!] islink FILE": FILE is a symbolic link.
func cmdIsLink(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: islink FILE")
	}
	fi, err := os.Lstat(ts.MkAbs(args[0]))
	ts.Check(err)
	if is := fi.Mode()&os.ModeSymlink != 0; is == neg {
		ts.Fatalf("%s: mode %v", args[0], fi.Mode())
	}
}

// cmdPerm is "perm MODE FILE": FILE's permission bits are MODE (octal).
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: perm MODE FILE")
	}
	want, err := strconv.ParseUint(args[0], 8, 32)
	ts.Check(err)
	fi, err := os.Stat(ts.MkAbs(args[1]))
	ts.Check(err)
	if got := fi.Mode().Perm(); got != os.FileMode(want) {
		ts.Fatalf("%s: mode %v, want %v", args[1], got, os.FileMode(want))
	}
}
