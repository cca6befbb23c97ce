package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
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

// syncBuffer is a bytes.Buffer safe to read while a process writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// progressTick is how each progress line starts: the scan is running.
const progressTick = "\r\x1b[K"

// startScanning starts cmd, a scan run with "--progress always", and
// returns once its first progress line is on stderr: the scan is running,
// so its signal handlers are installed (main installs them before any
// command runs). That is what the signal tests must wait for, however
// loaded the machine: a signal that arrives while the binary is still
// starting kills it outright (the Go runtime's default action), which
// would test the start-up, not the command. Checking /proc's SigCgt does
// not tell, since the runtime catches SIGINT and SIGTERM from its first
// instruction. stderr holds everything the process writes there.
func startScanning(t *testing.T, cmd *exec.Cmd) (stderr *syncBuffer) {
	t.Helper()
	if !slices.Contains(cmd.Args, "always") {
		t.Fatalf("%v: startScanning needs --progress always", cmd.Args)
	}
	stderr = new(syncBuffer)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForStderr(t, cmd, stderr, regexp.MustCompile(regexp.QuoteMeta(progressTick)))
	return stderr
}

// waitForStderr waits until what cmd wrote on stderr matches re.
func waitForStderr(t *testing.T, cmd *exec.Cmd, stderr *syncBuffer, re *regexp.Regexp) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !re.MatchString(stderr.String()) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("%v: stderr does not match %q after 60 s:\n%s", cmd.Args, re, stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitInterrupted waits for cmd, signalled at start, to exit with 130
// within 2 s; else it kills it and fails, naming what was sent.
func waitInterrupted(t *testing.T, cmd *exec.Cmd, stderr *syncBuffer, start time.Time, sent string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(2 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("still running 2 s after %s; stderr:\n%s", sent, stderr.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit %v after %v, want %d; stderr:\n%s", err, time.Since(start), exitInterrupted, stderr.String())
	}
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
			cmd := exec.Command(bin, "scan", "--progress", "always", "-o", "json", "-")
			var stdout bytes.Buffer
			cmd.Stdout = &stdout
			w, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stderr := startScanning(t, cmd)
			go c.feed(w)
			defer w.Close()
			start := time.Now()
			for _, s := range c.sig {
				cmd.Process.Signal(s)
				time.Sleep(50 * time.Millisecond)
			}
			waitInterrupted(t, cmd, stderr, start, "the signal")
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
	cmd := exec.Command(bin, "scan", "--progress", "always", fifo)
	stderr := startScanning(t, cmd) // and waiting on the FIFO
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
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
