package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// denytrailBinary returns the test binary under the name "denytrail", which
// TestMain runs as the real command line, signal handling included.
func denytrailBinary(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("signals are POSIX")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "denytrail")
	if err := os.Symlink(exe, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestSignals: SIGINT or SIGTERM into "scan -" stops it within 2 s with the
// report of what was read and exit 130, whether the stream keeps coming
// (records that do not matter, which the reader skips in bulk) or stalls
// (a pipe nobody writes to); a second SIGINT quits at once.
func TestSignals(t *testing.T) {
	bin := denytrailBinary(t)
	record := `{"eventVersion":"1.09","eventTime":"2026-11-26T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","eventID":"e"}` + "\n"
	endless := func(w io.WriteCloser) {
		buf := []byte(strings.Repeat(record, 1000))
		for {
			if _, err := w.Write(buf); err != nil {
				return
			}
		}
	}
	stall := func(w io.WriteCloser) { w.Write([]byte(record)) } // then nothing, never closed
	for _, c := range []struct {
		name   string
		feed   func(io.WriteCloser)
		sig    []os.Signal
		report bool
	}{
		{"endless stream, SIGINT", endless, []os.Signal{os.Interrupt}, true},
		{"endless stream, SIGTERM", endless, []os.Signal{syscall.SIGTERM}, true},
		{"stalled pipe, SIGINT", stall, []os.Signal{os.Interrupt}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, "scan", "--progress", "never", "-o", "json", "-")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			w, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go c.feed(w)
			defer w.Close()
			// Reading by now: the signal handlers are installed before the
			// scan starts, and a loaded machine can take most of a second
			// to start a binary. A signal before that kills the process
			// outright, which the test would misread as a failure.
			time.Sleep(time.Second)
			start := time.Now()
			for _, s := range c.sig {
				cmd.Process.Signal(s)
				time.Sleep(50 * time.Millisecond)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(2 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("still running 2 s after the signal; stderr:\n%s", stderr.String())
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
				t.Fatalf("exit %v after %v, want %d; stderr:\n%s", err, time.Since(start), exitInterrupted, stderr.String())
			}
			if got := strings.Contains(stdout.String(), `"findings"`); got != c.report {
				t.Errorf("report on stdout: %v, want %v:\n%.500s\nstderr:\n%s", got, c.report, stdout.String(), stderr.String())
			}
			if c.report && !strings.Contains(stderr.String(), "interrupted: the report covers only what was read") {
				t.Errorf("stderr:\n%s", stderr.String())
			}
		})
	}
}

// TestSecondSignal: a second SIGINT quits at once, even while the first
// waits for an open that cannot be cancelled (a named pipe with no writer).
func TestSecondSignal(t *testing.T) {
	bin := denytrailBinary(t)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes: %v", err)
	}
	cmd := exec.Command(bin, "scan", "--progress", "never", fifo)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(time.Second) // started and waiting on the FIFO (see TestSignals)
	cmd.Process.Signal(os.Interrupt)
	var err error
	select {
	case err = <-done: // the first was enough
	case <-time.After(300 * time.Millisecond):
		cmd.Process.Signal(os.Interrupt)
		select {
		case err = <-done:
		case <-time.After(2 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Fatalf("still running 2 s after the second SIGINT; stderr:\n%s", stderr.String())
		}
		if !strings.Contains(stderr.String(), "interrupted again: quitting") {
			t.Errorf("stderr:\n%s", stderr.String())
		}
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit %v, want %d; stderr:\n%s", err, exitInterrupted, stderr.String())
	}
}
