package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildDenytrail builds the command without the race detector, whose
// memory overhead would hide what the command itself uses, into a
// temporary folder and returns its path.
func buildDenytrail(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the command")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build the command with")
	}
	bin := filepath.Join(t.TempDir(), "denytrail")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestAttackGzipOfNumbers: a 19 KB gzip of [1,1,...] with ten million
// elements is ten million skipped records. They are counted exactly, the
// first few named, the rest summed by reason; memory, stderr and the
// report stay small; exit 2.
func TestAttackGzipOfNumbers(t *testing.T) {
	bin := buildDenytrail(t)
	const n = 10_000_000
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write([]byte("["))
	zw.Write(bytes.Repeat([]byte("1,"), n-1))
	zw.Write([]byte("1]"))
	zw.Close()
	path := filepath.Join(t.TempDir(), "ones.json.gz")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if b.Len() > 64<<10 {
		t.Fatalf("the gzip is %d bytes, want about 19 KB", b.Len())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // bounded time: hangs fail
	defer cancel()
	for _, format := range []string{"markdown", "json"} {
		cmd := exec.CommandContext(ctx, bin, "scan", "--progress", "never", "--format", format, path)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitSkipped {
			t.Fatalf("%s: %v, want exit 2; stderr:\n%.2000s", format, err, stderr.String())
		}
		if rss := ee.SysUsage().(*syscall.Rusage).Maxrss; rss > 200<<10 { // KiB
			t.Errorf("%s: peak RSS %d MiB, want well under 200 MiB", format, rss>>10)
		}
		if stderr.Len() > 8<<10 || stdout.Len() > 64<<10 {
			t.Errorf("%s: stderr %d bytes, report %d bytes: want both small", format, stderr.Len(), stdout.Len())
		}
		if !strings.Contains(stderr.String(), "10000000 input(s) or record(s) could not be read") ||
			!strings.Contains(stderr.String(), "skipped 9999980 more, not named: not a JSON object") ||
			!strings.Contains(stderr.String(), "ones.json.gz#19: not a JSON object: found a number") {
			t.Errorf("%s: stderr does not count and name the skipped records:\n%s", format, stderr.String())
		}
		want := "- Skipped: 10000000 inputs or records (the first 20 listed below, the rest by reason: 9999980 not a JSON object)"
		if format == "json" {
			want = `"skippedCount": 10000000`
		}
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("%s: the report does not say %q:\n%.3000s", format, want, stdout.String())
		}
	}
}

// TestAttackInterruptLocalInput: SIGINT or SIGTERM stops a scan inside one
// local input, whatever it is blocked on, with the partial report, the
// denials read before it, and exit 130, within 2 s (TestSignals has more
// cases of stdin).
func TestAttackInterruptLocalInput(t *testing.T) {
	bin := denytrailBinary(t)
	record := []byte(`{"eventVersion":"1.09","eventTime":"2026-11-26T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"PutObject","errorCode":"AccessDenied","errorMessage":"Access Denied","eventID":"e1"}` + "\n")
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		sig  syscall.Signal
		args []string
		feed func(w io.Writer) // nil: a pipe whose writer never writes
	}{
		{"endless stream", syscall.SIGINT, []string{"-"}, func(w io.Writer) {
			for {
				if _, err := w.Write(bytes.Repeat(record, 64)); err != nil {
					return
				}
			}
		}},
		{"silent pipe, SIGTERM", syscall.SIGTERM, []string{"-"}, nil},
		{"FIFO without a writer", syscall.SIGINT, []string{fifo}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"scan", "--progress", "always", "--format", "json"}, c.args...)...)
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer pw.Close()
			cmd.Stdin = pr
			var stdout bytes.Buffer
			cmd.Stdout = &stdout
			stderr := startScanning(t, cmd)
			pr.Close()
			if c.feed != nil {
				go c.feed(pw)
				// Some failed calls read, for the report to keep.
				waitForStderr(t, cmd, stderr, regexp.MustCompile(`[1-9][0-9]* failed calls`))
			}
			start := time.Now()
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			waitInterrupted(t, cmd, stderr, start, c.sig.String())
			if !strings.Contains(stdout.String(), `"stats"`) || !strings.Contains(stderr.String(), "interrupted") {
				t.Errorf("no partial report:\nstdout %.500s\nstderr %s", stdout.String(), stderr.String())
			}
			if c.feed != nil && !strings.Contains(stdout.String(), `"eventID": "e1"`) {
				t.Errorf("the records read before the signal are not in the report:\n%.1000s", stdout.String())
			}
		})
	}
}
